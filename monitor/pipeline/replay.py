"""Re-run matching over stored articles after a watchlist edit; store the new hits."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from monitor.errors import MonitorError
from monitor.match.matcher import Matcher
from monitor.pipeline.ports import ReplayStore
from monitor.types import StoredText
from monitor.watchlists.model import Watchlist, unknown_watchlist

Progress = Callable[[int, int], None]  # (articles re-matched, new hits) so far


def replay(
    store: ReplayStore,
    lists: Sequence[Watchlist],
    since: datetime,
    watchlist: str | None = None,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Re-match the articles first seen since `since`; returns (articles, new hits)."""
    if watchlist is not None:
        named = [w for w in lists if w.name == watchlist]
        if not named:
            raise MonitorError(unknown_watchlist(watchlist, (w.name for w in lists)))
        lists = named
    matcher = Matcher(lists)
    n_articles = n_hits = 0
    for page in _pages(store, since):
        for t in page:
            matches = matcher.match(t.title, t.text)
            if matches:
                n_hits += len(store.add_hits(t.article_id, matches))
            n_articles += 1
        if progress is not None:
            progress(n_articles, n_hits)
    return n_articles, n_hits


def matching(store: ReplayStore, watchlist: Watchlist, since: datetime) -> list[int]:
    """The articles first seen since `since` that the watchlist matches: a replay that
    stores nothing (what a search saved as a watchlist would have hit)."""
    matcher = Matcher([watchlist])
    return [
        t.article_id
        for page in _pages(store, since)
        for t in page
        if matcher.match(t.title, t.text)
    ]


def _pages(store: ReplayStore, since: datetime) -> Iterator[list[StoredText]]:
    """The articles first seen since `since`, a page at a time, in id order."""
    last_id = 0
    while page := store.texts_since(since, after_id=last_id):
        yield page
        last_id = page[-1].article_id
