"""Clocks that disagree: daemons on PostgreSQL take their time from the database, so a
daemon 5 minutes fast does not take a lease a daemon 5 minutes slow still holds."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from monitor.clock import Clock, utcnow
from monitor.store import Store, open_store
from monitor.store.db import make_engine
from monitor.store.dbclock import DatabaseClock
from monitor.types import FeedSource

FIVE = timedelta(minutes=5)
LEASE = timedelta(minutes=2)


def skewed(by: timedelta) -> Clock:
    return lambda: utcnow() + by


def db_now(store: Store) -> object:
    with store.engine.connect() as c:
        return c.execute(text("SELECT clock_timestamp()")).scalar_one()


def test_the_database_clock_reads_the_databases_time(pg_url: str) -> None:
    engine = make_engine(pg_url)
    for by in (FIVE, -FIVE):
        clock = DatabaseClock(engine, local=skewed(by))
        read = clock()
        with engine.connect() as c:
            truth = c.execute(text("SELECT clock_timestamp()")).scalar_one()
        assert abs((read - truth).total_seconds()) < 2, by
        assert abs((clock.offset + by).total_seconds()) < 2
    engine.dispose()


def test_it_measures_once_a_minute_and_keeps_the_offset_when_the_database_is_away(
    pg_url: str,
) -> None:
    ticks = [0.0]
    clock = DatabaseClock(make_engine(pg_url), local=skewed(FIVE), monotonic=lambda: ticks[0])
    clock()
    offset = clock.offset
    clock.local = skewed(2 * FIVE)  # this machine's clock jumps
    ticks[0] = 30.0
    clock()
    assert clock.offset == offset  # not measured again within the minute
    ticks[0] = 61.0
    clock()
    assert abs((clock.offset + 2 * FIVE).total_seconds()) < 2
    away = DatabaseClock(make_engine("postgresql+psycopg://x@127.0.0.1:1/none"))
    assert abs((away() - utcnow()).total_seconds()) < 2  # no offset known: its own time


def claimers(pg_url: str, with_db_clock: bool) -> tuple[Store, Store]:
    fast, slow = skewed(FIVE), skewed(-FIVE)
    if with_db_clock:
        engine = make_engine(pg_url)
        fast, slow = DatabaseClock(engine, local=fast), DatabaseClock(engine, local=slow)
    return open_store(pg_url, clock=slow), open_store(pg_url, clock=fast)


def test_a_fast_daemon_does_not_take_a_slow_daemons_lease(pg_url: str) -> None:
    # Without the database's time, the fast daemon thinks the slow one's lease long
    # gone: the feed would be fetched twice within its interval.
    slow, fast = claimers(pg_url, with_db_clock=False)
    slow.sync_feeds([FeedSource("https://a.example/feed", "A", 900)])
    assert [f.lease for f in slow.claim_feeds("slow", LEASE)] == ["slow"]
    assert [f.lease for f in fast.claim_feeds("fast", LEASE)] == ["fast"]  # stolen
    slow.release_leases("fast")
    # With it, the lease holds for both.
    slow, fast = claimers(pg_url, with_db_clock=True)
    assert [f.lease for f in slow.claim_feeds("slow", LEASE)] == ["slow"]
    assert fast.claim_feeds("fast", LEASE) == []
    for s in (slow, fast):
        s.engine.dispose()


def test_open_store_takes_the_databases_time_on_postgresql(pg_url: str, sqlite_url: str) -> None:
    pg, lite = open_store(pg_url), open_store(sqlite_url)
    assert isinstance(pg.clock, DatabaseClock) and lite.clock is utcnow
    pg.engine.dispose()
    lite.engine.dispose()
