"""Polling manners: conditional GET, Retry-After, backoff, freshness hints, per-host limits
(RELIABILITY rows 15-18), each against a scripted local server."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from monitor.clock import aware, utcnow
from monitor.digest.notices import Notifier, announce_down, check_feeds
from monitor.fetch.client import Fetcher, FetchPolicy, retry_after
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.store import Store, open_store
from monitor.types import FeedSource, RefreshResult
from tests.support.httpd import Reply, ScriptedServer
from tests.support.httpd import rss as rss_of
from tests.support.net import DripServer, WebhookReceiver
from tests.support.store import feed, record_poll
from tests.support.threads import at_once

INTERVAL = 900
# The store's and the pipeline's clock in these tests: next poll times are exact.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def rss(items: int = 2, ttl: int | None = None) -> bytes:
    return rss_of(
        [(f"Story {i}", f"https://news.example/{i}", f"g{i}", f"Text {i}.") for i in range(items)],
        extra=f"<ttl>{ttl}</ttl>" if ttl else "",
    )


@pytest.fixture
def clocked(sqlite_url: str) -> Iterator[Store]:
    s = open_store(sqlite_url, clock=lambda: NOW)
    yield s
    s.engine.dispose()


def refresh(store: Store, url: str, times: int = 1, **policy: object) -> list[RefreshResult]:
    """Poll one feed `times` times in a row; its entries are matched as the feed gives them
    (the links are offline)."""
    store.sync_feeds([FeedSource(url, "T", INTERVAL, pages=False)])

    async def go() -> list[RefreshResult]:
        pol = FetchPolicy(timeout_s=30, allow_private_networks=True, **policy)  # type: ignore[arg-type]
        async with Fetcher(pol) as f:
            pipe = Pipeline(store, f, lambda: Matcher([]), rng=random.Random(7))
            return [await pipe.refresh(feed(store, url)) for _ in range(times)]

    return asyncio.run(go())


def next_in(store: Store, url: str) -> float:
    """Seconds from the store's clock to the feed's next poll."""
    status = next(s for s in store.feed_statuses() if s.url == url)
    assert status.next_poll_at is not None
    return (aware(status.next_poll_at) - store.clock()).total_seconds()


def test_unchanged_feed_is_asked_conditionally_and_304_creates_nothing(
    clocked: Store,
) -> None:
    def script(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, rss(), {"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})

    with ScriptedServer(script) as srv:
        first, second, third = refresh(clocked, srv.base + "/feed", times=3)
    assert (first.status, first.new_items) == ("ok", 2)
    assert second.status == third.status == "not-modified"
    assert srv.full_responses == 1
    # every poll after the first was conditional
    assert all(h.get("if-none-match") == '"v1"' for _, h in srv.requests[1:])
    assert all("if-modified-since" in h for _, h in srv.requests[1:])
    status = clocked.feed_statuses()[0]
    assert status.items_seen == 2 and status.error_count == 0


@pytest.mark.parametrize(
    ("header", "at_least", "at_most"),
    [
        ("3600", 3600, 3600),
        ("DATE+7200", 7200, 7200),
        ("soon, please", 2 * INTERVAL * 0.8, 2 * INTERVAL * 1.2),  # garbage: plain backoff
        ("999999999", 86400, 86400),  # capped at a day
    ],
)
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_and_capped(
    clocked: Store, status: int, header: str, at_least: float, at_most: float
) -> None:
    if header.startswith("DATE+"):
        header = format_datetime(datetime.now(UTC) + timedelta(seconds=7200), usegmt=True)

    with ScriptedServer(lambda p, h: Reply(status, b"busy", {"Retry-After": header})) as srv:
        (res,) = refresh(clocked, srv.base + "/feed")
    assert res.status == "error" and str(status) in (res.error or "")
    wait = next_in(clocked, srv.base + "/feed")
    # (an HTTP date has whole seconds, and is read against the real clock)
    assert at_least - 60 <= wait <= at_most


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Thu, 01 Jan 2026 00:10:00 GMT", now) == 600
    assert retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == 0  # in the past: now
    assert retry_after("-5", now) is None
    assert retry_after("later", now) is None
    assert retry_after(None, now) is None


def test_a_failing_feed_backs_off_with_jitter_but_is_never_dropped(clocked: Store) -> None:
    with ScriptedServer(lambda p, h: Reply(500, b"down")) as srv:
        url = srv.base + "/feed"
        waits = []
        for _ in range(4):
            refresh(clocked, url)
            waits.append(next_in(clocked, url))
    for n, wait in enumerate(waits, start=1):
        base = INTERVAL * 2**n
        assert base * 0.8 <= wait <= base * 1.2
    status = clocked.feed_statuses()[0]
    assert status.error_count == 4 and "HTTP 500" in (status.last_error or "")
    assert status.active
    # after a long outage it is still polled at least once a day
    for _ in range(12):
        refresh(clocked, url)
    assert next_in(clocked, url) <= 86400 * 1.2


@pytest.mark.parametrize(
    ("headers", "ttl", "expected"),
    [
        ({"Cache-Control": "max-age=1800"}, None, 1800),  # stretched by the server's hint
        ({"Cache-Control": "public, max-age=86400"}, None, 4 * INTERVAL),  # within reason
        ({"Cache-Control": "max-age=60"}, None, INTERVAL),  # never shortened
        ({"Cache-Control": "no-cache, max-age=1800"}, None, INTERVAL),
        ({}, 45, 45 * 60),  # RSS <ttl> in minutes
        ({}, None, INTERVAL),
    ],
)
def test_freshness_hints_stretch_the_interval(
    clocked: Store, headers: dict[str, str], ttl: int | None, expected: int
) -> None:
    with ScriptedServer(lambda p, h: Reply(200, rss(ttl=ttl), headers)) as srv:
        (res,) = refresh(clocked, srv.base + "/feed")
    assert res.status == "ok"
    assert next_in(clocked, srv.base + "/feed") == expected


def test_many_requests_to_one_host_respect_the_per_host_limit() -> None:
    with (
        ScriptedServer(lambda p, h: Reply(200, b"x", delay_s=0.2)) as one,
        ScriptedServer(lambda p, h: Reply(200, b"y", delay_s=0.2)) as other,
    ):

        async def go() -> None:
            pol = FetchPolicy(timeout_s=10, allow_private_networks=True, per_host=2, concurrency=8)
            async with Fetcher(pol) as f:
                urls = [f"{one.base}/{i}" for i in range(8)] + [
                    f"{other.base}/{i}" for i in range(4)
                ]
                await asyncio.gather(*(f.get(u) for u in urls))

        asyncio.run(go())
    assert one.max_active == 2 and other.max_active == 2
    assert len(one.requests) == 8 and len(other.requests) == 4


def test_one_down_notice_and_one_recovery_notice_per_outage(
    store: Store, webhook: WebhookReceiver
) -> None:
    url = "https://feeds.example/rss?token=secret123"
    store.sync_feeds(
        [FeedSource(url, "Example", INTERVAL), FeedSource("https://ok.example/", None, 60)]
    )
    down = feed(store, url)
    notifier = Notifier([webhook.url()])
    hour = timedelta(hours=1)
    t0 = utcnow()
    for _ in range(3):
        record_poll(
            store,
            down.id,
            ok=False,
            next_poll_at=t0,
            error="HTTP 500 from https://feeds.example/rss?…",
        )
    assert check_feeds(store, notifier, hour, t0 + hour / 2) == 0  # not down long enough
    assert check_feeds(store, notifier, hour, t0 + 2 * hour) == 1
    assert check_feeds(store, notifier, hour, t0 + 3 * hour) == 0  # told once
    record_poll(store, down.id, ok=False, next_poll_at=t0, error="HTTP 500")
    assert check_feeds(store, notifier, hour, t0 + 4 * hour) == 0
    record_poll(store, down.id, ok=True, next_poll_at=t0)
    assert check_feeds(store, notifier, hour, t0 + 5 * hour) == 1  # recovered
    assert check_feeds(store, notifier, hour, t0 + 6 * hour) == 0
    titles = [str(b.get("title")) for b in webhook.bodies]
    assert len(titles) == 2
    assert titles[0].startswith("Feed down: Example") and titles[1].startswith("Feed recovered")
    assert "3 polls in a row" in str(webhook.bodies[0].get("message"))
    assert all("secret123" not in str(b) for b in webhook.bodies)  # tokens never leave
    # a new outage is a new notice
    record_poll(store, down.id, ok=False, next_poll_at=t0, error="HTTP 502")
    assert check_feeds(store, notifier, hour, utcnow() + 2 * hour) == 1


def test_down_notice_is_sent_by_one_of_several_daemons(store: Store) -> None:
    store.sync_feeds([FeedSource("https://down.example/rss", None, INTERVAL)])
    down = feed(store, "https://down.example/rss")
    record_poll(store, down.id, ok=False, next_poll_at=utcnow(), error="HTTP 500")
    sent: list[str] = []

    class Recorder(Notifier):
        def send(self, title: str, body: str) -> bool:
            sent.append(title)
            return True

    later = utcnow() + timedelta(days=1)
    counts = at_once(lambda _: announce_down(store, Recorder([]), timedelta(hours=1), later), 6)
    assert sum(counts) == 1 and len(sent) == 1


@pytest.mark.slow
def test_a_hanging_feed_costs_its_deadline_and_other_feeds_keep_their_schedule(
    clocked: Store,
) -> None:
    """Slowloris: a byte every 0.2 s would read for minutes; the total deadline cuts it, and
    the other feed is polled meanwhile. (How long past the deadline a feed can hold a
    worker is measured by benchmarks/deadlines.py, not asserted here.)"""
    with DripServer() as drip, ScriptedServer(lambda p, h: Reply(200, rss())) as srv:
        slow, fast = drip.url, srv.base + "/feed"
        clocked.sync_feeds(
            [
                FeedSource(slow, "slow", INTERVAL, pages=False),
                FeedSource(fast, "fast", INTERVAL, pages=False),
            ]
        )
        finished: list[str] = []

        async def go() -> list[RefreshResult]:
            pol = FetchPolicy(timeout_s=5, allow_private_networks=True)
            async with Fetcher(pol) as f:
                pipe = Pipeline(clocked, f, lambda: Matcher([]))

                async def poll(url: str) -> RefreshResult:
                    res = await pipe.refresh(feed(clocked, url))
                    finished.append(url)
                    return res

                return list(await asyncio.gather(poll(slow), poll(fast)))

        slow_res, fast_res = asyncio.run(go())
    assert slow_res.status == "error" and "within 5s" in (slow_res.error or "")
    assert fast_res.status == "ok" and fast_res.new_items == 2
    assert finished == [fast, slow]  # the fast feed did not wait for the slow one


def test_a_feed_with_pages_off_is_matched_from_its_entries(clocked: Store) -> None:
    def script(path: str, h: dict[str, str]) -> Reply:
        if path == "/feed":
            return Reply(
                200, rss_of([("Full", f"{srv.base}/story", "s", "The whole story is here.")])
            )
        return Reply(200, b"<html><body><p>page</p></body></html>")

    with ScriptedServer(script) as srv:
        url = srv.base + "/feed"
        clocked.sync_feeds([FeedSource(url, None, INTERVAL, pages=False)])
        due = feed(clocked, url)
        assert due.source.pages is False

        async def go() -> RefreshResult:
            async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
                return await Pipeline(clocked, f, lambda: Matcher([])).refresh(due)

        res = asyncio.run(go())
        assert res.status == "ok" and res.new_items == 1
        assert [p for p, _ in srv.requests] == ["/feed"]  # no page, no robots.txt
