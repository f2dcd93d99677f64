"""One story published by every route (a feed, a news sitemap behind an index, a section
page, a Telegram channel, and a WebSub push) is one article, one story, one alert."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import text

from monitor.app import App
from monitor.config.settings import load_settings
from monitor.daemon import Daemon
from monitor.watchlists.load import BUNDLED
from tests.support.hub import Hub
from tests.support.net import WebhookReceiver, free_port
from tests.support.world import SLUG, TITLE, World


def test_one_story_by_five_routes_is_one_article_one_story_one_alert(
    tmp_path: Path, sqlite_url: str, webhook: WebhookReceiver
) -> None:
    world, hub = World(published=True), Hub()
    port = free_port()
    with world.server:
        entries = [*world.sources().values(), f"url: {hub.feed_url}"]
        feeds = "\n".join(f"  - {e}\n    every: 1h" for e in entries)
        cfg = tmp_path / "monitor.yaml"
        cfg.write_text(
            f"database: {sqlite_url}\nwatchlists: {BUNDLED}\n"
            "fetch:\n  allow_private_networks: true\n"
            f"http:\n  listen: 127.0.0.1:{port}\n  public_url: http://127.0.0.1:{port}\n"
            f"feeds:\n{feeds}\n"
            "subscriptions:\n  - name: desk\n    schedule: immediate\n"
            f'    notify: ["{webhook.url()}"]\n'
        )
        app = App(load_settings(cfg))
        daemon = Daemon(app)
        pushed = world.base + SLUG + "?amp=1&utm_source=websub"

        async def story() -> None:
            while not hub.verified.is_set() or not all(
                s.last_success_at for s in app.store.feed_statuses()
            ):
                await asyncio.sleep(0.1)
            await asyncio.to_thread(hub.publish, (pushed, TITLE, "Leaders met in Minsk."))
            while (
                not any(s.items_seen for s in app.store.feed_statuses() if s.url == hub.feed_url)
                or app.store.pending_deliveries()
            ):
                await asyncio.sleep(0.1)
            daemon.stop()

        async def go() -> None:
            await asyncio.wait_for(asyncio.gather(daemon.run(), story()), 180)

        try:
            asyncio.run(go())
        finally:
            hub.close()
    statuses = {s.kind: s for s in app.store.feed_statuses()}
    assert set(statuses) == {"feed", "sitemap", "page", "telegram"}
    assert all(s.error_count == 0 for s in app.store.feed_statuses()), [
        s.last_error for s in app.store.feed_statuses()
    ]
    with app.store.engine.connect() as c:
        articles = c.execute(
            text("SELECT id, story FROM article WHERE url LIKE :u"), {"u": f"%{SLUG}"}
        ).all()
        assert len(articles) == 1
        [(article_id, story)] = articles
        # Each of the five routes listed it, and each entry is that one article.
        routes = c.execute(
            text("SELECT count(DISTINCT feed_id) FROM feed_entry WHERE article_id = :a"),
            {"a": article_id},
        ).scalar()
        assert routes == 5
        in_story = c.execute(
            text("SELECT count(*) FROM article WHERE story = :s"), {"s": story}
        ).scalar()
        assert in_story == 1
        hits = c.execute(
            text("SELECT watchlist, count(*) FROM hit WHERE article_id = :a GROUP BY watchlist"),
            {"a": article_id},
        ).all()
    assert hits and all(n == 1 for _, n in hits)
    assert len(webhook.bodies) == 1
    assert json.dumps(webhook.bodies[0], ensure_ascii=False).count(TITLE) >= 1
    # The page was fetched once, whichever route came first.
    fetched = [p for p, _ in world.server.requests if p.split("?")[0] == SLUG]
    assert len(fetched) == 1
    app.store.engine.dispose()
