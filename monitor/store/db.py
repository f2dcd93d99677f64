"""Engine set-up for SQLite and PostgreSQL, and migrations at start."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

import structlog
from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from monitor.errors import StoreError

log = structlog.get_logger()

# migrations/ at the top of the project, installed as the package monitor.migrations
# (pyproject's package-dir), so an installed wheel still upgrades its own database.
MIGRATIONS = "monitor.migrations"
_WRITE = "sqlite_write"
CONNECT_TIMEOUT_S = 10
# A daemon cut off by the network must not hold its row locks (FOR UPDATE on leased
# feeds) past its 2-minute leases, or the others' SKIP LOCKED claims pass those feeds
# by: the server ends a session idle in a transaction, or whose client stopped
# answering, within a minute; the client likewise gives up on a silent server.
PG_SESSION_LIMITS = {
    "keepalives": 1,
    "keepalives_idle": 20,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 50_000,
    "options": "-c idle_in_transaction_session_timeout=60s -c tcp_keepalives_idle=20 "
    "-c tcp_keepalives_interval=10 -c tcp_keepalives_count=3 -c tcp_user_timeout=50000",
}
_LOCK_ID = int.from_bytes(hashlib.sha256(b"news-monitor migrations").digest()[:8], "big") >> 1


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            folder = Path(u.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create {folder} for the database: {exc.strerror}"
                ) from exc
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No server-side prepared statements: a generic plan cached while a table was small
    # (a sequential scan) is kept for the connection's life where nothing re-analyzes
    # the table, and IN lists of articles then took 150 ms at 100,000 rows.
    connect_args = pg_connect_args(u.query)
    if u.get_driver_name() == "psycopg":
        connect_args["prepare_threshold"] = None
    engine = create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args=connect_args
    )
    event.listen(engine, "connect", _ServerWatch())
    return engine


def pg_connect_args(query: Mapping[str, object]) -> dict[str, object]:
    """libpq's connection limits, each unless the database URL sets it itself."""
    # A database cut off by the network drops packets rather than refusing: without
    # a bound, a connect would wait for the kernel's TCP timeout, minutes.
    limits: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_S, **PG_SESSION_LIMITS}
    return {k: v for k, v in limits.items() if k not in query}


class _ServerWatch:
    """Says so, once, when new connections reach another server than the last ones did:
    a multi-host URL after a failover (the pool replaces dead connections unnoticed)."""

    def __init__(self) -> None:
        self.server: str | None = None

    def __call__(self, dbapi_conn: Any, _record: Any) -> None:
        info = getattr(dbapi_conn, "info", None)
        where = f"{getattr(info, 'host', '?')}:{getattr(info, 'port', '?')}"
        if self.server is not None and where != self.server:
            log.warning("the database is another server now", now=where, was=self.server)
        self.server = where


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: the write lock is taken
    # up front, so concurrent writers wait on busy_timeout instead of failing.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # Space freed by retention goes back to the disk (store/retention.py). Takes effect
    # on a new file; an older one is converted once by upgrade().
    cur.execute("PRAGMA auto_vacuum=INCREMENTAL")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers (WRITE_OPTIONS) take the write lock up front, so they queue on
    # busy_timeout instead of failing to upgrade; readers must not take it.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def for_writing(engine: Engine) -> Engine:
    """The engine whose transactions write: BEGIN IMMEDIATE on SQLite."""
    return engine.execution_options(**{_WRITE: True})


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files(MIGRATIONS)))
    cfg.attributes["engine"] = engine
    return cfg


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, daemons starting together migrate one at a time."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_ID})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_ID})
            conn.commit()


def connection_error(url: URL, exc: DBAPIError) -> StoreError:
    """A database that cannot be reached, in one line: where (password hidden), why, and
    what to do about it."""
    where = url.render_as_string(hide_password=True)
    first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__
    reason = re.split(r"failed: (?:FATAL:\s*)?", first)[-1].strip()
    hint = ""
    if m := re.search(r'database "([^"]+)" does not exist', reason):
        hint = f" — create it with createdb {m.group(1)}"
    elif "Connection refused" in reason:
        hint = f" — is PostgreSQL running on {url.host or 'localhost'}:{url.port or 5432}?"
    elif "unable to open database file" in reason:
        hint = f" — can {Path(url.database or '.').parent} be written?"
    elif re.search(r"role .* does not exist|password authentication failed", reason):
        hint = " — check the user and password in `database:`"
    return StoreError(f"cannot connect to {where}: {reason}{hint}")


def check_connection(engine: Engine) -> None:
    """Connect once: a database that cannot be reached is one clear error, not a
    traceback from deep inside the first query."""
    try:
        with engine.connect():
            pass
    except (OperationalError, InterfaceError) as exc:
        raise connection_error(engine.url, exc) from exc


def upgrade(engine: Engine) -> None:
    check_connection(engine)
    with _migration_lock(engine):
        command.upgrade(alembic_config(for_writing(engine)), "head")
    if engine.dialect.name == "sqlite":
        _incremental_vacuum_on(engine)


_INCREMENTAL = 2  # PRAGMA auto_vacuum's value for INCREMENTAL


def _incremental_vacuum_on(engine: Engine) -> None:
    """A file made before retention existed has auto_vacuum off, and setting it takes one
    VACUUM (a copy of the file: once, at the first start after the upgrade)."""
    if engine.url.database in (None, "", ":memory:"):
        return
    raw = engine.raw_connection()  # VACUUM runs outside a transaction: no BEGIN event
    try:
        db = raw.driver_connection
        assert db is not None
        if db.execute("PRAGMA auto_vacuum").fetchone()[0] != _INCREMENTAL:
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            db.execute("VACUUM")
    finally:
        raw.close()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        except Exception:  # no table yet
            return None
    return row[0] if row else None
