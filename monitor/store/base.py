"""What every part of the store shares: the engine, sessions, write transactions, the clock.

Each public method of the store is one transaction. Rows never leave the store:
callers get the dataclasses of monitor.types or plain values.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from monitor.clock import Clock, utcnow
from monitor.errors import StoreError
from monitor.store.db import for_writing

_LOCK_FEEDS = text("SELECT id FROM feed WHERE id = ANY(:ids) ORDER BY id FOR UPDATE")

T = TypeVar("T")

CHUNK = 500  # ids or keys per IN list


def owner_id() -> str:
    """This process among the daemons sharing a database, as leases and claims name it:
    host, pid and a random tag (a pid is reused after a restart, containers all have 1)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def dead_here(owner: str, me: str) -> bool:
    """An owner that was a process on this host and is no more: its pid is gone, or is
    this process's own under another tag (a restart that got the same pid)."""
    host, _, rest = owner.partition(":")
    pid, _, _ = rest.partition(":")
    if host != me.partition(":")[0] or not pid.isdigit() or owner == me:
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def describe_db_error(exc: SQLAlchemyError) -> str:
    """The driver's reason in one line: SQLAlchemy's message adds the statement, its
    parameters and a link."""
    if isinstance(exc, DBAPIError):
        lines = str(exc.orig).strip().splitlines()
        return lines[0] if lines else type(exc.orig).__name__
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def store_error(what: str, exc: Exception) -> Exception:
    """A database error as a StoreError saying what was not stored and why; any other
    error as it is."""
    if isinstance(exc, SQLAlchemyError):
        return StoreError(f"{what}: {describe_db_error(exc)}")
    return exc


class StoreBase:
    fenced = 0  # feeds' results refused since start (entries, polls): their lease had passed

    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._writer = for_writing(engine)
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction. On SQLite, this process's writers take turns here:
        waiting on SQLite's own lock means its busy handler's sleeps, which cost
        more than the writes when many feeds finish at once."""
        with self._write_lock, Session(self._writer, expire_on_commit=False) as s, s.begin():
            yield s

    def lock_feeds(self, conn: Any, feed_ids: Sequence[int]) -> None:
        """PostgreSQL: lock these feeds' rows until the transaction ends, in id order, as
        every writer of several feeds does: writers that lock rows in their own orders
        can each wait for the other (a deadlock). SQLite writes one at a time."""
        if self.postgres and feed_ids:
            conn.execute(_LOCK_FEEDS, {"ids": sorted(set(feed_ids))})

    def insert(self, target: Any) -> Any:
        """INSERT with ON CONFLICT, in the dialect of the database."""
        dialect = postgresql if self.postgres else sqlite
        return dialect.insert(target)
