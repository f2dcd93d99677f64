"""PostgreSQL indexes an article for search after it is stored, not while

The search index's upkeep (the folded words into GIN, and the ranking lead) was 1.1 ms
of an article's 1.8 ms insert at 20,000 articles, and grew with the index: inside the
transaction that assigns stories, under the lock that makes the daemons take turns.
An article is now stored unsearchable; `Store.index_search` marks a batch searchable
(and makes their leads) in a transaction of its own, run by the daemon every few
seconds and by a search before it reads. The index is partial: GIN skips a row that is
not searchable, and makes its vector only when the row is marked. An edit makes the
article unsearchable again until it is indexed anew. SQLite's FTS5 triggers index in
the storing transaction still (the column is true there from the start).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WORDS = "to_tsvector('simple', monitor_fold(coalesce(title, '') || ' ' || coalesce(text, '')))"
SLICED = f"({WORDS} || array_to_tsvector(ARRAY['~' || (id / 1024)::text]))"
LEAD = (
    "setweight(to_tsvector('simple', monitor_fold(coalesce(title, ''))), 'A') || "
    "to_tsvector('simple', monitor_fold(left(coalesce(text, ''), 400)))"
)


def upgrade() -> None:
    op.add_column(
        "article",
        sa.Column("searchable", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # the lead is made by the indexer now, no longer on every insert and update
    op.execute("ALTER TABLE article ALTER COLUMN search_lead DROP EXPRESSION")
    op.execute("DROP INDEX IF EXISTS ix_article_search")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(f"CREATE INDEX ix_article_search ON article USING gin ({SLICED}) WHERE searchable")
    op.execute("CREATE INDEX ix_article_search_pending ON article (id) WHERE NOT searchable")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_article_search_pending")
        op.execute("DROP INDEX IF EXISTS ix_article_search")
        op.execute("ALTER TABLE article DROP COLUMN search_lead")
        op.execute(
            f"ALTER TABLE article ADD COLUMN search_lead tsvector "
            f"GENERATED ALWAYS AS ({LEAD}) STORED"
        )
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        op.execute(f"CREATE INDEX ix_article_search ON article USING gin ({SLICED})")
    op.drop_column("article", "searchable")
