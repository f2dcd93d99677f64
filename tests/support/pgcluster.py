"""Throwaway PostgreSQL clusters of this machine's server binaries, for failover tests
and benchmarks/cluster.py: a primary (initdb) and streaming standbys of it
(pg_basebackup), each on its own port and folder, run as the postgres user when
root. Trust authentication on 127.0.0.1 only, unless a primary is given more
addresses to listen on and pg_hba.conf lines for them; everything goes with
`remove()`."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]


def _as_postgres(*cmd: str | Path) -> list[str]:
    args = [str(c) for c in cmd]
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(*cmd: str | Path) -> str:
    out = subprocess.run(_as_postgres(*cmd), capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}: {out.stderr.strip() or out.stdout}")
    return out.stdout


class PgCluster:
    def __init__(self, folder: Path, port: int, listen: Sequence[str] = ("127.0.0.1",)) -> None:
        self.folder = folder
        self.port = port
        self.listen = tuple(listen)  # listen_addresses; psql uses 127.0.0.1

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{db}"

    @classmethod
    def primary(
        cls,
        port: int,
        listen: Sequence[str] = ("127.0.0.1",),
        hba: Sequence[str] = (),
        conf: Sequence[str] = (),
    ) -> PgCluster:
        """`hba`: more pg_hba.conf lines ("host all all 10.0.0.0/8 trust"), `conf`: more
        postgresql.conf lines ("log_lock_waits = on")."""
        c = cls(_folder(), port, listen)
        _run(BIN / "initdb", "-D", c.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-instructions")  # fmt: skip
        with (c.data / "pg_hba.conf").open("a") as f:
            f.write("host replication all 127.0.0.1/32 trust\n")
            f.writelines(f"{line}\n" for line in hba)
        with (c.data / "postgresql.conf").open("a") as f:
            f.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
            f.writelines(f"{line}\n" for line in conf)
        return c

    def standby(self, port: int) -> PgCluster:
        """A streaming standby of this (running) cluster."""
        c = PgCluster(_folder(), port)
        _run(BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-D", c.data, "-R", "-X", "stream", "--checkpoint=fast")  # fmt: skip
        return c

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses={','.join(self.listen)}"
        _run(BIN / "pg_ctl", "-D", self.data, "-l", self.folder / "log", "-o", opts, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        _run(BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def promote(self) -> None:
        _run(BIN / "pg_ctl", "-D", self.data, "-w", "promote")

    def sql(self, query: str, db: str = "postgres") -> str:
        out = _run(BIN / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                   "-d", db, "-Atc", query)  # fmt: skip
        return out.strip()

    def wait_replayed(self, primary: PgCluster, deadline_s: float = 60) -> None:
        """Until this standby has replayed what `primary` has written so far."""
        target = primary.sql("SELECT pg_current_wal_lsn()")
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t":
                return
            time.sleep(0.1)
        raise TimeoutError("the standby did not catch up")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):  # already down: nothing to stop
                self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="monitor-pg-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder
