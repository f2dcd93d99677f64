"""search on PostgreSQL by the matcher's own folding

PostgreSQL's 'simple' text search keeps accents (Şuşa, Erdoğan) where the matcher
folds them (Susa, Erdogan), so search candidates could miss what a watchlist finds.
monitor_fold() folds as monitor.match.normalize does (its table, made here from
FOLD_TABLE), and the full-text index is rebuilt on it. SQLite's FTS5 folds as the
matcher does but for three letters, which the query asks for in both spellings.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_VECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, ''))"
NEW_VECTOR = (
    "to_tsvector('simple', monitor_fold(coalesce(title, '') || ' ' || coalesce(text, '')))"
)


def fold_function() -> str:
    """CREATE FUNCTION monitor_fold: translate by FOLD_TABLE's one-character foldings
    and drop combining marks, lower-case, then Armenian և and եւ to եվ."""
    from monitor.match.normalize import FOLD_TABLE

    pairs = sorted((chr(k), v) for k, v in FOLD_TABLE.items() if len(v) == 1)
    marks = "".join(chr(c) for c in range(0x300, 0x370))
    source = "".join(k for k, _ in pairs) + marks + "\u00ad\u200b\u200c\u200d\u2060\ufeff"
    target = "".join(v for _, v in pairs)

    def literal(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    return (
        "CREATE OR REPLACE FUNCTION monitor_fold(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN "
        f"replace(replace(lower(translate(t, {literal(source)}, {literal(target)})), "
        "'և', 'եվ'), 'եւ', 'եվ')"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(fold_function())
    op.execute("DROP INDEX IF EXISTS ix_article_search")
    op.execute(f"CREATE INDEX ix_article_search ON article USING gin ({NEW_VECTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_article_search")
    op.execute(f"CREATE INDEX ix_article_search ON article USING gin ({OLD_VECTOR})")
    op.execute("DROP FUNCTION monitor_fold(text)")
