"""A PipelineStore kept in a dict: a poll runs whole with no database."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from monitor.clock import Clock
from monitor.types import FeedBatch, PollRecord, PushSubscription, SavedArticle, SeenEntry

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


class DictStore:
    """A PipelineStore in memory: what a poll saved, marked and recorded."""

    def __init__(self) -> None:
        self.saved: list[FeedBatch] = []
        self.polls: list[PollRecord] = []
        self.entries: dict[tuple[int, str], str | None] = {}
        self.articles: dict[str, int] = {}

    @property
    def clock(self) -> Clock:
        return lambda: NOW

    def record_polls(self, records: Sequence[PollRecord]) -> None:
        self.polls += records

    def save_feeds(self, feeds: Sequence[FeedBatch]) -> list[list[SavedArticle] | Exception]:
        out: list[list[SavedArticle] | Exception] = []
        for feed_id, batch, lease in feeds:
            self.saved.append(FeedBatch(feed_id, list(batch), lease))
            done = []
            for e in batch:
                created = e.article.url not in self.articles
                aid = self.articles.setdefault(e.article.url, len(self.articles) + 1)
                if feed_id is not None and e.key is not None:
                    self.entries[(feed_id, e.key)] = e.fingerprint
                hits = tuple(range(len(e.matches)))
                done.append(SavedArticle(aid, hits, created, f"story-{aid}"))
            out.append(done)
        return out

    def entry_fingerprints(self, feed_id: int, keys: Iterable[str]) -> dict[str, str | None]:
        return {k: self.entries[(feed_id, k)] for k in keys if (feed_id, k) in self.entries}

    def known_articles(self, urls: Iterable[str]) -> dict[str, int]:
        return {u: self.articles[u] for u in urls if u in self.articles}

    def mark_seen(self, feed_id: int, seen: Sequence[SeenEntry]) -> None:
        for s in seen:
            self.entries[(feed_id, s.key)] = s.fingerprint

    def claim_pages(self, owner: str, urls: Iterable[str], lease: timedelta) -> set[str]:
        return set(urls)

    def release_pages(self, owner: str, urls: Iterable[str]) -> None:
        pass

    def push_subscriptions(self, feed_ids: Sequence[int]) -> list[PushSubscription | None]:
        return [self.push_subscription(i) for i in feed_ids]

    def push_subscription(self, feed_id: int) -> PushSubscription | None:
        return None
