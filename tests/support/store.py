"""Store helpers for tests: the one-article and one-poll shortcuts the daemon never needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text

from monitor.store import Store
from monitor.types import (
    Article,
    DueFeed,
    FeedBatch,
    NewEntry,
    PollRecord,
    PollState,
    SavedArticle,
    WatchlistMatch,
)


def feed(store: Store, url: str) -> DueFeed:
    """The configured feed with this URL, as the daemon would poll it."""
    found = [f for f in store.active_feeds() if f.source.url == url]
    assert found, f"no active feed {url}"
    return found[0]


def record_poll(
    store: Store,
    feed_id: int,
    *,
    ok: bool,
    next_poll_at: datetime,
    state: PollState | None = None,
    error: str | None = None,
    new_items: int = 0,
    lease: str | None = None,
) -> None:
    store.record_polls([PollRecord(feed_id, ok, next_poll_at, state, error, new_items, lease)])


def save_articles(
    store: Store, entries: Sequence[NewEntry], feed_id: int | None = None
) -> list[SavedArticle]:
    """Store one feed's entries in their own transaction; raise what kept them out."""
    [result] = store.save_feeds([FeedBatch(feed_id, entries)])
    if isinstance(result, Exception):
        raise result
    return result


def save_article(
    store: Store,
    article: Article,
    matches: Sequence[WatchlistMatch],
    *,
    feed_id: int | None = None,
    entry_key: str | None = None,
) -> SavedArticle:
    return save_articles(store, [NewEntry(article, tuple(matches), entry_key)], feed_id)[0]


def article_text(store: Store, url: str) -> tuple[str, str] | None:
    """(title, text) of the article stored under this canonical URL."""
    with store.engine.connect() as c:
        row = c.execute(text("SELECT title, text FROM article WHERE url = :u"), {"u": url}).first()
    return (row[0], row[1]) if row else None


def delivery_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as c:
        rows = c.execute(text("SELECT status, count(*) FROM delivery GROUP BY status")).all()
    return {str(st): int(n) for st, n in rows}
