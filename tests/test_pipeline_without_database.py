"""The pipeline asks the store only for what `PipelineStore` states: a poll runs whole
against a store kept in a dict, with no database. New entries are saved with their
matches, known ones are not fetched or saved again, an edited one is, and each poll's
outcome is recorded with the validators that let the next one be a 304."""

from __future__ import annotations

import asyncio

from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.types import (
    DueFeed,
    FeedSource,
    PollState,
    RefreshResult,
)
from monitor.watchlists.model import Entity, Watchlist
from tests.support.dictstore import NOW, DictStore
from tests.support.httpd import Reply, ScriptedServer, rss

LAVROV = Watchlist("officials", "", (Entity("lavrov", "Lavrov", ("Lavrov",)),))


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
        [(feed_id, batch, _)] = store.saved
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
        assert [e.article.text for _, b, _ in store.saved[1:] for e in b] == [
            "Lavrov arrived and spoke."
        ]
        assert asyncio.run(poll(url, PollState('"v1"', None))).status == "not-modified"
    assert [p.ok for p in store.polls] == [True, True, True, True]


def test_feeds_answering_304_together_share_one_websub_lookup() -> None:
    """A daemon that takes WebSub pushes asks, after each 304, whether a hub pushes the
    feed: polls ending together ask in one query, not one each."""
    from monitor.pipeline.subscribe import Subscriber

    asked: list[int] = []

    class Counting(DictStore):
        def push_subscriptions(self, feed_ids):  # type: ignore[no-untyped-def]
            asked.append(len(feed_ids))
            return super().push_subscriptions(feed_ids)

    store = Counting()

    async def poll_all(base: str) -> list[RefreshResult]:
        async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
            sub = Subscriber(store, f, lambda: None, store.clock, plain_http=True)
            pipe = Pipeline(store, f, lambda: Matcher([LAVROV]), clock=store.clock, subscriber=sub)
            feeds = [
                DueFeed(i, FeedSource(f"{base}/f{i}", "F", 900, pages=False), PollState('"v"'))
                for i in range(20)
            ]
            return list(await asyncio.gather(*(pipe.refresh(d) for d in feeds)))

    with ScriptedServer(lambda p, h: Reply(304)) as srv:
        results = asyncio.run(poll_all(srv.base))
    assert {r.status for r in results} == {"not-modified"}
    assert sum(asked) == 20 and len(asked) < 20
