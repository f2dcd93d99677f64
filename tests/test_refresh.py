"""The per-feed boundary of a refresh: a poll whose entries could not be stored is that
feed's error, keeps the feed's old validators, and its entries are stored next time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.store import Store
from monitor.types import FeedSource, PollState, RefreshResult
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
