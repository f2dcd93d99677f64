"""Seconds from a publication to its immediate alert: pushed by a WebSub hub, or polled.

A daemon on 127.0.0.1 with two feeds: one that names a local hub (subscribed and
verified first), one polled. Each publication is one new entry naming the CSTO; the
alert arrives at a local webhook. For the polled feed the poll is made due at the
moment of publication, so its figure is the processing alone; at the default interval
the wait for the poll adds half the interval on average, all of it at worst.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import update

from monitor.app import App
from monitor.clock import utcnow
from monitor.config.settings import Defaults, load_settings
from monitor.daemon import Daemon
from monitor.store.tables import FeedRow
from monitor.watchlists.load import BUNDLED
from tests.support.httpd import Reply, ScriptedServer, rss
from tests.support.hub import Hub
from tests.support.net import WebhookReceiver, free_port

CITIES = ["Minsk", "Astana", "Bishkek", "Dushanbe", "Moscow", "Yerevan", "Baku", "Tbilisi"]


def entry(n: int) -> tuple[str, str, str]:
    city = CITIES[n % len(CITIES)]
    return (f"csto-{n}", f"CSTO envoys arrive in {city} ({n})", f"Talks in {city}.")


def measure(pushes: int, tmp: Path) -> dict[str, Any]:
    hub, webhook = Hub(), WebhookReceiver()
    polled: list[tuple[str, str, str, str]] = []
    server = ScriptedServer(
        lambda path, _: Reply(200, rss(polled), {"Content-Type": "application/rss+xml"})
    )
    port = free_port()
    cfg = tmp / "push.yaml"
    with server:
        cfg.write_text(
            f"database: sqlite:///{tmp / 'push.db'}\nwatchlists: {BUNDLED}\n"
            "fetch:\n  allow_private_networks: true\n"
            f"http:\n  listen: 127.0.0.1:{port}\n  public_url: http://127.0.0.1:{port}\n"
            f"feeds:\n  - url: {hub.feed_url}\n    pages: false\n"
            f"  - url: {server.base}/polled.xml\n    pages: false\n"
            "subscriptions:\n  - name: desk\n    schedule: immediate\n"
            f'    notify: ["{webhook.url()}"]\n'
        )
        app = App(load_settings(cfg))
        daemon = Daemon(app)
        seconds: dict[str, list[float]] = {"push": [], "poll": []}

        async def alert_after(start: float, before: int) -> float:
            while len(webhook.bodies) <= before:
                await asyncio.sleep(0.01)
            return time.perf_counter() - start

        async def story() -> None:
            while not hub.verified.is_set() or not all(
                s.last_success_at for s in app.store.feed_statuses()
            ):
                await asyncio.sleep(0.05)
            for n in range(pushes):
                before, start = len(webhook.bodies), time.perf_counter()
                await asyncio.to_thread(hub.publish, entry(n))
                seconds["push"].append(await alert_after(start, before))
            for n in range(pushes, 2 * pushes):
                before, start = len(webhook.bodies), time.perf_counter()
                guid, title, text = entry(n)
                polled.append((title, f"https://n.example/{guid}", guid, text))
                with app.store.engine.begin() as c:  # the poll comes due now
                    c.execute(
                        update(FeedRow)
                        .where(FeedRow.url == f"{server.base}/polled.xml")  # type: ignore[arg-type]
                        .values(next_poll_at=utcnow())
                    )
                seconds["poll"].append(await alert_after(start, before))
            daemon.stop()

        async def go() -> None:
            await asyncio.wait_for(asyncio.gather(daemon.run(), story()), 600)

        try:
            asyncio.run(go())
        finally:
            hub.close()
            webhook.close()
            app.store.engine.dispose()
    interval = Defaults().poll_every
    push, poll = statistics.median(seconds["push"]), statistics.median(seconds["poll"])
    return {
        "WebSub push -> alert, median": round(push, 2),
        "WebSub push -> alert, worst": round(max(seconds["push"]), 2),
        "polled, poll due -> alert, median": round(poll, 2),
        f"polled every {interval // 60}m, mean (wait + processing)": round(interval / 2 + poll, 1),
        f"polled every {interval // 60}m, worst": round(interval + max(seconds["poll"]), 1),
    }


def routes(tmp: Path, push_first: bool) -> dict[str, int]:
    """One story by five routes (feed, sitemap index, section page, Telegram preview,
    WebSub push): how many articles, stories, alerts and page fetches it became."""
    from sqlalchemy import text

    from tests.support.world import SLUG, TITLE, World

    world, hub, webhook = World(published=not push_first), Hub(), WebhookReceiver()
    port = free_port()
    name = "push-first" if push_first else "polled-first"
    with world.server:
        entries = [*world.sources().values(), f"url: {hub.feed_url}"]
        feeds = "\n".join(f"  - {e}\n    every: 1h" for e in entries)
        cfg = tmp / f"{name}.yaml"
        cfg.write_text(
            f"database: sqlite:///{tmp / f'{name}.db'}\nwatchlists: {BUNDLED}\n"
            "fetch:\n  allow_private_networks: true\n"
            f"http:\n  listen: 127.0.0.1:{port}\n  public_url: http://127.0.0.1:{port}\n"
            f"feeds:\n{feeds}\nsubscriptions:\n  - name: desk\n    schedule: immediate\n"
            f'    notify: ["{webhook.url()}"]\n'
        )
        app = App(load_settings(cfg))
        daemon = Daemon(app)

        def seen_by_all() -> bool:
            """Every route has listed the story's article, and no poll is on its way."""
            with app.store.engine.connect() as c:
                listed = c.execute(
                    text(
                        "SELECT count(DISTINCT e.feed_id) FROM feed_entry e "
                        "JOIN article a ON a.id = e.article_id WHERE a.url LIKE :u"
                    ),
                    {"u": f"%{SLUG}"},
                ).scalar()
            return listed == len(entries) and not daemon.in_flight

        async def story() -> None:
            while not hub.verified.is_set() or not all(
                s.last_success_at for s in app.store.feed_statuses()
            ):
                await asyncio.sleep(0.05)
            await asyncio.to_thread(hub.publish, (world.base + SLUG + "?amp=1", TITLE, "Met."))
            if push_first:
                while not webhook.bodies:
                    await asyncio.sleep(0.05)
                world.published = True
                with app.store.engine.begin() as c:
                    c.execute(update(FeedRow).values(next_poll_at=utcnow()))
            while not seen_by_all() or app.store.pending_deliveries():
                await asyncio.sleep(0.05)
            daemon.stop()

        async def go() -> None:
            await asyncio.wait_for(asyncio.gather(daemon.run(), story()), 600)

        try:
            asyncio.run(go())
        finally:
            hub.close()
            webhook.close()
        with app.store.engine.connect() as c:
            rows = c.execute(
                text("SELECT count(*), count(DISTINCT story) FROM article WHERE url LIKE :u"),
                {"u": f"%{SLUG}"},
            ).one()
        app.store.engine.dispose()
    alerts = sum(json.dumps(b, ensure_ascii=False).count(TITLE) > 0 for b in webhook.bodies)
    return {
        "articles": rows[0],
        "stories": rows[1],
        "alerts": alerts,
        "page fetches": sum(p.split("?")[0] == SLUG for p, _ in world.server.requests),
    }
