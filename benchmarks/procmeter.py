"""CPU time and memory of processes from /proc, by class of process (the daemons'
sessions, the feed farm, the PostgreSQL server's backends of a database and its
background processes), sampled every second so that processes that end are kept."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PG_BACKGROUND = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication launcher",
    "archiver",
    "stats collector",
)


def proc_stat(pid: int) -> tuple[int, int, float] | None:
    """(ppid, session, CPU seconds: user + system) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    f = raw.rsplit(")", 1)[1].split()
    return int(f[1]), int(f[3]), (int(f[11]) + int(f[12])) / TICK


def proc_title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class CpuMeter:
    """CPU seconds by class of process between start() and stop(). `classify(pid, ppid,
    session)` names a process's class, or None to leave it out. Sampled every second, so
    a process that ends in between keeps what it had used at its last sample."""

    def __init__(self, classify: Callable[[int, int, int], str | None]) -> None:
        self.classify = classify
        self.first: dict[int, tuple[str, float]] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> dict[int, tuple[str, float]]:
        out = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            st = proc_stat(pid)
            if st is None:
                continue
            cls = self.classify(pid, st[0], st[1])
            if cls is not None:
                out[pid] = (cls, st[2])
        return out

    def start(self) -> None:
        self.first = self.snapshot()
        self.last = dict(self.first)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.last.update(self.snapshot())

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.last.update(self.snapshot())
        out: dict[str, float] = defaultdict(float)
        for pid, (cls, cpu) in self.last.items():
            before = self.first.get(pid)
            out[cls] += cpu - (before[1] if before and before[0] == cls else 0.0)
        return dict(out)


class Classes:
    """Which process is whose: the daemons' sessions, the farm, the server's processes."""

    def __init__(self, postmaster: int, database: str, farm: int) -> None:
        self.postmaster, self.database, self.farm = postmaster, database, farm
        self.daemons: dict[int, str] = {}  # session id -> name
        self._titles: dict[int, str] = {}

    def __call__(self, pid: int, ppid: int, session: int) -> str | None:
        if session in self.daemons:
            return self.daemons[session]
        if pid == self.farm:
            return "farm"
        if ppid != self.postmaster:
            return None
        title = self._titles.get(pid) or proc_title(pid)
        self._titles[pid] = title
        if self.database in title.split():
            return "pg_run"
        if any(t in title for t in PG_BACKGROUND):
            return "pg_background"
        return "pg_other"


def postmaster_of(url: str) -> int:
    from sqlalchemy import text

    from monitor.store import open_store

    engine = open_store(url, migrate=False).engine
    with engine.connect() as c:  # the backend read while it lives: it ends with the connection
        st = proc_stat(int(c.execute(text("SELECT pg_backend_pid()")).scalar() or 0))
    engine.dispose()
    if st is None:
        raise SystemExit(f"the server of {url} is not a process of this machine")
    return st[0]
