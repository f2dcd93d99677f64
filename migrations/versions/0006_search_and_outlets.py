"""full-text search over articles; outlets indexed for the web page's filter

SQLite: an FTS5 table over article's title and text, kept by triggers. PostgreSQL:
a GIN index on the 'simple' text search vector (no stemming: the articles are in
several languages).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

PG_VECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, ''))"


def upgrade() -> None:
    op.create_index("ix_article_outlet", "article", ["outlet"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_article_search ON article USING gin ({PG_VECTOR})")
        return
    op.execute(
        "CREATE VIRTUAL TABLE article_fts USING fts5(title, text, content='article', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    # Only title and text: the flags written after every save need not touch the index.
    op.execute(
        "CREATE TRIGGER article_fts_insert AFTER INSERT ON article BEGIN "
        "INSERT INTO article_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER article_fts_delete AFTER DELETE ON article BEGIN "
        "INSERT INTO article_fts(article_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END"
    )
    op.execute(
        "CREATE TRIGGER article_fts_update AFTER UPDATE OF title, text ON article BEGIN "
        "INSERT INTO article_fts(article_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO article_fts(rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    op.execute("INSERT INTO article_fts(article_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_article_search")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER article_fts_{name}")
        op.execute("DROP TABLE article_fts")
    op.drop_index("ix_article_outlet", "article")
