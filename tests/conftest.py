"""Shared fixtures: databases (SQLite and PostgreSQL), an SMTP sink, a webhook receiver,
a canary server. Nothing here needs the internet."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from monitor.logs import setup_logging
from monitor.store import Store, open_store
from tests.support.mail import SmtpSink
from tests.support.net import Canary, WebhookReceiver

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
PG_ADMIN = os.environ.get("MONITOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

setup_logging("WARNING", json=True)


# Marks given by what a test needs, not by hand: `make test-fast` leaves these out.
SLOW_FILES = {"test_browser.py": "browser", "test_packaging.py": "wheel"}
SLOW_TESTS = {"test_install_script_makes_a_working_monitor": "wheel"}  # installs in a venv


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if mark := SLOW_FILES.get(item.path.name) or SLOW_TESTS.get(item.originalname):  # type: ignore[attr-defined]
            item.add_marker(getattr(pytest.mark, mark))
        params = getattr(item, "callspec", None)
        on_pg = params is not None and params.params.get("db_url") == "postgres"
        if on_pg or "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def info_logs() -> Iterator[None]:
    """Logs at INFO, as JSON lines, for the test; the suite's WARNING after it."""
    setup_logging("INFO", json=True)
    yield
    setup_logging("WARNING", json=True)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database per test, dropped afterwards."""
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # the suite needs PostgreSQL: say so plainly
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = open_store(sqlite_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()
