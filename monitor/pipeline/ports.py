"""What the pipeline needs of the store: the few methods it calls, and nothing else, so
that a test of polling can hand it a store of its own, with no database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from monitor.clock import Clock
from monitor.types import (
    FeedBatch,
    PollRecord,
    PushSubscription,
    SavedArticle,
    SeenEntry,
    StoredText,
    WatchlistMatch,
)


class PipelineStore(Protocol):
    """A poll's reads and writes: entries seen, pages claimed, articles saved."""

    @property
    def clock(self) -> Clock: ...

    def record_polls(self, records: Sequence[PollRecord]) -> None: ...

    def save_feeds(self, feeds: Sequence[FeedBatch]) -> list[list[SavedArticle] | Exception]: ...

    def entry_fingerprints(self, feed_id: int, keys: Iterable[str]) -> dict[str, str | None]: ...

    def known_articles(self, urls: Iterable[str]) -> dict[str, int]: ...

    def mark_seen(self, feed_id: int, seen: Sequence[SeenEntry]) -> None: ...

    def claim_pages(self, owner: str, urls: Iterable[str], lease: timedelta) -> set[str]: ...

    def release_pages(self, owner: str, urls: Iterable[str]) -> None: ...

    def push_subscriptions(self, feed_ids: Sequence[int]) -> list[PushSubscription | None]: ...


class SubscriberStore(Protocol):
    """WebSub: a feed's subscription to its hub."""

    def push_subscription(self, feed_id: int) -> PushSubscription | None: ...

    def request_push(self, sub: PushSubscription) -> None: ...

    def push_refused(self, token: str, state: str, reason: str) -> None: ...


class ReplayStore(Protocol):
    """A replay: stored texts, a page at a time, and the hits they make."""

    def texts_since(
        self, since: datetime, after_id: int = 0, limit: int = 200
    ) -> list[StoredText]: ...

    def add_hits(self, article_id: int, matches: Sequence[WatchlistMatch]) -> list[int]: ...
