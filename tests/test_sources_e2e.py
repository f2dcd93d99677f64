"""A local world where one outlet publishes one story by every route: each route alone
brings it into an immediate alert, and all five together (a feed, a news sitemap behind
an index, a section page, a Telegram channel, a WebSub push), in either order, make one
article, one story, one alert and one page fetch."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text, update

from monitor.app import App
from monitor.clock import utcnow
from monitor.config.settings import load_settings
from monitor.daemon import Daemon
from monitor.store.tables import FeedRow
from monitor.watchlists.load import BUNDLED
from tests.support.hub import Hub
from tests.support.net import WebhookReceiver, free_port
from tests.support.world import SLUG, TITLE, World

pytestmark = pytest.mark.slow  # daemons end to end, each a few seconds

ROUTES = ("feed", "sitemap", "page", "telegram", "websub")


@dataclass
class Outcome:
    articles: list[tuple[int, str]]
    routes: int  # sources whose entry is the story's article
    in_story: int
    hits: list[tuple[str, int]]
    alerts: list[dict[str, object]]
    page_fetches: int
    errors: list[str] = field(default_factory=list)


def publish(
    tmp_path: Path, db: str, webhook: WebhookReceiver, routes: tuple[str, ...], push_first: bool
) -> Outcome:
    """Run a daemon on the world's `routes`; the story is on the polled ones from the
    start, or (push_first) pushed first and put on the polled ones after its alert."""
    world, hub, port = World(published=not push_first), Hub(), free_port()
    with world.server:
        entries = [e for r, e in world.sources().items() if r in routes]
        if "websub" in routes:
            entries.append(f"url: {hub.feed_url}")
        feeds = "\n".join(f"  - {e}\n    every: 1h" for e in entries)
        cfg = tmp_path / "monitor.yaml"
        cfg.write_text(
            f"database: {db}\nwatchlists: {BUNDLED}\n"
            "fetch:\n  allow_private_networks: true\n"
            f"http:\n  listen: 127.0.0.1:{port}\n  public_url: http://127.0.0.1:{port}\n"
            f"feeds:\n{feeds}\n"
            "subscriptions:\n  - name: desk\n    schedule: immediate\n"
            f'    notify: ["{webhook.url()}"]\n'
        )
        app = App(load_settings(cfg))
        daemon = Daemon(app)

        def polled() -> bool:
            return all(s.last_success_at for s in app.store.feed_statuses())

        def listed() -> int:
            """The sources that have listed the story's article so far."""
            with app.store.engine.connect() as c:
                return int(
                    c.execute(
                        text(
                            "SELECT count(DISTINCT e.feed_id) FROM feed_entry e "
                            "JOIN article a ON a.id = e.article_id WHERE a.url LIKE :u"
                        ),
                        {"u": f"%{SLUG}"},
                    ).scalar()
                    or 0
                )

        async def story() -> None:
            while not polled() or ("websub" in routes and not hub.verified.is_set()):
                await asyncio.sleep(0.1)
            if "websub" in routes:
                pushed = world.base + SLUG + "?amp=1&utm_source=websub"
                await asyncio.to_thread(hub.publish, (pushed, TITLE, "Leaders met in Minsk."))
            if push_first:
                while not webhook.bodies:
                    await asyncio.sleep(0.1)
                world.published = True
                with app.store.engine.begin() as c:  # the polled routes come due now
                    c.execute(update(FeedRow).values(next_poll_at=utcnow()))
            while listed() < len(routes) or app.store.pending_deliveries() or not webhook.bodies:
                await asyncio.sleep(0.1)
            daemon.stop()

        async def go() -> None:
            await asyncio.wait_for(asyncio.gather(daemon.run(), story()), 180)

        try:
            asyncio.run(go())
        finally:
            hub.close()
    with app.store.engine.connect() as c:
        articles = [
            (int(i), str(st))
            for i, st in c.execute(
                text("SELECT id, story FROM article WHERE url LIKE :u"), {"u": f"%{SLUG}"}
            ).all()
        ]
        aid, story_id = articles[0] if articles else (0, "")
        routes_in = c.execute(
            text("SELECT count(DISTINCT feed_id) FROM feed_entry WHERE article_id = :a"),
            {"a": aid},
        ).scalar()
        in_story = c.execute(
            text("SELECT count(*) FROM article WHERE story = :s"), {"s": story_id}
        ).scalar()
        hits = c.execute(
            text("SELECT watchlist, count(*) FROM hit WHERE article_id = :a GROUP BY watchlist"),
            {"a": aid},
        ).all()
    errors = [s.last_error or "" for s in app.store.feed_statuses() if s.error_count]
    app.store.engine.dispose()
    return Outcome(
        articles,
        int(routes_in or 0),
        int(in_story or 0),
        [(str(w), int(n)) for w, n in hits],
        list(webhook.bodies),
        sum(p.split("?")[0] == SLUG for p, _ in world.server.requests),
        errors,
    )


@pytest.mark.parametrize("route", ROUTES)
def test_each_route_alone_brings_the_story_into_an_alert(
    tmp_path: Path, sqlite_url: str, webhook: WebhookReceiver, route: str
) -> None:
    out = publish(tmp_path, sqlite_url, webhook, (route,), push_first=False)
    assert out.errors == []
    assert len(out.articles) == 1 and out.routes == 1
    assert len(out.alerts) == 1
    assert TITLE in json.dumps(out.alerts[0], ensure_ascii=False)
    assert dict(out.hits).get("csto") == 1


@pytest.mark.parametrize("push_first", [False, True], ids=["polled-first", "pushed-first"])
def test_one_story_by_five_routes_is_one_article_one_story_one_alert(
    tmp_path: Path, sqlite_url: str, webhook: WebhookReceiver, push_first: bool
) -> None:
    out = publish(tmp_path, sqlite_url, webhook, ROUTES, push_first)
    assert out.errors == []
    assert len(out.articles) == 1  # one article, whichever address each route gave
    assert out.routes == 5  # each route's entry is that article
    assert out.in_story == 1
    assert out.hits and all(n == 1 for _, n in out.hits)
    assert len(out.alerts) == 1  # delivered once
    assert out.page_fetches == 1  # its page fetched once
