"""A feed's pages wait for their host's turn before they take a page slot: a feed of
many pages on a slow site does not fill the slots with pages that cannot go yet, and
another feed's pages on another site are fetched meanwhile."""

from __future__ import annotations

import asyncio
import threading

import pytest

from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import PAGES_PER_WORKER, Pipeline
from monitor.types import DueFeed, FeedSource, PollState
from monitor.watchlists.model import Entity, Watchlist
from tests.support.dictstore import DictStore
from tests.support.httpd import Reply, ScriptedServer, rss

LAVROV = Watchlist("officials", "", (Entity("lavrov", "Lavrov", ("Lavrov",)),))
PAGE = b"<html><body><article><h1>Lavrov</h1><p>Lavrov spoke in Yerevan today.</p></article></body></html>"
SLOW_PAGES = 3 * PAGES_PER_WORKER * 2  # more than the page slots of two workers


@pytest.mark.slow  # ninety-six pages, two at a time
def test_pages_waiting_for_their_host_leave_the_slots_to_another_feeds_pages() -> None:
    answered: list[str] = []  # page requests, in the order the servers answered them
    lock = threading.Lock()
    bases: dict[str, str] = {}

    def site(name: str, pages: int, delay_s: float):  # type: ignore[no-untyped-def]
        def script(path: str, headers: dict[str, str]) -> Reply:
            if path == "/feed":
                items = [
                    (f"{name}{i}", f"{bases[name]}/p{i}", f"{name}{i}", "x") for i in range(pages)
                ]
                return Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
            with lock:
                answered.append(name)
            return Reply(200, PAGE, {"Content-Type": "text/html"}, delay_s=delay_s)

        return script

    store = DictStore()

    async def run(slow_url: str, quick_url: str) -> None:
        policy = FetchPolicy(timeout_s=60, allow_private_networks=True)
        async with Fetcher(policy) as f:
            pipe = Pipeline(store, f, lambda: Matcher([LAVROV]), respect_robots=False)
            slow = asyncio.create_task(
                pipe.refresh(DueFeed(1, FeedSource(slow_url, "S", 900), PollState()))
            )
            while "slow" not in answered:  # the slow feed's pages are under way
                await asyncio.sleep(0.01)
            quick = await pipe.refresh(DueFeed(2, FeedSource(quick_url, "Q", 900), PollState()))
            assert quick.status == "ok" and quick.new_items == 2
            assert (await slow).new_items == SLOW_PAGES

    with (
        ScriptedServer(site("slow", SLOW_PAGES, 0.02), host="127.0.0.1") as slow_site,
        ScriptedServer(site("quick", 2, 0.0), host="127.0.0.2") as quick_site,
    ):
        bases.update(slow=slow_site.base, quick=quick_site.base)
        asyncio.run(run(slow_site.base + "/feed", quick_site.base + "/feed"))
    # The quick feed's pages went while the slow site answered two at a time; had the
    # slow feed's waiting pages held the slots, they would have come after most of them.
    first_quick = answered.index("quick")
    assert answered.count("slow") == SLOW_PAGES
    assert first_quick < PAGES_PER_WORKER, answered
