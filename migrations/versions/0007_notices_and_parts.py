"""notices beside digests (spikes, heartbeats), and deliveries sent in parts

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("digest") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=10), nullable=False, server_default="digest")
        )
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("dedupe", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_digest_dedupe", ["subscription", "dedupe"])
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(
            sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("parts_sent")
    with op.batch_alter_table("digest") as batch:
        batch.drop_constraint("uq_digest_dedupe", type_="unique")
        batch.drop_column("dedupe")
        batch.drop_column("note")
        batch.drop_column("kind")
