"""PostgreSQL's search index holds each article's slice of ids; its lead is kept to rank by

A common word is in most articles: GIN reads every match of it into a bitmap before
the newest can be picked, a million postings at a million articles. Each article's
vector now also holds a word for its slice of 1,024 ids ('~976'), so that search
asks for the newest slices first (`... & '~976'`); GIN then reads the word's
postings only where the slice's own are, and a page costs what it shows.

Ranking made a vector of each candidate's title and lead per query, 0.2 ms a row:
`search_lead` keeps it (title weighted A, the text's first 400 characters), generated
by the database, about a fifth of the table's size beside the texts.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

WORDS = "to_tsvector('simple', monitor_fold(coalesce(title, '') || ' ' || coalesce(text, '')))"
SLICED = f"({WORDS} || array_to_tsvector(ARRAY['~' || (id / 1024)::text]))"
LEAD = (
    "setweight(to_tsvector('simple', monitor_fold(coalesce(title, ''))), 'A') || "
    "to_tsvector('simple', monitor_fold(left(coalesce(text, ''), 400)))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the index first: adding the column rewrites the table and every index on it
    op.execute("DROP INDEX IF EXISTS ix_article_search")
    op.execute(
        f"ALTER TABLE article ADD COLUMN search_lead tsvector GENERATED ALWAYS AS ({LEAD}) STORED"
    )
    # GIN builds its postings in this much memory before it writes them out
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(f"CREATE INDEX ix_article_search ON article USING gin ({SLICED})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_article_search")
    op.execute(f"CREATE INDEX ix_article_search ON article USING gin ({WORDS})")
    op.execute("ALTER TABLE article DROP COLUMN search_lead")
