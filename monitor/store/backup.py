"""Backing the database up and restoring it: `monitor db backup | restore`.

SQLite: SQLite's own online backup, a consistent copy while the daemon writes (a copy
of the file alone would miss what the WAL still holds). PostgreSQL: pg_dump's custom
format and pg_restore, from the postgresql-client package; the password goes in
PGPASSWORD, not on a command line others can read.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from monitor.errors import StoreError


def backup(database_url: str, dest: Path) -> None:
    """Write a backup of the database to `dest` (made, or replaced)."""
    url = make_url(database_url)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{dest}: cannot make its folder: {exc.strerror}") from exc
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(_sqlite_file(url), dest)
        return
    _run(url, "pg_dump", "--format=custom", "--no-owner", f"--file={dest}")


def restore(database_url: str, src: Path) -> None:
    """Replace the database's content with the backup at `src`. Stop the daemons first:
    they would go on from what they hold in memory."""
    if not src.is_file():
        raise StoreError(f"{src}: no such backup file")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _copy_sqlite(src, _sqlite_file(url))
        return
    _run(
        url, "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", str(src)
    )


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise StoreError("an in-memory database has nothing to back up")
    return Path(url.database)


def _copy_sqlite(src: Path, dest: Path) -> None:
    try:
        a = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            b = sqlite3.connect(dest)
            try:
                a.backup(b)
            finally:
                b.close()
        finally:
            a.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{src} -> {dest}: {exc}") from exc


def _run(url: URL, tool: str, *args: str) -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise StoreError(f"{tool} not found: install PostgreSQL's client tools (postgresql-client)")
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # libpq's URL: no driver name, no password (in PGPASSWORD).
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    out = subprocess.run(
        [exe, f"--dbname={plain}", *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        detail = " ".join(out.stderr.split())[-500:] or f"exit {out.returncode}"
        raise StoreError(f"{tool}: {detail}")
