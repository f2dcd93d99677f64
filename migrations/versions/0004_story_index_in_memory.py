"""story buckets move from a table to each daemon's memory, built from article.minhash

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("story_band")


def downgrade() -> None:
    # Recreated empty: 0003's code refills it only as new articles arrive.
    op.create_table(
        "story_band",
        sa.Column("key", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("story", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"]),
        sa.PrimaryKeyConstraint("key", "story"),
        sqlite_with_rowid=False,
    )
