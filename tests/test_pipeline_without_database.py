"""The pipeline asks the store only for what `PipelineStore` states: a poll runs whole
against a store kept in a dict, with no database. New entries are saved with their
matches, known ones are not fetched or saved again, an edited one is, and each poll's
outcome is recorded with the validators that let the next one be a 304."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from monitor.clock import Clock
from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.types import (
    DueFeed,
    FeedBatch,
    FeedSource,
    PollRecord,
    PollState,
    PushSubscription,
    RefreshResult,
    SavedArticle,
    SeenEntry,
)
from monitor.watchlists.model import Entity, Watchlist
from tests.support.httpd import Reply, ScriptedServer, rss

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
LAVROV = Watchlist("officials", "", (Entity("lavrov", "Lavrov", ("Lavrov",)),))


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
        for feed_id, batch in feeds:
            self.saved.append((feed_id, list(batch)))
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

    def push_subscription(self, feed_id: int) -> PushSubscription | None:
        return None


def test_polls_run_whole_against_a_store_with_no_database() -> None:
    first = rss(
        [
            ("Lavrov in Yerevan", "https://news.example/1", "g1", "Lavrov arrived."),
            ("Weather", "https://news.example/2", "g2", "Rain in Tbilisi."),
        ]
    )
    edited = rss(
        [
            ("Lavrov in Yerevan", "https://news.example/1", "g1", "Lavrov arrived and spoke."),
            ("Weather", "https://news.example/2", "g2", "Rain in Tbilisi."),
        ]
    )
    bodies = [first, first, edited]

    def script(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, bodies.pop(0), {"ETag": '"v2"', "Content-Type": "application/rss+xml"})

    store = DictStore()

    async def poll(url: str, state: PollState) -> RefreshResult:
        async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
            pipe = Pipeline(store, f, lambda: Matcher([LAVROV]), clock=store.clock)
            return await pipe.refresh(DueFeed(7, FeedSource(url, "F", 900, pages=False), state))

    with ScriptedServer(script) as srv:
        url = srv.base + "/feed"
        new = asyncio.run(poll(url, PollState()))
        assert (new.status, new.new_items, len(new.new_hits)) == ("ok", 2, 1)
        [(feed_id, batch)] = store.saved
        assert feed_id == 7
        assert [(e.article.title, len(e.matches)) for e in batch] == [
            ("Lavrov in Yerevan", 1),
            ("Weather", 0),
        ]
        assert store.polls[-1].state == PollState('"v2"', None)
        assert store.polls[-1].next_poll_at > NOW

        same = asyncio.run(poll(url, PollState()))  # the same entries: nothing to save
        assert (same.status, same.new_items) == ("ok", 0)
        assert len(store.saved) == 1

        again = asyncio.run(poll(url, PollState()))  # one entry edited: saved again
        assert (again.status, again.new_items) == ("ok", 1)
        assert [e.article.text for _, b in store.saved[1:] for e in b] == [
            "Lavrov arrived and spoke."
        ]
        assert asyncio.run(poll(url, PollState('"v1"', None))).status == "not-modified"
    assert [p.ok for p in store.polls] == [True, True, True, True]
