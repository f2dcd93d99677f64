"""Retention: old article texts and hits leave the database; what hits and delivered
digests show stays; stories keep clustering; SQLite gives the space back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.clock import utcnow
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.identity.urls import canonical_url
from monitor.search.service import search
from monitor.store import Store, open_store
from monitor.types import Article, NewEntry, Snippet, WatchlistMatch
from tests.support.cli import monitor
from tests.support.clock import Clock
from tests.support.store import save_articles
from tests.test_stories import REAL

DAY = timedelta(days=1)


def art(url: str, body: str, outlet: str = "Outlet") -> Article:
    return Article(
        url=canonical_url(url),
        link=url,
        title=f"Title of {url.rsplit('/', 1)[-1]}",
        text=body,
        outlet=outlet,
        author=None,
        published=None,
        language="en",
        source="page",
        content_hash=content_hash("t", body),
        signature=signature(body),
    )


HIT = (WatchlistMatch("csto", ("csto",), (Snippet("The CSTO met.", ((4, 8),), ("csto",)),)),)


def count(store: Store, sql: str) -> int:
    with store.engine.connect() as c:
        return int(c.execute(text(sql)).scalar() or 0)


def fill(store: Store, clock: Clock) -> dict[str, str]:
    """200 days of articles: a hit-less one and one with a hit per 10 days; returns the
    story of each URL."""
    start = clock.now
    stories = {}
    for day in range(200, -1, -10):
        clock.now = start - day * DAY
        body = REAL[day // 10 % len(REAL)]
        for kind, matches in (("plain", ()), ("hit", HIT)):
            url = f"https://n.example/{kind}-{day}"
            words = f"marker{kind}{day} {body}"
            [saved] = save_articles(store, [NewEntry(art(url, words), matches)])
            stories[url] = saved.story
    clock.now = start
    return stories


def test_prune_removes_old_texts_keeps_hits_and_digests(db_url: str) -> None:
    clock = Clock()
    store = open_store(db_url, clock=clock)
    fill(store, clock)
    hits = store.hits()
    digest = store.create_digest("desk", [h.hit_id for h in hits], [("k", "mailto://x")], utcnow())
    assert digest is not None
    [delivery] = store.claim_deliveries("me", timedelta(minutes=1), "desk")
    store.delivery_done(delivery.id, delivery.claim)
    articles_before = count(store, "SELECT count(*) FROM article")

    dry = store.prune(clock.now - 90 * DAY, clock.now - 150 * DAY, dry_run=True)
    assert count(store, "SELECT count(*) FROM article") == articles_before  # nothing went
    report = store.prune(clock.now - 90 * DAY, clock.now - 150 * DAY)
    assert (dry.articles_deleted, dry.texts_removed, dry.hits_deleted) == (
        report.articles_deleted,
        report.texts_removed,
        report.hits_deleted,
    )
    # Days 200..100 are past 90 days: 11 plain articles go whole, and of the 11 with a
    # hit, the 5 of days 200..160 lose their hit (past 150 days) and go whole too.
    assert report.articles_deleted == 11 + 5
    assert report.hits_deleted == 5
    assert report.texts_removed == 6  # days 150..100: hit kept, text removed
    assert count(store, "SELECT count(*) FROM article") == articles_before - 16
    assert count(store, "SELECT count(*) FROM article WHERE text = ''") == 6
    kept = {h.url: h for h in store.hits()}
    assert len(kept) == 21 - 5
    old_hit = kept["https://n.example/hit-120"]
    assert old_hit.snippets[0].text == "The CSTO met." and old_hit.title == "Title of hit-120"
    # The digest and its delivery are the record of what was sent: they stay.
    assert count(store, "SELECT count(*) FROM digest") == 1
    assert count(store, "SELECT count(*) FROM delivery WHERE status = 'sent'") == 1
    assert count(store, "SELECT count(*) FROM digest_item") == 21 - 5
    # Run again: nothing more to do.
    again = store.prune(clock.now - 90 * DAY, clock.now - 150 * DAY)
    assert (again.articles_deleted, again.texts_removed, again.hits_deleted) == (0, 0, 0)
    store.engine.dispose()


def test_stories_keep_clustering_across_a_prune(db_url: str) -> None:
    clock = Clock()
    store = open_store(db_url, clock=clock)
    stories = fill(store, clock)
    store.prune(clock.now - 20 * DAY, clock.now - 365 * DAY)
    # A rewrite of a story inside the window joins it after the prune...
    rewrite = f"Reprinted from a wire service. {REAL[1]}"
    [copy] = save_articles(store, [NewEntry(art("https://other.example/copy", rewrite), ())])
    assert copy.story == stories["https://n.example/hit-10"]
    # ... and a fresh process, building its index from the database, finds it too.
    fresh = open_store(db_url, clock=clock)
    again_text = f"Reprinted from another wire. {REAL[1]}"
    [again] = save_articles(fresh, [NewEntry(art("https://third.example/c", again_text), ())])
    assert again.story == copy.story
    store.engine.dispose()
    fresh.engine.dispose()


def test_search_forgets_removed_texts(db_url: str) -> None:
    clock = Clock()
    store = open_store(db_url, clock=clock)
    fill(store, clock)

    def links(q: str) -> list[str]:
        return [r.best.link for r in search(store, [], q).results]

    assert links("markerhit120") == ["https://n.example/hit-120"]
    assert links("markerplain150") == ["https://n.example/plain-150"]
    store.prune(clock.now - 90 * DAY, clock.now - 365 * DAY)
    assert not links("markerhit120")  # its text is gone...
    assert links('"Title of hit-120"') == ["https://n.example/hit-120"]  # ... its title is not
    assert not links("markerplain150")  # gone whole
    store.engine.dispose()


@pytest.mark.slow
def test_sqlite_gives_the_space_back(tmp_path: Path) -> None:
    clock = Clock()
    url = f"sqlite:///{tmp_path / 'm.db'}"
    store = open_store(url, clock=clock)
    clock.now -= 100 * DAY
    big = " ".join(REAL) * 3
    for i in range(60):
        save_articles(store, [NewEntry(art(f"https://n.example/{i}", f"{i} {big}"), ())])
    clock.now += 100 * DAY
    size = store._file_bytes()
    assert size is not None
    report = store.prune(clock.now - 90 * DAY, clock.now - 365 * DAY)
    assert report.articles_deleted == 60
    assert report.bytes_freed is not None and report.bytes_freed > size / 2
    assert (tmp_path / "m.db").stat().st_size < size / 2
    store.engine.dispose()


def test_an_old_database_is_converted_to_incremental_vacuum(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE leftover (a)")
    assert sqlite3.connect(path).execute("PRAGMA auto_vacuum").fetchone() == (0,)
    open_store(f"sqlite:///{path}").engine.dispose()
    assert sqlite3.connect(path).execute("PRAGMA auto_vacuum").fetchone() == (2,)


def filled_config(tmp_path: Path, more: str = "") -> Path:
    """A config keeping articles 35 days and hits 65, on a database `fill` filled."""
    db = tmp_path / "m.db"
    clock = Clock()
    store = open_store(f"sqlite:///{db}", clock=clock)
    fill(store, clock)
    store.engine.dispose()
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{db}\n{more}retention:\n  articles: 35d\n  hits: 65d\n")
    return cfg


@pytest.mark.slow
def test_db_prune_prints_what_goes(tmp_path: Path) -> None:
    cfg = filled_config(tmp_path)
    dry = monitor("db", "prune", "--dry-run", config=cfg)
    assert dry.returncode == 0, dry.stderr
    assert "articles older than 35d" in dry.stdout and "hits older than 65d" in dry.stdout
    # 35d: days 40..200 (17 of each kind); 65d: the hits of days 70..200 (14).
    assert "would remove: 31 articles with no hit" in dry.stdout
    assert "the text of 3 articles kept for their hits, 14 hits" in dry.stdout
    done = monitor("db", "prune", config=cfg)
    assert "removed: 31 articles with no hit" in done.stdout and "MB smaller" in done.stdout
    assert "removed: 0 articles" in monitor("db", "prune", config=cfg).stdout


def test_retention_shorter_than_the_story_window_is_refused(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\nretention:\n  articles: 7d\n")
    out = monitor("db", "prune", config=cfg)
    assert out.returncode == 1
    assert "monitor.yaml:3:3: retention.articles: must be at least 14d" in out.stderr


@pytest.mark.usefixtures("info_logs")
def test_the_daemons_daily_job_applies_the_retention(tmp_path: Path) -> None:
    import asyncio

    from structlog.testing import capture_logs

    from monitor.app import App
    from monitor.config.settings import load_settings
    from monitor.daemon import RETENTION_EVERY_S, Daemon
    from monitor.watchlists.load import BUNDLED

    cfg = filled_config(tmp_path, f"watchlists: {BUNDLED}\nhttp:\n  listen: null\n")
    daemon = Daemon(App(load_settings(cfg)))
    with capture_logs() as logs:
        asyncio.run(daemon.retention_tick())
    done = next((e for e in logs if e["event"] == "retention applied"), None)
    assert done is not None, logs
    assert (done["articles_deleted"], done["texts_removed"], done["hits_deleted"]) == (31, 3, 14)
    assert RETENTION_EVERY_S == 86400


def test_old_digest_files_go_and_latest_stays(tmp_path: Path) -> None:
    import os
    from datetime import UTC, datetime, timedelta

    from monitor.digest.deliver import prune_digest_files

    folder = tmp_path / "data" / "digests"
    folder.mkdir(parents=True)
    now = datetime(2026, 12, 5, tzinfo=UTC)
    for name, age_days in (("digest-000001.html", 100), ("digest-000001.txt", 100),
                           ("digest-000002.json", 10), ("latest.html", 100)):  # fmt: skip
        f = folder / name
        f.write_text("x")
        t = (now - timedelta(days=age_days)).timestamp()
        os.utime(f, (t, t))
    cut = now - timedelta(days=90)
    assert prune_digest_files(folder, cut, dry_run=True) == 2
    assert len(list(folder.iterdir())) == 4
    assert prune_digest_files(folder, cut) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["digest-000002.json", "latest.html"]
    assert prune_digest_files(tmp_path / "none", cut) == 0
