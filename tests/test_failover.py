"""A PostgreSQL failover under a running store: the libpq multi-host URL of the README
(`target_session_attrs=read-write`) finds the promoted standby without a restart, and
what was committed and replicated before is there."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from structlog.testing import capture_logs

from monitor.errors import StoreError
from monitor.store import open_store
from monitor.types import FeedSource
from tests.support.net import free_port
from tests.support.pgcluster import PgCluster

pytestmark = pytest.mark.slow


@pytest.fixture
def pair() -> Iterator[tuple[PgCluster, PgCluster]]:
    if os.geteuid() != 0:
        pytest.skip("runs PostgreSQL clusters as the postgres user: needs root (CI runs as root)")
    primary = PgCluster.primary(free_port())
    standby: PgCluster | None = None
    try:
        primary.start()
        primary.sql("CREATE DATABASE monitor")
        standby = primary.standby(free_port())
        standby.start()
        yield primary, standby
    finally:
        for c in (standby, primary):
            if c is not None:
                c.remove()


def test_a_multi_host_url_finds_the_new_primary_after_a_failover(
    pair: tuple[PgCluster, PgCluster],
) -> None:
    primary, standby = pair
    # the standby first: read-only, so the read-write session goes to the primary
    url = (
        "postgresql+psycopg://postgres@/monitor?"
        f"host=127.0.0.1:{standby.port}&host=127.0.0.1:{primary.port}"
        "&target_session_attrs=read-write"
    )
    store = open_store(url)
    store.sync_feeds([FeedSource("https://a.example/feed", "A", 900)])
    with store.engine.connect() as c:
        assert c.execute(text("SELECT inet_server_port()")).scalar() == primary.port
    standby.wait_replayed(primary)
    primary.stop()  # the old primary goes away ...
    standby.promote()  # ... and the standby takes over
    # The same store, no restart: the first statements may meet the dead connections;
    # then the URL's next host, now read-write, answers.
    deadline = time.monotonic() + 30
    with capture_logs() as logs:
        while True:
            try:
                store.sync_feeds([FeedSource("https://a.example/feed", "A", 900),
                                  FeedSource("https://b.example/feed", "B", 900)])  # fmt: skip
                break
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    # the operator reads it once: another server now, where
    [moved] = [e for e in logs if e["event"] == "the database is another server now"]
    assert moved["now"].endswith(f":{standby.port}") and moved["log_level"] == "warning"
    with store.engine.connect() as c:
        assert c.execute(text("SELECT inet_server_port()")).scalar() == standby.port
    urls = sorted(s.url for s in store.feed_statuses())
    assert urls == ["https://a.example/feed", "https://b.example/feed"]  # the first survived
    store.engine.dispose()


@pytest.mark.parametrize(
    ("query", "kept", "dropped"),
    [
        ({}, {"connect_timeout": 10, "tcp_user_timeout": 50_000, "keepalives": 1}, ()),
        ({"connect_timeout": "3"}, {"keepalives_idle": 20}, ("connect_timeout",)),
        ({"options": "-c search_path=x"}, {"keepalives_count": 3}, ("options",)),
    ],
)
def test_the_connection_limits_give_way_to_the_urls_own(
    query: dict[str, str], kept: dict[str, object], dropped: tuple[str, ...]
) -> None:
    from monitor.store.db import pg_connect_args

    args = pg_connect_args(query)
    assert {k: args[k] for k in kept} == kept
    assert not set(dropped) & set(args)


def test_a_silent_daemon_cannot_hold_its_locks_past_its_leases(pg_url: str) -> None:
    # The server ends a session idle in a transaction, or whose client went silent,
    # within a minute: a partitioned daemon's FOR UPDATE locks go before its 2-min leases.
    store = open_store(pg_url)
    try:
        with store.engine.connect() as c:
            got = {
                name: c.execute(text(f"SHOW {name}")).scalar()
                for name in (
                    "idle_in_transaction_session_timeout",
                    "tcp_user_timeout",
                    "tcp_keepalives_idle",
                )
            }
    finally:
        store.engine.dispose()
    assert got == {
        "idle_in_transaction_session_timeout": "1min",
        "tcp_user_timeout": "50000",
        "tcp_keepalives_idle": "20",
    }
