"""leases on feeds, claims on deliveries and pages, digests with a stable key

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("claim_owner", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("claim_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.add_column(
            sa.Column("dead_notified", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("digest") as batch:
        batch.add_column(sa.Column("key", sa.String(length=32), nullable=True))
    op.create_table(
        "page_claim",
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("url_hash"),
    )


def downgrade() -> None:
    op.drop_table("page_claim")
    with op.batch_alter_table("digest") as batch:
        batch.drop_column("key")
    with op.batch_alter_table("delivery") as batch:
        batch.drop_column("dead_notified")
        batch.drop_column("claim_until")
        batch.drop_column("claim_owner")
    with op.batch_alter_table("feed") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
