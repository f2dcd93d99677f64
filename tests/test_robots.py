"""robots.txt for article pages (RELIABILITY row 19, RFC 9309)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.fetch.robots import CACHE_S, Robots
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.store import Store
from monitor.types import FeedSource
from tests.support.httpd import Reply, ScriptedServer, rss
from tests.support.net import Canary
from tests.support.store import feed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ask(base: str, paths: list[str], clock: Clock | None = None, **policy: object) -> list[bool]:
    async def go() -> list[bool]:
        kw: dict[str, object] = {
            "timeout_s": 5,
            "allow_private_networks": True,
            "user_agent": "news-monitor/1.0 (+https://example.org/bot)",
        }
        pol = FetchPolicy(**{**kw, **policy})  # type: ignore[arg-type]
        async with Fetcher(pol) as f:
            robots = Robots(f, pol.user_agent, clock or Clock())
            return [await robots.allowed(base + p) for p in paths]

    return asyncio.run(go())


ROBOTS = b"""User-agent: *
Disallow: /private/
Allow: /private/open-*

User-agent: news-monitor
Disallow: /no-monitors/
Disallow: /private/
Allow: /private/open-*
"""


def test_rules_for_our_product_token_apply() -> None:
    with ScriptedServer(lambda p, h: Reply(200, ROBOTS, {"Content-Type": "text/plain"})) as srv:
        got = ask(
            srv.base, ["/news/1", "/private/x", "/private/open-letter", "/no-monitors/a", "/news/2"]
        )
        assert got == [True, False, True, False, True]
        # fetched once for all five pages
        assert [p for p, _ in srv.requests] == ["/robots.txt"]
        assert srv.requests[0][1]["user-agent"].startswith("news-monitor/1.0")


@pytest.mark.parametrize(
    ("status", "allowed"), [(404, True), (410, True), (401, True), (500, False), (503, False)]
)
def test_unavailable_allows_and_unreachable_disallows(status: int, allowed: bool) -> None:
    with ScriptedServer(lambda p, h: Reply(status, b"")) as srv:
        assert ask(srv.base, ["/a", "/b"]) == [allowed, allowed]


def test_no_answer_disallows(canary: Canary) -> None:
    canary.sock.close()  # nothing listens there any more
    assert ask(f"http://127.0.0.1:{canary.port}", ["/a"]) == [False]


def test_robots_txt_goes_through_the_address_guard(canary: Canary) -> None:
    assert ask(f"http://127.0.0.1:{canary.port}", ["/a"], allow_private_networks=False) == [False]
    assert canary.connections == 0


def test_cached_for_at_most_a_day() -> None:
    bodies = [b"User-agent: *\nDisallow: /\n", b"User-agent: *\nAllow: /\n"]

    with ScriptedServer(
        lambda p, h: Reply(200, bodies[0] if len(srv.requests) <= 1 else bodies[1])
    ) as srv:
        clock = Clock()

        async def go() -> list[bool]:
            async with Fetcher(FetchPolicy(timeout_s=5, allow_private_networks=True)) as f:
                robots = Robots(f, "news-monitor", clock)
                out = [await robots.allowed(srv.base + "/a")]
                clock.now += CACHE_S - 1
                out.append(await robots.allowed(srv.base + "/a"))
                clock.now += 2
                out.append(await robots.allowed(srv.base + "/a"))
                return out

        assert asyncio.run(go()) == [False, False, True]
        assert len(srv.requests) == 2


def test_a_disallowed_page_is_not_fetched_and_the_feed_entry_is_matched(
    sqlite_store: Store,
) -> None:
    store = sqlite_store

    page = (
        b"<html><body><article><p>"
        + b"The full story from the page. " * 30
        + b"</p></article></body></html>"
    )

    def script(path: str, h: dict[str, str]) -> Reply:
        if path == "/robots.txt":
            return Reply(200, b"User-agent: *\nDisallow: /private/\n")
        if path == "/feed":
            items = [(p, f"{srv.base}/{p}/1", p, f"Summary of {p}.") for p in ("private", "public")]
            return Reply(200, rss(items))
        return Reply(200, page, {"Content-Type": "text/html"})

    with ScriptedServer(script) as srv:
        store.sync_feeds([FeedSource(srv.base + "/feed", None, 900)])

        async def go() -> None:
            async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
                await Pipeline(store, f, lambda: Matcher([])).refresh(
                    feed(store, srv.base + "/feed")
                )

        asyncio.run(go())
        paths = [p for p, _ in srv.requests]
    assert "/private/1" not in paths and "/public/1" in paths
    with store.engine.connect() as c:
        rows = dict(c.execute(text("SELECT title, source FROM article")).all())
    assert rows == {"private": "feed", "public": "page"}
