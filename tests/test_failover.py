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
