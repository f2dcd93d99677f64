"""End to end on SQLite and PostgreSQL: feeds and pages on 127.0.0.1, mail to a real SMTP
server, a webhook to a local receiver."""

from __future__ import annotations

import asyncio
from collections import Counter
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App
from monitor.config.settings import load_settings
from tests.support.config import write_config
from tests.support.sites import e2e_server, feed_urls


@pytest.fixture
def server() -> Any:
    with e2e_server() as s:
        yield s


def test_pipeline_end_to_end(
    tmp_path: Path, db_url: str, server: Any, smtp: Any, webhook: Any
) -> None:
    cfg = write_config(tmp_path, db_url, feed_urls(server.base), [smtp.url(), webhook.url()])
    app = App(load_settings(cfg))
    try:
        results = asyncio.run(app.poll_all_once())
        assert [r.status for r in results] == ["ok"] * 5

        hits = app.store.hits()
        by_list = Counter(h.watchlist for h in hits)
        assert set(by_list) == {"csto", "karabakh", "officials"}
        # the Herald story is stored once although two feeds list it with different tracking parameters
        herald = [
            h for h in hits if h.url.endswith("/caucasus-herald/armenia-csto-participation.html")
        ]
        assert len(herald) == 3 and all("?" not in h.url for h in herald)
        assert (
            sum(
                1
                for r, _ in server.requests
                if r.startswith("/caucasus-herald/armenia-csto-participation.html")
            )
            == 1
        )
        # pages with the names only in comments, sidebars and footers do not hit
        titles = {h.title for h in hits}
        assert not any("wine festival" in t or "снег" in t or "shipping" in t for t in titles)
        # the page that is gone: matched on the feed entry, and the hit says so
        gone = [h for h in hits if "Stepanakert" in h.title]
        assert gone and all(h.source == "feed" for h in gone)
        assert "stepanakert" in gone[0].entities and "karabakh" in gone[0].entities
        # every entity is reported with its sentence, the alias highlighted
        peskov = next(h for h in hits if h.watchlist == "officials" and "Песков" in h.title)
        assert set(peskov.entities) == {"peskov", "putin", "pashinyan"}
        assert any(
            sn.text[a:b] == "Владимир Путин" for sn in peskov.snippets for a, b in sn.highlights
        )

        # digest: not due before the schedule fires; `digest send` sends now
        report = app.digests.run("security-desk")
        assert (report.digests, report.sent, report.failed) == (1, 2, 0)
        [raw] = smtp.messages
        mail = message_from_bytes(raw)
        assert "security-desk" in mail["Subject"] and "new stories" in mail["Subject"]
        html = (
            next(p for p in mail.walk() if p.get_content_type() == "text/html")
            .get_payload(decode=True)
            .decode()
        )
        text = (
            next(p for p in mail.walk() if p.get_content_type() == "text/plain")
            .get_payload(decode=True)
            .decode()
        )
        assert "<mark><b>Nikol Pashinyan</b></mark>" in html
        assert "Also reported by" in html and "Regional Wire" in html
        assert "Pashinyan" in text and "feed summary" in text
        [hook] = webhook.bodies
        assert "security-desk" in str(hook["title"]) and "Песков" in str(hook["message"])
        n_stories = sum(
            len(g.items)
            for g in app.digests.preview(app.digests.subscription("security-desk")).groups
        )
        assert n_stories == 0  # everything delivered

        # a second cycle that finds nothing new sends nothing
        again = asyncio.run(app.poll_all_once())
        assert sum(len(r.new_hits) for r in again) == 0 and sum(r.new_items for r in again) == 0
        report = app.digests.run()
        assert (report.digests, report.sent) == (0, 0)
        assert len(smtp.messages) == 1 and len(webhook.bodies) == 1
        assert len(app.store.hits()) == len(hits)
    finally:
        app.store.engine.dispose()


def test_a_failing_destination_is_retried_alone(
    tmp_path: Path, db_url: str, server: Any, smtp: Any, webhook: Any
) -> None:
    cfg = write_config(tmp_path, db_url, feed_urls(server.base)[:1], [smtp.url(), webhook.url()])
    app = App(load_settings(cfg))
    try:
        asyncio.run(app.poll_all_once())
        webhook.status = 503
        report = app.digests.run()
        assert (report.digests, report.sent, report.failed) == (1, 1, 1)
        # tried once in this run, not again and again until dead
        assert [(d.status, d.attempts) for d in app.store.deliveries() if d.status != "sent"] == [
            ("pending", 1)
        ]
        assert len(smtp.messages) == 1
        webhook.status = 200
        sub = app.digests.subscription("security-desk")
        # The daemon's tick waits for the retry's time ...
        assert app.rounds.send_due_digests().sent == 0 and webhook.bodies == []
        assert app.store.pending_deliveries(sub.name) == []  # none due yet
        # ... `digest send` retries now: only the webhook, the mail is not resent.
        retry = app.digests.run()
        assert (retry.digests, retry.sent, retry.failed) == (0, 1, 0)
        assert len(smtp.messages) == 1 and len(webhook.bodies) == 1
        assert app.store.pending_deliveries(sub.name, due=False) == []
    finally:
        app.store.engine.dispose()


def test_scheduled_digest_is_sent_once_its_time_has_come(
    tmp_path: Path, sqlite_url: str, server: Any, smtp: Any
) -> None:
    from datetime import timedelta

    from monitor.clock import utcnow

    cfg = write_config(
        tmp_path, sqlite_url, feed_urls(server.base)[:1], [smtp.url()], schedule="0 8 * * *"
    )
    app = App(load_settings(cfg))
    asyncio.run(app.poll_all_once())
    now = utcnow()
    assert app.rounds.due_subscriptions(now) == []  # 08:00 Yerevan has not come since the hits
    later = now + timedelta(days=1, minutes=1)
    assert app.rounds.due_subscriptions(later) == ["security-desk"]
    report = app.rounds.send_due_digests(later)
    assert (report.digests, report.sent) == (1, 1)
    assert app.rounds.send_due_digests(later + timedelta(minutes=1)).digests == 0
    assert len(smtp.messages) == 1
    app.store.engine.dispose()
