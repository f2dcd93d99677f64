"""story clustering: article signatures, LSH buckets, entry fingerprints

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("article") as batch:
        batch.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("shingles", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("banded", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_article_first_seen_at", ["first_seen_at"], unique=False)
    with op.batch_alter_table("feed_entry") as batch:
        batch.add_column(
            sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    op.create_table(
        "story_band",
        sa.Column("key", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("story", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"]),
        sa.PrimaryKeyConstraint("key", "story"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("story_band")
    with op.batch_alter_table("feed_entry") as batch:
        batch.drop_column("fingerprint")
    with op.batch_alter_table("article") as batch:
        batch.drop_index("ix_article_first_seen_at")
        batch.drop_column("banded")
        batch.drop_column("shingles")
        batch.drop_column("minhash")
