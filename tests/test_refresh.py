"""The per-feed boundary of a refresh: a poll whose entries could not be stored is that
feed's error, keeps the feed's old validators, and its entries are stored next time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from monitor.clock import aware, utcnow
from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.store import Store, open_store
from monitor.types import DueFeed, FeedSource, PollState, RefreshResult
from monitor.watchlists.model import Entity, Watchlist
from tests.support.cli import cli
from tests.support.config import write_config
from tests.support.httpd import Reply, ScriptedServer, rss
from tests.support.store import feed

# What SQLite says when the disk is full, raised by the database itself on every insert.
FULL = "CREATE TRIGGER full BEFORE INSERT ON article BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"


def conditional_feed() -> ScriptedServer:
    """Two entries naming Lavrov, ETag "v1"; 304 to a poll that sends it back."""
    body = rss(
        [
            ("Lavrov in Yerevan", "https://news.example/1", "g1", "Lavrov arrived in Yerevan."),
            ("Lavrov in Baku", "https://news.example/2", "g2", "Lavrov went on to Baku."),
        ]
    )

    def script(path: str, headers: dict[str, str]) -> Reply:
        if headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, body, {"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    return ScriptedServer(script)


def poll(store: Store, url: str) -> RefreshResult:
    lavrov = Watchlist("officials", "", (Entity("lavrov", "Lavrov", ("Lavrov",)),))

    async def go() -> RefreshResult:
        async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
            pipe = Pipeline(store, f, lambda: Matcher([lavrov]))
            return await pipe.refresh(feed(store, url))

    return asyncio.run(go())


def test_a_failed_save_keeps_the_old_validators_and_the_entries_come_next_poll(
    sqlite_store: Store,
) -> None:
    with conditional_feed() as srv:
        url = srv.base + "/feed"
        sqlite_store.sync_feeds([FeedSource(url, "F", 900, pages=False)])
        with sqlite_store.engine.begin() as c:
            c.execute(text(FULL))
        failed = poll(sqlite_store, url)
        assert failed.status == "internal-error" and failed.failed
        assert "database or disk is full" in (failed.error or "")
        assert feed(sqlite_store, url).state == PollState()  # no ETag kept: not 304 next time
        [status] = sqlite_store.feed_statuses()
        assert status.error_count == 1 and "disk is full" in (status.last_error or "")

        with sqlite_store.engine.begin() as c:
            c.execute(text("DROP TRIGGER full"))
        again = poll(sqlite_store, url)
        assert (again.status, again.new_items, len(again.new_hits)) == ("ok", 2, 2)
        assert feed(sqlite_store, url).state == PollState('"v1"', None)
        assert poll(sqlite_store, url).status == "not-modified"
        assert [h for _, h in srv.requests][1].get("if-none-match") is None
    assert len(sqlite_store.hits()) == 2


def test_run_once_counts_a_failed_save_as_a_feed_error_and_exits_3(
    tmp_path: Path, sqlite_url: str, sqlite_store: Store
) -> None:
    with conditional_feed() as srv:
        url = srv.base + "/feed"
        cfg = write_config(tmp_path, sqlite_url, [url], [])
        with sqlite_store.engine.begin() as c:
            c.execute(text(FULL))
        out = cli("run", "--once", config=cfg)
        assert out.returncode == 3, out.stderr
        assert "1 feed error;" in out.stdout
        assert f"feed error: {url}: " in out.stderr and "disk is full" in out.stderr
        health = cli("feeds", "health", config=cfg)
        assert health.returncode == 0 and "disk is full" in health.stdout

        with sqlite_store.engine.begin() as c:
            c.execute(text("DROP TRIGGER full"))
        out = cli("run", "--once", config=cfg)
        assert out.returncode == 0, out.stderr
        assert "2 new items" in out.stdout and "0 feed errors" in out.stdout


def test_a_page_another_daemon_is_fetching_is_left_to_it(db_url: str) -> None:
    store = open_store(db_url)
    page = (
        b"<html><body><article><p>"
        + b"The CSTO met in Minsk today. " * 40
        + b"</p></article></body></html>"
    )

    def script(path: str, headers: dict[str, str]) -> Reply:
        if path == "/story":  # slow, so both daemons meet it
            return Reply(200, page, {"Content-Type": "text/html"}, delay_s=1.0)
        item = ("CSTO summit", f"{srv.base}/story", f"g{path}", "The CSTO met.")
        return Reply(200, rss([item]), {"ETag": f'"{path}"', "Content-Type": "application/rss+xml"})

    with ScriptedServer(script) as srv:
        store.sync_feeds([FeedSource(f"{srv.base}/{n}", n, 900) for n in ("a", "b")])
        a, b = (feed(store, f"{srv.base}/{n}") for n in ("a", "b"))

        async def go() -> list[RefreshResult]:
            async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
                one = Pipeline(store, f, lambda: Matcher([]), respect_robots=False, owner="d1")
                two = Pipeline(store, f, lambda: Matcher([]), respect_robots=False, owner="d2")
                first = asyncio.create_task(one.refresh(a))
                while not any(p == "/story" for p, _ in srv.requests):
                    await asyncio.sleep(0.01)  # d1 is fetching the page
                return list(await asyncio.gather(first, two.refresh(b)))

        res_a, res_b = asyncio.run(go())
        assert (res_a.status, res_a.new_items) == ("ok", 1)
        assert (res_b.status, res_b.new_items) == ("ok", 0)  # left to d1
        assert [p for p, _ in srv.requests].count("/story") == 1
        by_url = {s.url: s for s in store.feed_statuses()}
        soon = by_url[b.source.url].next_poll_at
        assert soon is not None and aware(soon) <= store.clock() + timedelta(seconds=61)
        assert feed(store, b.source.url).state == PollState()  # its validators kept
        assert feed(store, a.source.url).state == PollState('"/a"', None)

        async def again() -> RefreshResult:
            async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
                two = Pipeline(store, f, lambda: Matcher([]), respect_robots=False, owner="d2")
                return await two.refresh(feed(store, b.source.url))

        assert asyncio.run(again()).new_items == 1  # the stored article, marked seen
        assert [p for p, _ in srv.requests].count("/story") == 1
        assert feed(store, b.source.url).state == PollState('"/b"', None)
    store.engine.dispose()


def test_page_claims_are_one_daemons_until_given_back_or_expired(db_url: str) -> None:
    now = [utcnow()]
    store = open_store(db_url, clock=lambda: now[0])
    lease = timedelta(minutes=10)
    urls = ["https://n.example/1", "https://n.example/2"]
    assert store.claim_pages("d1", urls, lease) == set(urls)
    assert store.claim_pages("d1", urls[:1], lease) == {urls[0]}  # still its own
    assert store.claim_pages("d2", urls, lease) == set()
    store.release_pages("d1", urls[:1])
    assert store.claim_pages("d2", urls, lease) == {urls[0]}
    now[0] += lease + timedelta(seconds=1)  # d1 died holding the second
    assert store.claim_pages("d2", urls, lease) == set(urls)
    store.engine.dispose()


def test_a_database_that_goes_away_costs_a_warning_not_a_traceback(info_logs: None) -> None:
    from structlog.testing import capture_logs

    from monitor.store.db import make_engine

    away = Store(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/gone"))
    with conditional_feed() as srv, capture_logs() as logs:
        due = DueFeed(1, FeedSource(srv.base + "/feed", None, 900, pages=False), PollState())
        res = poll_due(away, due)
    assert res.status == "internal-error" and (res.error or "").startswith("database: ")
    assert "Connection refused" in (res.error or "")
    assert not any("exc_info" in e or e.get("log_level") == "error" for e in logs), logs
    assert {e["event"] for e in logs} == {"feed failed", "feed failure not recorded"}
    away.engine.dispose()


def test_connections_the_server_dropped_are_replaced_unnoticed(pg_url: str) -> None:
    import psycopg

    from tests.conftest import PG_ADMIN

    store = open_store(pg_url)
    store.sync_feeds([FeedSource("https://a.example/rss", None, 900)])
    assert len(store.feed_statuses()) == 1  # a pooled connection now
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:  # as a server restart would
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
    assert len(store.feed_statuses()) == 1  # pool_pre_ping found it dead and reconnected
    store.engine.dispose()


def poll_due(store: Store, due: DueFeed) -> RefreshResult:
    async def go() -> RefreshResult:
        async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
            return await Pipeline(store, f, lambda: Matcher([])).refresh(due)

    return asyncio.run(go())
