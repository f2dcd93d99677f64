"""Polling manners: conditional GET, Retry-After, backoff, freshness hints, per-host limits
(RELIABILITY rows 15-18), each against a scripted local server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from monitor.fetch.client import Fetcher, FetchPolicy, retry_after
from monitor.match import Matcher
from monitor.notices import Notifier
from monitor.pipeline import Pipeline, RefreshResult
from monitor.store import Store, open_store, utcnow
from monitor.types import FeedSource
from tests.conftest import WebhookReceiver
from tests.httpd import Reply, ScriptedServer
from tests.httpd import rss as rss_of

INTERVAL = 900


def rss(items: int = 2, ttl: int | None = None) -> bytes:
    return rss_of(
        [(f"Story {i}", f"https://news.example/{i}", f"g{i}", f"Text {i}.") for i in range(items)],
        extra=f"<ttl>{ttl}</ttl>" if ttl else "",
    )


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = open_store(sqlite_url)
    yield s
    s.engine.dispose()


def refresh(store: Store, url: str, times: int = 1, **policy: object) -> list[RefreshResult]:
    """Poll one feed `times` times in a row, pages not fetched (the feed links are offline)."""
    store.sync_feeds([FeedSource(url, "T", INTERVAL)])

    async def go() -> list[RefreshResult]:
        pol = FetchPolicy(timeout_s=5, allow_private_networks=True, **policy)  # type: ignore[arg-type]
        async with Fetcher(pol) as f:
            pipe = Pipeline(store, f, lambda: Matcher([]))
            pipe._page = _no_page  # type: ignore[method-assign]
            out = []
            for _ in range(times):
                feed = store.feed(url)
                assert feed is not None
                out.append(await pipe.refresh(feed))
            return out

    return asyncio.run(go())


async def _no_page(item: object) -> None:
    return None


def next_in(store: Store, url: str) -> float:
    status = next(s for s in store.feed_statuses() if s.url == url)
    assert status.next_poll_at is not None
    at = status.next_poll_at
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return (at - utcnow()).total_seconds()


def test_unchanged_feed_is_asked_conditionally_and_304_creates_nothing(
    sqlite_store: Store,
) -> None:
    def script(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, rss(), {"ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"})

    with ScriptedServer(script) as srv:
        first, second, third = refresh(sqlite_store, srv.base + "/feed", times=3)
    assert (first.status, first.new_items) == ("ok", 2)
    assert second.status == third.status == "not-modified"
    assert srv.full_responses == 1
    # every poll after the first was conditional
    assert all(h.get("if-none-match") == '"v1"' for _, h in srv.requests[1:])
    assert all("if-modified-since" in h for _, h in srv.requests[1:])
    status = sqlite_store.feed_statuses()[0]
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
    sqlite_store: Store, status: int, header: str, at_least: float, at_most: float
) -> None:
    if header.startswith("DATE+"):
        header = format_datetime(datetime.now(UTC) + timedelta(seconds=7200), usegmt=True)

    with ScriptedServer(lambda p, h: Reply(status, b"busy", {"Retry-After": header})) as srv:
        (res,) = refresh(sqlite_store, srv.base + "/feed")
    assert res.status == "error" and str(status) in (res.error or "")
    wait = next_in(sqlite_store, srv.base + "/feed")
    assert at_least - 5 <= wait <= at_most + 1


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Thu, 01 Jan 2026 00:10:00 GMT", now) == 600
    assert retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == 0  # in the past: now
    assert retry_after("-5", now) is None
    assert retry_after("later", now) is None
    assert retry_after(None, now) is None


def test_a_failing_feed_backs_off_with_jitter_but_is_never_dropped(sqlite_store: Store) -> None:
    with ScriptedServer(lambda p, h: Reply(500, b"down")) as srv:
        url = srv.base + "/feed"
        waits = []
        for _ in range(4):
            refresh(sqlite_store, url)
            waits.append(next_in(sqlite_store, url))
    for n, wait in enumerate(waits, start=1):
        base = INTERVAL * 2**n
        assert base * 0.8 - 5 <= wait <= base * 1.2 + 1
    status = sqlite_store.feed_statuses()[0]
    assert status.error_count == 4 and "HTTP 500" in (status.last_error or "")
    assert status.active
    # after a long outage it is still polled at least once a day
    for _ in range(12):
        refresh(sqlite_store, url)
    assert next_in(sqlite_store, url) <= 86400 * 1.2 + 1


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
    sqlite_store: Store, headers: dict[str, str], ttl: int | None, expected: int
) -> None:
    with ScriptedServer(lambda p, h: Reply(200, rss(ttl=ttl), headers)) as srv:
        (res,) = refresh(sqlite_store, srv.base + "/feed")
    assert res.status == "ok"
    assert expected - 5 <= next_in(sqlite_store, srv.base + "/feed") <= expected + 1


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
    from monitor.notices import Notifier, check_feeds

    url = "https://feeds.example/rss?token=secret123"
    store.sync_feeds(
        [FeedSource(url, "Example", INTERVAL), FeedSource("https://ok.example/", None, 60)]
    )
    feed = store.feed(url)
    assert feed is not None
    notifier = Notifier([webhook.url()])
    hour = timedelta(hours=1)
    t0 = utcnow()
    for _ in range(3):
        store.record_poll(
            feed.id, ok=False, next_poll_at=t0, error="HTTP 500 from https://feeds.example/rss?…"
        )
    assert check_feeds(store, notifier, hour, t0 + hour / 2) == 0  # not down long enough
    assert check_feeds(store, notifier, hour, t0 + 2 * hour) == 1
    assert check_feeds(store, notifier, hour, t0 + 3 * hour) == 0  # told once
    store.record_poll(feed.id, ok=False, next_poll_at=t0, error="HTTP 500")
    assert check_feeds(store, notifier, hour, t0 + 4 * hour) == 0
    store.record_poll(feed.id, ok=True, next_poll_at=t0)
    assert check_feeds(store, notifier, hour, t0 + 5 * hour) == 1  # recovered
    assert check_feeds(store, notifier, hour, t0 + 6 * hour) == 0
    titles = [str(b.get("title")) for b in webhook.bodies]
    assert len(titles) == 2
    assert titles[0].startswith("Feed down: Example") and titles[1].startswith("Feed recovered")
    assert "3 polls in a row" in str(webhook.bodies[0].get("message"))
    assert all("secret123" not in str(b) for b in webhook.bodies)  # tokens never leave
    # a new outage is a new notice
    store.record_poll(feed.id, ok=False, next_poll_at=t0, error="HTTP 502")
    assert check_feeds(store, notifier, hour, utcnow() + 2 * hour) == 1


def test_down_notice_is_sent_by_one_of_several_daemons(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from monitor.notices import announce_down

    store.sync_feeds([FeedSource("https://down.example/rss", None, INTERVAL)])
    feed = store.feed("https://down.example/rss")
    assert feed is not None
    store.record_poll(feed.id, ok=False, next_poll_at=utcnow(), error="HTTP 500")
    sent: list[str] = []

    class Recorder(Notifier):
        def send(self, title: str, body: str) -> bool:
            sent.append(title)
            return True

    later = utcnow() + timedelta(days=1)
    with ThreadPoolExecutor(6) as pool:
        counts = list(
            pool.map(
                lambda _: announce_down(store, Recorder([]), timedelta(hours=1), later), range(6)
            )
        )
    assert sum(counts) == 1 and len(sent) == 1


def test_a_hanging_feed_costs_its_deadline_and_other_feeds_keep_their_schedule(
    sqlite_store: Store,
) -> None:
    """Slowloris: one byte per second would read for minutes; the total deadline cuts it."""
    import socket
    import threading
    import time

    stop = threading.Event()
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)

    def drip() -> None:
        conn, _ = lsock.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not stop.is_set():
            try:
                conn.sendall(b"<")
            except OSError:
                return
            time.sleep(0.2)

    threading.Thread(target=drip, daemon=True).start()
    slow = f"http://127.0.0.1:{lsock.getsockname()[1]}/feed"
    try:
        with ScriptedServer(lambda p, h: Reply(200, rss())) as srv:
            fast = srv.base + "/feed"
            sqlite_store.sync_feeds(
                [FeedSource(slow, "slow", INTERVAL), FeedSource(fast, "fast", INTERVAL)]
            )

            async def go() -> dict[str, tuple[RefreshResult, float]]:
                pol = FetchPolicy(timeout_s=1.5, allow_private_networks=True)
                async with Fetcher(pol) as f:
                    pipe = Pipeline(sqlite_store, f, lambda: Matcher([]))
                    pipe._page = _no_page  # type: ignore[method-assign]
                    t0 = time.monotonic()

                    async def timed(url: str) -> tuple[RefreshResult, float]:
                        feed = sqlite_store.feed(url)
                        assert feed is not None
                        res = await pipe.refresh(feed)
                        return res, time.monotonic() - t0

                    a, b = await asyncio.gather(timed(slow), timed(fast))
                    return {"slow": a, "fast": b}

            got = asyncio.run(go())
    finally:
        stop.set()
        lsock.close()
    (slow_res, slow_t), (fast_res, fast_t) = got["slow"], got["fast"]
    assert slow_res.status == "error" and "1.5s" in (slow_res.error or "")
    assert slow_t <= 1.5 + 1.0  # deadline + 1 s
    assert fast_res.status == "ok" and fast_res.new_items == 2 and fast_t < 1.0


def test_a_feed_with_pages_off_is_matched_from_its_entries(sqlite_store: Store) -> None:
    def script(path: str, h: dict[str, str]) -> Reply:
        if path == "/feed":
            return Reply(
                200, rss_of([("Full", f"{srv.base}/story", "s", "The whole story is here.")])
            )
        return Reply(200, b"<html><body><p>page</p></body></html>")

    with ScriptedServer(script) as srv:
        url = srv.base + "/feed"
        sqlite_store.sync_feeds([FeedSource(url, None, INTERVAL, pages=False)])
        feed = sqlite_store.feed(url)
        assert feed is not None and feed.source.pages is False

        async def go() -> RefreshResult:
            async with Fetcher(FetchPolicy(timeout_s=5, allow_private_networks=True)) as f:
                return await Pipeline(sqlite_store, f, lambda: Matcher([])).refresh(feed)

        res = asyncio.run(go())
        assert res.status == "ok" and res.new_items == 1
        assert [p for p, _ in srv.requests] == ["/feed"]  # no page, no robots.txt
