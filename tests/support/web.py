"""The web page served for real, on a loop in a thread, for tests that read it with
httpx or drive it in a browser."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO

from monitor.app import App
from monitor.config.settings import load_settings
from monitor.types import Article, NewEntry, Snippet, WatchlistMatch
from monitor.web.server import Listener, bind
from monitor.web.site import make_app
from monitor.web.state import Site
from tests.support.cli import cli
from tests.support.config import write_config
from tests.support.sites import e2e_server, feed_urls
from tests.support.store import save_articles


@contextmanager
def serving(site: Site) -> Iterator[str]:
    """The base URL of `site` served on 127.0.0.1 (a free port) until the block ends."""
    listener = Listener(make_app(site), bind("127.0.0.1", 0))
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: list[asyncio.Event] = []

    async def main() -> None:
        stop.append(asyncio.Event())
        listener.start()
        ready.set()
        await stop[0].wait()
        await listener.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the web page did not start"
    try:
        yield listener.url.rstrip("/")
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join(30)
        loop.close()


HOSTILE_TITLE = '<script>alert("x")</script> CSTO <b>bold</b>'


@contextmanager
def filled_app(tmp: Path) -> Iterator[tuple[Path, App]]:
    """The sample sites polled once, a feed that fails, a hostile article, a dead
    delivery: everything the pages show."""
    with e2e_server() as server:
        feeds = [*feed_urls(server.base), f"{server.base}/gone/feed.xml"]
        cfg = write_config(tmp, f"sqlite:///{tmp / 'm.db'}", feeds, [])
        run = cli("run", "--once", config=cfg)
        assert run.returncode == 0 and "1 feed error" in run.stdout, run.stdout + run.stderr
    app = App(load_settings(cfg))
    hostile = Article(
        url="https://evil.example/a",
        link="javascript:alert(1)",
        title=HOSTILE_TITLE,
        text="The CSTO <img src=x onerror=alert(1)> met.",
        outlet="Evil <i>Outlet</i>",
        author=None,
        published=None,
        language="en",
        source="page",
        content_hash="e" * 64,
    )
    snippet = Snippet("The CSTO <img src=x onerror=alert(1)> met.", ((4, 8),), ("csto",))
    save_articles(app.store, [NewEntry(hostile, (WatchlistMatch("csto", ("csto",), (snippet,)),))])
    hits = app.store.hits()
    now = app.store.clock()
    digest = app.store.create_digest(
        "security-desk", [h.hit_id for h in hits], [("k", "json://x")], now
    )
    assert digest is not None
    [d] = app.store.claim_deliveries("me", timedelta(minutes=1), "security-desk")
    app.store.delivery_failed(d.id, "connection refused", None, d.claim)  # no retry: dead
    try:
        yield cfg, app
    finally:
        app.store.engine.dispose()


def site_of(app: App) -> Site:
    return app.site()


def listening_url(log: IO[str]) -> str:
    """Read a monitor process's JSON log until its listener says where it listens; the
    rest of the log is drained in a thread, so the process never blocks on it."""
    said = []
    for line in log:
        said.append(line)
        if "web page and metrics listening" in line:
            threading.Thread(target=log.read, daemon=True).start()
            return str(json.loads(line)["url"]).rstrip("/")
    raise AssertionError("no listener in the log:\n" + "".join(said))
