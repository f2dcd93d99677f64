"""Silent feeds: a feed that answers but has brought nothing new for far longer than its
own usual gap (5x the median, at least 2 days) is stale: shown first after the failing
ones by the page and `feeds health`, with its last new item and hits, and told to the
operator once. Store tests run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from monitor.digest.notices import Notifier, announce_stale
from monitor.feeds.staleness import KEEP, arrived, is_stale, stale_after
from monitor.store import open_store
from monitor.store.db import alembic_config, for_writing, make_engine, upgrade
from monitor.types import FeedSource, PollRecord
from monitor.views import health_order
from tests.support.cli import cli
from tests.support.clock import Clock

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


def every(gap: timedelta, n: int) -> list[datetime]:
    return [T0 + i * gap for i in range(n)]


@pytest.mark.parametrize(
    ("arrivals", "failing", "silent", "stale", "why"),
    [
        (every(6 * H, 10), False, 1 * D, False, "a day: under the 2-day floor"),
        (every(6 * H, 10), False, 2 * D + H, True, "over 2 days, 5x6h = 30h under it"),
        (every(D, 10), False, 4 * D, False, "daily: 5 days is its bar"),
        (every(D, 10), False, 5 * D + H, True, "daily, silent 5 days and more"),
        (every(D, 10), True, 30 * D, False, "failing: down, not stale"),
        (every(D, 3), False, 30 * D, False, "two gaps: no usual gap yet"),
        (every(D, 4), False, 30 * D, True, "three gaps are enough"),
        ([T0, T0, T0, T0 + D], False, 30 * D, False, "one poll's items count once"),
        ([], False, 30 * D, False, "never brought anything"),
    ],
)
def test_stale_table(
    arrivals: list[datetime], failing: bool, silent: timedelta, stale: bool, why: str
) -> None:
    now = (arrivals[-1] if arrivals else T0) + silent
    assert is_stale(arrivals, failing, now) is stale, why


def test_usual_gap_is_the_median_and_history_is_bounded() -> None:
    # one long pause among hourly news does not make the bar long
    arrivals = [*every(H, 6), T0 + 30 * D, T0 + 30 * D + H]
    assert stale_after(arrivals) == timedelta(days=2)
    kept: list[datetime] = []
    for t in every(H, 40):
        kept = arrived(kept, t)
    assert len(kept) == KEEP and kept[-1] == T0 + 39 * H


def poll(store: object, feed_id: int, new: int) -> None:
    store.record_polls([PollRecord(feed_id, True, T0, None, None, new)])  # type: ignore[attr-defined]


def test_a_silent_feed_is_stale_shown_first_and_told_once(db_url: str) -> None:
    clock = Clock()
    clock.now = T0
    store = open_store(db_url, clock=clock)
    store.sync_feeds(
        [
            FeedSource("https://a.example/feed", "Alpha", 900),
            FeedSource("https://b.example/feed", "Beta", 900),
        ]
    )
    ids = {f.source.url: f.id for f in store.active_feeds()}
    alpha, beta = ids["https://a.example/feed"], ids["https://b.example/feed"]
    for day in range(6):  # both bring news daily for six days
        clock.now = T0 + day * D
        poll(store, alpha, 3)
        poll(store, beta, 2)
        poll(store, beta, 0)  # a 304 an hour later: not news
    clock.now = T0 + 5 * D + 6 * D  # Alpha goes on answering with nothing; Beta too
    poll(store, alpha, 0)
    by_url = {s.url: s for s in store.feed_statuses()}
    assert by_url["https://a.example/feed"].stale
    assert by_url["https://a.example/feed"].last_new_at == T0 + 5 * D
    assert len(by_url["https://b.example/feed"].arrivals) == 6  # not its 304s

    class Told(Notifier):
        def __init__(self) -> None:
            super().__init__([])
            self.said: list[tuple[str, str]] = []

        def send(self, title: str, body: str) -> bool:
            self.said.append((title, body))
            return True

    told = Told()
    assert announce_stale(store, told, clock.now) == 2
    assert announce_stale(store, told, clock.now) == 0  # once
    titles = sorted(t for t, _ in told.said)
    assert titles == [
        "Feed silent: Alpha (https://a.example/feed)",
        "Feed silent: Beta (https://b.example/feed)",
    ]
    body = dict(told.said)["Feed silent: Alpha (https://a.example/feed)"]
    assert "6 days" in body and "every 1 day" in body
    # news again: no longer stale, and a later silence is told again
    clock.now += H
    poll(store, alpha, 1)
    assert not {s.url: s for s in store.feed_statuses()}["https://a.example/feed"].stale
    clock.now += 12 * D
    assert announce_stale(store, told, clock.now) == 1
    store.engine.dispose()


def test_feeds_health_lists_failing_then_stale_with_names(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: {db}\n")
    clock = Clock()
    store = open_store(db, clock=clock)
    sources = [FeedSource(f"https://{n}.example/feed", n.title(), 900) for n in "abc"]
    store.sync_feeds(sources)
    ids = {f.source.url: f.id for f in store.active_feeds()}
    now = datetime.now(UTC)
    for day in range(10, 0, -1):
        clock.now = now - day * D
        poll(store, ids["https://b.example/feed"], 1)  # b: daily until yesterday
        if day > 6:
            poll(store, ids["https://c.example/feed"], 1)  # c: silent for six days
    clock.now = now
    store.record_polls([PollRecord(ids["https://a.example/feed"], False, now, None, "HTTP 500", 0)])
    statuses = sorted((s for s in store.feed_statuses() if s.active), key=health_order)
    assert [s.name for s in statuses] == ["A", "C", "B"]  # failing, stale, fine
    out = cli("feeds", "health", config=cfg)
    assert out.returncode == 0
    lines = [line for line in out.stdout.splitlines() if ".example/feed" in line]
    assert [line.split()[0] for line in lines] == ["A", "C", "B"]
    assert "failing" in lines[0] and "stale" in lines[1] and " ok " in lines[2]
    assert "last new item" in out.stdout and "hits" in out.stdout
    store.engine.dispose()


def test_the_upgrade_reads_arrivals_from_the_feed_entries(db_url: str) -> None:
    engine = make_engine(db_url)
    command.upgrade(alembic_config(for_writing(engine)), "0011")
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO feed (id, url, interval_s, active, error_count, items_seen, "
                "created_at, fetch_pages, down_notified, kind) VALUES "
                "(1, 'https://a.example/feed', 900, true, 0, 0, :t, true, false, 'feed')"
            ),
            {"t": T0},
        )
        for i in range(30):  # 30 entries in 25 polls: the last 21 polls are kept
            c.execute(
                text("INSERT INTO feed_entry (feed_id, key_hash, seen_at) VALUES (1, :k, :t)"),
                {"k": f"{i:064d}", "t": T0 + min(i, 24) * H},
            )
    upgrade(engine)
    store = open_store(db_url)
    [status] = store.feed_statuses()
    assert len(status.arrivals) == KEEP
    assert status.arrivals[0] == T0 + 4 * H and status.last_new_at == T0 + 24 * H
    store.engine.dispose()
    engine.dispose()
