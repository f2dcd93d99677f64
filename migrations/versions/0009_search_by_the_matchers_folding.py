"""search on PostgreSQL by the matcher's own folding

PostgreSQL's 'simple' text search keeps accents (Şuşa, Erdoğan) where the matcher
folds them (Susa, Erdogan), so search candidates could miss what a watchlist finds.
monitor_fold() folds as monitor.basics.normalize does (its table, made here from
FOLD_TABLE), and the full-text index is rebuilt on it. SQLite's FTS5 folds as the
matcher does but for three letters, which the query asks for in both spellings.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import unicodedata

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_VECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, ''))"
NEW_VECTOR = (
    "to_tsvector('simple', monitor_fold(coalesce(title, '') || ' ' || coalesce(text, '')))"
)


# The Latin blocks whose letters fold (é -> e): each is translated only in a text that
# holds one of its letters. PostgreSQL's translate() looks each character up in its
# table one by one, so one table of all of them would cost a text's length times nine
# hundred; most texts need none of these blocks, or one.
BLOCKS = [(0x00C0, 0x0100), (0x0100, 0x0180), (0x0180, 0x0250), (0x1E00, 0x1F00)]
MARKS = "".join(chr(c) for c in range(0x300, 0x370)) + "\u00ad\u200b\u200c\u200d\u2060\ufeff"


def fold_function() -> str:
    """CREATE FUNCTION monitor_fold: FOLD_TABLE's one-character foldings, combining marks
    dropped, lower case, then Armenian և and եւ to եվ (as monitor.basics.normalize)."""
    from monitor.basics.normalize import FOLD_TABLE

    def literal(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    def table(keys: list[int]) -> tuple[str, str]:
        pairs = [(chr(k), FOLD_TABLE[k]) for k in keys if len(FOLD_TABLE.get(k, "")) == 1]
        return "".join(k for k, _ in pairs), "".join(v for _, v in pairs)

    in_blocks = {k for lo, hi in BLOCKS for k in range(lo, hi)}
    # Outside the Latin blocks only letters matter (ё, Ё), and dashes: to_tsvector
    # reads "hit-120" as hit and -120, where the matcher reads hit 120. Spaces and
    # apostrophes separate words for it whichever they are.
    src, dst = table(sorted(k for k in FOLD_TABLE if k not in in_blocks and chr(k).isalpha()))
    dashes = "".join(chr(k) for k in sorted(FOLD_TABLE) if unicodedata.category(chr(k)) == "Pd")
    dashes += "\u2212"  # the minus sign, folded as a dash
    steps = [
        f"IF t ~ '[{src}]' THEN t := translate(t, {literal(src)}, {literal(dst)}); END IF;",
        f"IF t ~ '[{dashes}]' THEN t := translate(t, {literal(dashes)}, "
        f"{literal(' ' * len(dashes))}); END IF;",
    ]
    for lo, hi in BLOCKS:
        bsrc, bdst = table(list(range(lo, hi)))
        steps.append(
            f"IF t ~ '[{chr(lo)}-{chr(hi - 1)}]' THEN "
            f"t := translate(t, {literal(bsrc)}, {literal(bdst)}); END IF;"
        )
    steps.append(f"IF t ~ '[{MARKS}]' THEN t := regexp_replace(t, '[{MARKS}]', '', 'g'); END IF;")
    body = " ".join(steps)
    # COST: a planner that thinks the function cheap filters a common word's rows one
    # by one through it instead of asking the index.
    return (
        "CREATE OR REPLACE FUNCTION monitor_fold(t text) RETURNS text "
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $fold$ BEGIN "
        f"{body} RETURN replace(replace(lower(t), 'և', 'եվ'), 'եւ', 'եվ'); END $fold$"
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
