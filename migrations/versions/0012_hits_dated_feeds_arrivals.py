"""hits carry the time of their news; feeds remember when their news came

The stories page listed hits by row id: a feed's items are stored in feed order, so
within one poll the oldest came first. `hit.dated` is the time of its story's first
report: an article's published time, never later than it was first seen (a future
date is a feed's error), else the time it was first seen, the earliest of the story's
copies. The index on (dated, id) keeps a page of the newest a short read.

A feed that answers but has stopped publishing is stale against its own history:
`feed.arrivals` holds the times of its last polls that brought new items (from the
feed entries already stored), and `feed.stale_notified` that the operator was told.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

KEEP = 21  # as monitor.feeds.staleness.KEEP: twenty gaps
DATED = (
    "(SELECT min(CASE WHEN b.published IS NOT NULL AND b.published < b.first_seen_at "
    "THEN b.published ELSE b.first_seen_at END) FROM article a JOIN article b "
    "ON b.story = a.story WHERE a.id = hit.article_id)"
)
ARRIVALS = sa.text(
    "SELECT feed_id, seen_at FROM (SELECT feed_id, seen_at, row_number() OVER "
    "(PARTITION BY feed_id ORDER BY seen_at DESC) AS n FROM "
    "(SELECT DISTINCT feed_id, seen_at FROM feed_entry) AS d) AS r WHERE n <= :keep"
)


def _iso(value: object) -> str:
    """A stored time as the store writes arrivals: ISO 8601 in UTC."""
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: SQLite's batch copies the table, and dropping the
    # old feed table fails while feed entries and articles refer to it.
    op.add_column("hit", sa.Column("dated", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute(f"UPDATE hit SET dated = {DATED}")
    op.create_index("ix_hit_dated", "hit", ["dated", "id"])
    op.add_column("feed", sa.Column("arrivals", sa.JSON(), nullable=True))
    op.add_column(
        "feed", sa.Column("stale_notified", sa.Boolean(), nullable=False, server_default="0")
    )
    bind = op.get_bind()
    found: dict[int, list[str]] = defaultdict(list)
    for feed_id, seen_at in bind.execute(ARRIVALS, {"keep": KEEP}):
        found[int(feed_id)].append(_iso(seen_at))
    # SQLite would read CAST(... AS JSON) as a number; PostgreSQL wants the cast.
    value = "CAST(:a AS json)" if bind.dialect.name == "postgresql" else ":a"
    update = sa.text(f"UPDATE feed SET arrivals = {value} WHERE id = :id")
    rows = [{"id": f, "a": json.dumps(sorted(times))} for f, times in found.items()]
    if rows:
        bind.execute(update, rows)


def downgrade() -> None:
    with op.batch_alter_table("feed") as batch:
        batch.drop_column("stale_notified")
        batch.drop_column("arrivals")
    op.drop_index("ix_hit_dated", table_name="hit")
    with op.batch_alter_table("hit") as batch:
        batch.drop_column("dated")
