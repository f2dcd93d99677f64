"""The daemon in this process: its jobs, and sending that never overlaps itself."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.app import App
from monitor.config.settings import load_settings
from monitor.daemon import Daemon, SingleFlight
from monitor.watchlists.load import BUNDLED
from tests.support.httpd import Reply, ScriptedServer, rss
from tests.support.net import WebhookReceiver

FEEDS = 12


def daemon_on(
    tmp_path: Path, database: str, feeds: list[str] | None = None, tail: str = ""
) -> tuple[App, Daemon]:
    """A daemon in this process on `database`, polling `feeds` for their entries only."""
    listed = "".join(f"  - url: {u}\n    pages: false\n" for u in feeds or [])
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: {database}\nwatchlists: {BUNDLED}\n"
        "fetch:\n  allow_private_networks: true\nhttp:\n  listen: null\n"
        + (f"feeds:\n{listed}" if listed else "")
        + tail
    )
    app = App(load_settings(cfg))
    return app, Daemon(app)


def run_until(daemon: Daemon, done: Callable[[], bool], timeout_s: float, every_s: float) -> None:
    """Runs the daemon in this process until `done()` (asked every `every_s`), then stops
    it; fails after `timeout_s`."""

    async def watch() -> None:
        await asyncio.sleep(every_s)  # the daemon first: it syncs the feeds at start
        while not done():
            await asyncio.sleep(every_s)
        daemon.stop()

    async def go() -> None:
        await asyncio.wait_for(asyncio.gather(daemon.run(), watch()), timeout_s)

    asyncio.run(go())


def test_single_flight_never_overlaps_and_loses_no_call() -> None:
    running, runs, overlaps = 0, 0, 0

    async def send() -> None:
        nonlocal running, runs, overlaps
        running += 1
        overlaps += running > 1
        runs += 1
        await asyncio.sleep(0.05)
        running -= 1

    async def go() -> None:
        flight = SingleFlight(send)
        await asyncio.gather(*(flight.run() for _ in range(20)))
        assert runs == 2  # the first call, then one run for the 19 made meanwhile
        await flight.run()
        assert runs == 3  # a call after that gets a run of its own

    asyncio.run(go())
    assert overlaps == 0


@pytest.mark.slow
def test_feeds_finishing_at_once_send_each_digest_once(
    tmp_path: Path, sqlite_url: str, webhook: WebhookReceiver
) -> None:
    webhook.delay_s = 0.3  # sends take a while, so feeds finish during them

    def script(path: str, headers: dict[str, str]) -> Reply:
        i = path.rsplit("/", 1)[1]
        item = (
            f"Story {i}",
            f"https://n{i}.example/a",
            f"g{i}",
            f"The CSTO met in city {i} on day {i}.",
        )
        return Reply(200, rss([item]), {"Content-Type": "application/rss+xml"})

    with ScriptedServer(script) as srv:
        app, daemon = daemon_on(
            tmp_path,
            sqlite_url,
            [f"{srv.base}/feed/{i}" for i in range(FEEDS)],
            "subscriptions:\n  - name: desk\n    schedule: immediate\n"
            f'    notify: ["{webhook.url()}"]\n',
        )

        def all_sent() -> bool:
            polled = all(s.last_success_at for s in app.store.feed_statuses())
            return polled and not daemon.in_flight and not app.store.pending_deliveries()

        run_until(daemon, all_sent, 300, 0.2)
    with app.store.engine.connect() as c:
        digests = c.execute(text("SELECT count(*) FROM digest")).scalar()
        sent = c.execute(text("SELECT count(*) FROM delivery WHERE status = 'sent'")).scalar()
        hits = c.execute(text("SELECT count(*) FROM digest_item")).scalar()
    app.store.engine.dispose()
    assert hits == FEEDS  # every hit went into a digest
    assert digests == sent and len(webhook.bodies) == digests  # each digest sent once


@pytest.mark.slow
def test_an_edited_monitor_yaml_is_applied_and_a_broken_one_kept_out(
    tmp_path: Path, sqlite_url: str, info_logs: None
) -> None:
    from structlog.testing import capture_logs

    def script(path: str, headers: dict[str, str]) -> Reply:
        item = (f"Story {path}", f"https://n.example{path}", path, "The CSTO met.")
        return Reply(200, rss([item]), {"Content-Type": "application/rss+xml"})

    with ScriptedServer(script) as srv:
        cfg = tmp_path / "monitor.yaml"

        def write(*feeds: str, tail: str = "") -> None:
            lines = "".join(f"  - url: {srv.base}/{f}\n    pages: false\n" for f in feeds)
            text = f"database: {sqlite_url}\nwatchlists: {BUNDLED}\nfetch:\n  allow_private_networks: true\nhttp:\n  listen: null\nfeeds:\n{lines}{tail}"
            cfg.write_text(text)
            os.utime(cfg, (time.time(), time.time() + next(bump)))  # a new mtime every write

        bump = iter(range(10, 1000, 10))
        write("a")
        app = App(load_settings(cfg))
        daemon = Daemon(app)

        def polled() -> set[str]:
            return {s.url.rsplit("/", 1)[1] for s in app.store.feed_statuses() if s.last_success_at}

        async def until(cond: Callable[[], bool]) -> None:
            while not cond():
                await asyncio.sleep(0.1)

        async def go() -> None:
            run = asyncio.create_task(daemon.run())
            await until(lambda: polled() == {"a"})
            write("a", "b")  # a feed added: polled without a restart
            await until(lambda: polled() == {"a", "b"})
            write("a", "b", tail="  - url: nope\n")  # broken: the running settings stay
            await until(lambda: any(e["event"].startswith("monitor.yaml has errors") for e in logs))
            assert len(app.settings.feeds) == 2
            write("b")  # a feed removed: no longer polled
            await until(lambda: [s.active for s in app.store.feed_statuses()] == [False, True])
            daemon.stop()
            await run

        with capture_logs() as logs:
            asyncio.run(asyncio.wait_for(go(), 120))
    broken = next(e for e in logs if e["event"].startswith("monitor.yaml has errors"))
    assert f"{cfg.resolve()}:12:" in broken["errors"] and "not an http(s) URL" in broken["errors"]
    app.store.engine.dispose()


def test_sighup_reloads_monitor_yaml_at_once(tmp_path: Path, sqlite_url: str) -> None:
    import signal

    def script(path: str, headers: dict[str, str]) -> Reply:
        item = (f"Story {path}", f"https://n.example{path}", path, "Text.")
        return Reply(200, rss([item]), {"Content-Type": "application/rss+xml"})

    with ScriptedServer(script) as srv:
        cfg = tmp_path / "monitor.yaml"
        head = f"database: {sqlite_url}\nwatchlists: {BUNDLED}\nfetch:\n  allow_private_networks: true\nhttp:\n  listen: null\n"
        cfg.write_text(head + f"feeds:\n  - url: {srv.base}/a\n    pages: false\n")
        stamp = cfg.stat()
        app = App(load_settings(cfg))
        daemon = Daemon(app)

        async def go() -> None:
            run = asyncio.create_task(daemon.run())
            while not app.store.feed_statuses():
                await asyncio.sleep(0.1)
            cfg.write_text(head + f"feeds:\n  - url: {srv.base}/b\n    pages: false\n")
            os.utime(cfg, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # no edit to be seen
            os.kill(os.getpid(), signal.SIGHUP)
            while {s.url for s in app.store.feed_statuses() if s.active} != {f"{srv.base}/b"}:
                await asyncio.sleep(0.1)
            daemon.stop()
            await run

        asyncio.run(asyncio.wait_for(go(), 120))
    app.store.engine.dispose()


def test_the_daemon_makes_stored_articles_searchable_on_postgresql(
    tmp_path: Path, pg_url: str
) -> None:
    items = [
        (f"Talks {i}", f"https://n{i}.example/a", f"g{i}", f"The CSTO met in city {i}.")
        for i in range(3)
    ]
    with ScriptedServer(lambda p, h: Reply(200, rss(items))) as srv:
        app, daemon = daemon_on(tmp_path, pg_url, [f"{srv.base}/feed"])

        def stored() -> int:
            with app.store.engine.connect() as c:
                return int(c.execute(text("SELECT count(*) FROM article")).scalar() or 0)

        run_until(daemon, lambda: stored() == len(items) and app.store.search_backlog() == 0,
                  300, 0.2)  # fmt: skip
    assert stored() == len(items) and app.store.search_backlog() == 0
    app.store.engine.dispose()


def test_polls_ending_make_room_for_more_before_the_next_tick(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backlog of due feeds is taken as room opens, not a tick at a time: with the
    tick an hour away and room for 4, all 12 feeds are polled."""
    from monitor import daemon as daemon_module

    monkeypatch.setattr(daemon_module, "MAX_IN_FLIGHT", 4)
    monkeypatch.setattr(daemon_module, "REFILL", 2)
    monkeypatch.setattr(daemon_module, "DISPATCH_EVERY_S", 3600)
    item = ("Talks", "https://n.example/a", "g", "The CSTO met.")
    with ScriptedServer(lambda p, h: Reply(200, rss([item]))) as srv:
        app, daemon = daemon_on(
            tmp_path, sqlite_url, [f"{srv.base}/feed/{i}" for i in range(FEEDS)]
        )
        most_at_once: list[int] = []

        def all_polled() -> bool:
            most_at_once.append(len(daemon.in_flight))
            return all(s.last_success_at for s in app.store.feed_statuses())

        run_until(daemon, all_polled, 120, 0.1)
    app.store.engine.dispose()
    assert max(most_at_once) <= 4


def test_a_database_outage_is_one_warning_a_job_and_one_line_when_it_works_again(
    tmp_path: Path, sqlite_url: str, info_logs: None
) -> None:
    from sqlalchemy.exc import OperationalError
    from structlog.testing import capture_logs

    app, daemon = daemon_on(tmp_path, sqlite_url)
    outcomes = iter([False, False, False, True, True, False])  # an outage, then another

    def job() -> str:
        if not next(outcomes):
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        return "done"

    async def ticks() -> list[str | None]:
        return [await daemon._job("search indexing", job) for _ in range(6)]

    with capture_logs() as logs:
        results = asyncio.run(ticks())
    app.store.engine.dispose()
    assert results == [None, None, None, "done", "done", None]  # each tick still runs it
    said = [(e["log_level"], e["event"]) for e in logs]  # at INFO: the repeats are debug
    assert said == [
        ("warning", "search indexing failed: the database is unavailable"),
        ("info", "search indexing works again: the database is back"),
        ("warning", "search indexing failed: the database is unavailable"),
    ]
    assert app.metrics.db_errors._value.get() == 4  # every failure counted
