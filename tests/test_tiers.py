"""Alert tiers: immediate watchlists beside a scheduled digest, a window that makes a
burst one message, and quiet hours (held until they end, then one message; critical
watchlists pass). A fake clock drives the day; the store is SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from monitor.app import App
from monitor.basics.quiet import QuietHours
from monitor.config.settings import AdminSettings, load_settings
from monitor.errors import ConfigError
from monitor.store import open_store
from monitor.types import Article, NewEntry, Snippet, WatchlistMatch
from tests.support.clock import Clock
from tests.support.net import WebhookReceiver
from tests.support.store import save_articles

DAY0 = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("quiet", "zone", "at", "held"),
    [
        ("22:00-07:00", "UTC", "21:59", False),
        ("22:00-07:00", "UTC", "22:00", True),
        ("22:00-07:00", "UTC", "03:00", True),
        ("22:00-07:00", "UTC", "06:59", True),
        ("22:00-07:00", "UTC", "07:00", False),
        ("12:00-14:00", "UTC", "13:30", True),
        ("12:00-14:00", "UTC", "14:00", False),
        ("12:00-14:00", "UTC", "11:59", False),
        # Yerevan is UTC+4: 19:00 UTC is 23:00 there.
        ("22:00-07:00", "Asia/Yerevan", "19:00", True),
        ("22:00-07:00", "Asia/Yerevan", "03:30", False),
    ],
)
def test_quiet_hours_table(quiet: str, zone: str, at: str, held: bool) -> None:
    h, m = map(int, at.split(":"))
    assert QuietHours.parse(quiet).covers(DAY0.replace(hour=h, minute=m), zone) is held


def test_quiet_hours_are_read_once_from_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text('subscriptions:\n  - name: desk\n    quiet: "22:00-7:00"\n  - name: all\n')
    desk, everyone = load_settings(cfg).subscriptions
    assert desk.quiet == QuietHours(time(22), time(7)) and str(desk.quiet) == "22:00-07:00"
    assert desk.quiet_at(DAY0.replace(hour=23)) and not desk.quiet_at(DAY0.replace(hour=12))
    assert everyone.quiet is None and not everyone.quiet_at(DAY0)  # no quiet hours: none held


@pytest.mark.parametrize("bad", ["22-07", "25:00-07:00", "22:00-22:00", "22:00", "night"])
def test_bad_quiet_hours_are_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        QuietHours.parse(bad)
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f'subscriptions:\n  - name: desk\n    quiet: "{bad}"\n')
    with pytest.raises(ConfigError, match=r"monitor.yaml:3:5: subscriptions.0.quiet: "):
        load_settings(cfg)


def lists(tmp_path: Path) -> Path:
    folder = tmp_path / "lists"
    folder.mkdir(exist_ok=True)
    (folder / "desk.yaml").write_text(
        "entities:\n  csto:\n    aliases: [CSTO]\n    spike: true\nspike: {factor: 3, min: 4}\n"
    )
    (folder / "alarm.yaml").write_text(
        "entities:\n  article4:\n    aliases: [Article 4]\npriority: critical\n"
    )
    return folder


def found(app: App, watchlist: str, n: int) -> None:
    """A new article that `watchlist` hit, found now (the store's clock)."""
    entity = "article4" if watchlist == "alarm" else "csto"
    art = Article(
        url=f"https://n.example/{watchlist}/{n}",
        link=f"https://n.example/{watchlist}/{n}",
        title=f"{watchlist} story {n}",
        text=f"Story {n} of {watchlist}.",
        outlet="Wire",
        author=None,
        published=None,
        language="en",
        source="page",
        content_hash=hashlib.sha256(f"{watchlist} {n}".encode()).hexdigest(),
    )
    match = WatchlistMatch(watchlist, (entity,), (Snippet(art.text, (), (entity,)),))
    save_articles(app.store, [NewEntry(art, (match,))])


def digests(app: App) -> list[list[str]]:
    """The titles in each digest made so far, oldest digest first (notices apart)."""
    from sqlalchemy import text

    with app.store.engine.connect() as c:
        q = "SELECT id FROM digest WHERE kind = 'digest' ORDER BY id"
        ids = [r[0] for r in c.execute(text(q))]
    return [sorted(h.title for h in app.store.hits(ids=app.store.digest(i).hit_ids)) for i in ids]


def make_app(
    tmp_path: Path, db_url: str, clock: Clock, schedule: str, quiet: str, more: str = ""
) -> App:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: {db_url}\nwatchlists: {lists(tmp_path)}\nhttp:\n  listen: null\n"
        "feeds:\n  - url: https://feeds.example/rss\n"
        f'subscriptions:\n  - name: desk\n    schedule: "{schedule}"\n'
        f'    timezone: UTC\n    quiet: "{quiet}"\n{more}'
    )
    settings = load_settings(cfg)
    app = App(settings, store=open_store(settings.database_url, clock=clock))
    app.sync_feeds()  # the watch starts now: the heartbeat counts from here
    return app


def test_a_night_of_immediate_alerts(tmp_path: Path, db_url: str) -> None:
    clock = Clock()
    app = make_app(tmp_path, db_url, clock, "immediate", "22:00-07:00")

    def at(hour: int, minute: int = 0) -> int:
        clock.now = (DAY0 + timedelta(days=hour < 12)).replace(hour=hour, minute=minute)
        return app.rounds.send_due_digests().digests

    clock.now = DAY0.replace(hour=21)
    found(app, "desk", 1)
    assert at(21, 1) == 1  # before the quiet hours: at once
    clock.now = DAY0.replace(hour=23)
    found(app, "desk", 2)
    assert at(23, 1) == 0  # held
    clock.now = (DAY0 + timedelta(days=1)).replace(hour=1)
    found(app, "desk", 3)
    assert at(1, 1) == 0
    clock.now = (DAY0 + timedelta(days=1)).replace(hour=3)
    found(app, "alarm", 1)
    assert at(3, 1) == 1  # critical: passes, alone
    assert at(6, 59) == 0
    assert at(7, 0) == 1  # the end of the quiet hours: what was held, in one message
    assert at(7, 5) == 0
    assert digests(app) == [
        ["desk story 1"],
        ["alarm story 1"],
        ["desk story 2", "desk story 3"],
    ]
    app.store.engine.dispose()


def test_a_digest_due_in_quiet_hours_is_sent_once_when_they_end(
    tmp_path: Path, db_url: str
) -> None:
    clock = Clock()
    app = make_app(tmp_path, db_url, clock, "0 8 * * *", "07:30-09:00")
    clock.now = DAY0.replace(hour=6)
    found(app, "desk", 1)
    sent = []
    for hour, minute in ((7, 59), (8, 0), (8, 30), (8, 59), (9, 0), (9, 1), (12, 0)):
        clock.now = DAY0.replace(hour=hour, minute=minute)
        sent.append(app.rounds.send_due_digests().digests)
    assert sent == [0, 0, 0, 0, 1, 0, 0]
    assert digests(app) == [["desk story 1"]]
    app.store.engine.dispose()


def test_immediate_watchlists_beside_a_daily_digest(tmp_path: Path, db_url: str) -> None:
    """alarm at once (a burst within 2 minutes in one message), desk at 08:00."""
    clock = Clock()
    more = "    immediate: [alarm]\n    immediate_window: 2m\n"
    app = make_app(tmp_path, db_url, clock, "0 8 * * *", "23:00-06:00", more)
    base = DAY0.replace(hour=10)

    def at(seconds: int) -> int:
        clock.now = base + timedelta(seconds=seconds)
        return app.rounds.send_due_digests().digests

    clock.now = base
    found(app, "alarm", 1)
    found(app, "desk", 1)
    assert at(60) == 0  # the window is open: more may come
    clock.now = base + timedelta(seconds=90)
    found(app, "alarm", 2)
    assert at(119) == 0
    assert at(120) == 1  # two minutes after the first: both, in one message
    assert at(150) == 0
    clock.now = base + timedelta(hours=1)
    found(app, "alarm", 3)
    assert at(3600 + 119) == 0 and at(3600 + 120) == 1  # a new burst, its own window
    assert at(21 * 3600) == 0  # 07:00 next day: desk waits for 08:00
    assert at(22 * 3600) == 1
    assert digests(app) == [
        ["alarm story 1", "alarm story 2"],
        ["alarm story 3"],
        ["desk story 1"],
    ]
    app.store.engine.dispose()


def test_an_immediate_name_that_is_not_a_watchlist_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {lists(tmp_path)}\n"
        "subscriptions:\n  - name: desk\n    immediate: [alarm, alrm]\n"
    )
    with pytest.raises(ConfigError, match=r"monitor.yaml:5:24: subscriptions.0.immediate: 'alrm'"):
        App(load_settings(cfg))


SUB = {"name": "desk", "timezone": "UTC"}


@pytest.mark.parametrize(
    ("sub", "hour", "expected"),
    [
        ({"schedule": "0 8 * * *"}, 12, [(None, "0 8 * * *")]),
        ({"schedule": "immediate"}, 12, [(None, "immediate")]),
        (
            {"schedule": "0 8 * * *", "immediate": ["alarm"]},
            12,
            [(("alarm",), "immediate"), (("desk", "extra"), "0 8 * * *")],
        ),
        (
            {"schedule": "0 8 * * *", "immediate": ["alarm"], "watchlists": ["alarm", "desk"]},
            12,
            [(("alarm",), "immediate"), (("desk",), "0 8 * * *")],
        ),
        # Quiet hours keep the critical watchlists of each tier, and drop empty tiers.
        ({"schedule": "immediate", "quiet": "22:00-07:00"}, 23, [(("alarm",), "immediate")]),
        (
            {"schedule": "0 8 * * *", "immediate": ["desk"], "quiet": "22:00-07:00"},
            23,
            [(("alarm",), "0 8 * * *")],
        ),
        ({"schedule": "immediate", "quiet": "22:00-07:00", "watchlists": ["desk"]}, 23, []),
    ],
)
def test_tiers_table(sub: dict[str, object], hour: int, expected: list[object]) -> None:
    from monitor.config.settings import Subscription
    from monitor.digest.tiers import tiers

    found = tiers(
        Subscription.model_validate({**SUB, **sub}),
        ["alarm", "desk", "extra"],
        {"alarm"},
        DAY0.replace(hour=hour),
    )
    assert [(t.watchlists, t.schedule) for t in found] == expected


@pytest.mark.parametrize(
    ("schedule", "window", "oldest_s", "now_s", "due"),
    [
        ("immediate", 0, 0, 0, True),
        ("immediate", 120, 0, 119, False),
        ("immediate", 120, 0, 120, True),
        ("immediate", 120, None, 500, False),
        ("0 8 * * *", 0, 0, 3600, False),  # 10:00 + 1 h: 08:00 has not come again
        ("0 8 * * *", 0, 0, 22 * 3600, True),
    ],
)
def test_tier_due_table(
    schedule: str, window: int, oldest_s: int | None, now_s: int, due: bool
) -> None:
    from monitor.digest.tiers import Tier, tier_due

    base = DAY0.replace(hour=10)
    oldest = None if oldest_s is None else base + timedelta(seconds=oldest_s)
    tier = Tier(None, schedule, window)
    assert tier_due(tier, "UTC", oldest, base + timedelta(seconds=now_s)) is due


def test_a_spike_is_one_notice_a_day_with_its_top_stories(
    tmp_path: Path, db_url: str, webhook: WebhookReceiver
) -> None:
    clock = Clock()
    more = f'    notify: ["{webhook.url()}"]\n'
    app = make_app(tmp_path, db_url, clock, "0 8 * * *", "23:00-06:00", more)
    app.settings = app.settings.model_copy(update={"admin": AdminSettings(notify=[webhook.url()])})
    start = DAY0.replace(hour=12) - timedelta(days=14)
    n = 0
    for day in range(14):  # a steady topic: one story a day
        clock.now = start + timedelta(days=day)
        n += 1
        found(app, "desk", n)
        assert app.rounds.check_spikes() == 0
    clock.now = DAY0.replace(hour=10)
    for _ in range(5):  # then five in a morning
        n += 1
        found(app, "desk", n)
        clock.now += timedelta(minutes=20)
    clock.now = DAY0.replace(hour=12)
    # The watchlist, and its entity with spike: true, each once.
    assert app.rounds.check_spikes() == 2
    assert app.rounds.check_spikes() == 0  # once a day
    operator = sorted(str(b["title"]) for b in webhook.bodies)
    assert operator == [
        "news-monitor: spike in desk (csto) sent",
        "news-monitor: spike in desk sent",
    ]
    webhook.bodies.clear()
    app.rounds.send_due_digests()
    spikes = [b for b in webhook.bodies if "spike" in str(b["title"])]
    assert sorted(str(b["title"]) for b in spikes) == [
        "[news-monitor] desk: spike in desk (csto), 5 stories",
        "[news-monitor] desk: spike in desk, 5 stories",
    ]
    body = str(spikes[0]["message"])
    assert "5 stories in the last 24 hours against 1 a day" in body
    assert "desk story 19" in body and "desk story 15" in body  # the top five, newest first
    # The next day, the same topic at the same level: no notice.
    clock.now = DAY0.replace(hour=12) + timedelta(days=1)
    for _ in range(5):
        n += 1
        found(app, "desk", n)
    assert app.rounds.check_spikes() == 0
    app.store.engine.dispose()


def test_a_spike_waits_for_the_end_of_quiet_hours(tmp_path: Path, db_url: str) -> None:
    clock = Clock()
    app = make_app(tmp_path, db_url, clock, "0 8 * * *", "00:00-09:00")
    clock.now = DAY0.replace(hour=1)
    for i in range(6):
        found(app, "desk", i)
    assert app.rounds.check_spikes() == 0  # quiet, and desk is not critical
    clock.now = DAY0.replace(hour=9)
    assert app.rounds.check_spikes() == 2
    app.store.engine.dispose()


def test_the_heartbeat_says_all_is_quiet_once_per_silence(tmp_path: Path, db_url: str) -> None:
    clock = Clock()
    clock.now = DAY0.replace(hour=12)
    app = make_app(tmp_path, db_url, clock, "0 8 * * *", "23:00-06:00", "    heartbeat: 7d\n")
    notices = []
    for hours in (24, 6 * 24, 7 * 24, 7 * 24 + 1, 10 * 24, 14 * 24):
        clock.now = DAY0.replace(hour=12) + timedelta(hours=hours)
        app.rounds.send_due_digests()
        notices.append(count_kind(app, "heartbeat"))
    assert notices == [0, 0, 1, 1, 1, 2]  # day 7, then 7 days after that one
    with app.store.engine.connect() as c:
        from sqlalchemy import text

        note = c.execute(text("SELECT note FROM digest WHERE kind = 'heartbeat'")).scalar()
    assert '"feeds": 1' in note and '"healthy": 1' in note
    app.store.engine.dispose()


def count_kind(app: App, kind: str) -> int:
    from sqlalchemy import text

    with app.store.engine.connect() as c:
        q = text("SELECT count(*) FROM digest WHERE kind = :k")
        return int(c.execute(q, {"k": kind}).scalar() or 0)
