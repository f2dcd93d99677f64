"""A day of a desk's alerts, on a fake clock, to a local Slack receiver and a real SMTP
server: the morning digest, an immediate alert that waits for its window, a spike,
quiet hours, and a night's flood that reaches Slack in parts and email in one."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from monitor.app import App
from monitor.config.settings import load_settings
from monitor.store import open_store
from monitor.types import Article, NewEntry, Snippet, WatchlistMatch
from tests.support.clock import Clock
from tests.support.slack import URL as SLACK
from tests.support.slack import slack_webhook
from tests.support.store import save_articles

DAY0 = datetime(2026, 12, 2, tzinfo=UTC)
LONG = " Officials spoke at length about the alliance and its summit." * 8


def found(app: App, watchlist: str, n: int, long: bool = False) -> None:
    entity = "csto" if watchlist == "desk" else "article4"
    text = f"Story {n} of {watchlist}: the CSTO met.{LONG if long else ''}"
    art = Article(
        url=f"https://n.example/{watchlist}/{n}",
        link=f"https://n.example/{watchlist}/{n}",
        title=f"{watchlist} story {n}",
        text=text,
        outlet="Wire",
        author=None,
        published=None,
        language="en",
        source="page",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
    )
    match = WatchlistMatch(watchlist, (entity,), (Snippet(text, ((0, 5),), (entity,)),))
    save_articles(app.store, [NewEntry(art, (match,))])


def test_a_day_of_alerts(tmp_path: Path, db_url: str, smtp: Any) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "desk.yaml").write_text(
        "entities:\n  csto:\n    aliases: [CSTO]\n    spike: true\nspike: {factor: 3, min: 5}\n"
    )
    (lists / "alarm.yaml").write_text("entities:\n  article4:\n    aliases: [Article 4]\n")
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: {db_url}\nwatchlists: {lists}\nhttp:\n  listen: null\n"
        "subscriptions:\n  - name: desk\n"
        f'    notify: ["{SLACK}", "{smtp.url()}"]\n'
        '    schedule: "0 8 * * *"\n    timezone: UTC\n'
        "    immediate: [alarm]\n    immediate_window: 2m\n"
        '    quiet: "22:00-07:00"\n'
    )
    clock = Clock()
    settings = load_settings(cfg)
    app = App(settings, store=open_store(settings.database_url, clock=clock))
    sent: list[tuple[str, str, str]] = []  # (time, channel, subject)

    with slack_webhook() as slack:

        def at(when: datetime, spikes: bool = False) -> None:
            clock.now = when
            if spikes:
                app.rounds.check_spikes()
            before = (len(slack.bodies), len(smtp.messages))
            app.rounds.send_due_digests()
            stamp = f"{when:%d %H:%M}"
            for body in slack.bodies[before[0] :]:
                sent.append((stamp, "slack", str(body["attachments"][0]["title"])))  # type: ignore[index]
            for raw in smtp.messages[before[1] :]:
                subject = message_from_bytes(raw, policy=policy.default)["Subject"]
                sent.append((stamp, "email", str(subject)))

        # A fortnight of one story a day, each in the next morning's digest.
        for day in range(14, 0, -1):
            clock.now = DAY0 - timedelta(days=day) + timedelta(hours=12)
            found(app, "desk", 100 + day)
            at(DAY0 - timedelta(days=day - 1) + timedelta(hours=8))
        assert len(sent) == 28
        sent.clear()

        clock.now = DAY0.replace(hour=10)
        found(app, "alarm", 1)
        clock.now = DAY0.replace(hour=10, minute=1)
        found(app, "alarm", 2)
        at(DAY0.replace(hour=10, minute=1))  # the window is open
        at(DAY0.replace(hour=10, minute=2))  # the alert, with both
        for i in range(6):
            clock.now = DAY0.replace(hour=12, minute=i * 5)
            found(app, "desk", i)
        at(DAY0.replace(hour=13), spikes=True)  # the surge: the watchlist and its entity
        at(DAY0.replace(hour=14), spikes=True)  # once a day
        clock.now = DAY0.replace(hour=23)
        found(app, "alarm", 3)
        for i in range(100):  # a night's flood of long stories
            found(app, "desk", 1000 + i, long=True)
        at(DAY0.replace(hour=23, minute=5))  # quiet: held
        at(DAY0.replace(hour=6, minute=59) + timedelta(days=1))
        at(DAY0.replace(hour=7) + timedelta(days=1))  # quiet ends: the held alert
        at(DAY0.replace(hour=8) + timedelta(days=1))  # the morning digest

    def kinds(stamp: str, channel: str) -> list[str]:
        return [s for t, c, s in sent if t == stamp and c == channel]

    assert [t for t, _, _ in sent if t in ("02 10:01", "02 14:00", "02 23:05", "03 06:59")] == []
    for channel in ("slack", "email"):
        [alert] = kinds("02 10:02", channel)
        assert "desk: 2 new stories" in alert
        spikes = sorted(kinds("02 13:00", channel))
        assert [s.split(": ", 1)[1] for s in spikes] == [
            "spike in desk (csto), 6 stories",
            "spike in desk, 6 stories",
        ]
        [held] = kinds("03 07:00", channel)
        assert "desk: 1 new story" in held
    morning_slack = kinds("03 08:00", "slack")
    [morning_email] = kinds("03 08:00", "email")  # email: one message
    assert "106 new stories" in morning_email
    n = len(morning_slack)
    assert n >= 2 and all("106 new stories" in s for s in morning_slack)
    assert [s.rsplit("(part ", 1)[1] for s in morning_slack] == [
        f"{i}/{n})" for i in range(1, n + 1)
    ]
    app.store.engine.dispose()
