"""source kinds (feed, sitemap, telegram, page), and WebSub subscriptions

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=10), nullable=False, server_default="feed")
        )
    op.create_table(
        "websub",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feed_id", sa.Integer(), sa.ForeignKey("feed.id"), nullable=False),
        sa.Column("hub", sa.String(length=2000), nullable=False),
        sa.Column("topic", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("pushes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_push_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("feed_id", name="uq_websub_feed"),
        sa.UniqueConstraint("token", name="uq_websub_token"),
    )


def downgrade() -> None:
    op.drop_table("websub")
    with op.batch_alter_table("feed") as batch:
        batch.drop_column("kind")
