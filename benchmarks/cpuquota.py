"""A CPU quota for a process and its children: a host of its own, on one machine.

Daemons on separate hosts each have their own cores. On one shared machine, N daemons
share its cores, so "N daemons poll N times as fast" cannot show there once one daemon
is near a core. A quota per daemon (a cgroup's CFS bandwidth: `cores` of CPU time per
period, whichever cores run it) gives each the same small host, so the scaling that is
measured is the cluster's (the database, the leases, the claims), not the machine's.
Each process is also held to one core: a quota alone lets one process spend its share
on both cores at once and then stall, which a host of one core cannot.

cgroup v2 (`cpu.max`) where the cpu controller is on the unified hierarchy, else v1
(`cpu.cfs_quota_us`). Needs root. The group is removed on close(); processes still in it
go back to the root group first.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PERIOD_US = 100_000
V2 = Path("/sys/fs/cgroup")
V1 = Path("/sys/fs/cgroup/cpu")


def _v2() -> bool:
    controllers = V2 / "cgroup.controllers"
    return controllers.exists() and "cpu" in controllers.read_text().split()


class CpuQuota:
    def __init__(self, name: str, cores: float) -> None:
        if cores <= 0:
            raise ValueError(f"a CPU quota needs cores > 0, not {cores}")
        self.cores = cores
        self.v2 = _v2()
        root = V2 if self.v2 else V1
        if not (root / "cgroup.procs").exists():
            raise SystemExit(f"no cgroup cpu controller at {root}: --cpu-per-daemon needs one")
        self.root = root
        self.path = root / f"news-monitor-bench-{name}"
        self.path.mkdir(exist_ok=True)
        quota = int(cores * PERIOD_US)
        if self.v2:
            (self.path / "cpu.max").write_text(f"{quota} {PERIOD_US}\n")
        else:
            (self.path / "cpu.cfs_period_us").write_text(f"{PERIOD_US}\n")
            (self.path / "cpu.cfs_quota_us").write_text(f"{quota}\n")

    def add(self, pid: int, core: int) -> None:
        """Moves a process in, on one core: a host of one slow core, which cannot spend
        its quota on two cores at once and then stall. The threads and children it starts
        afterwards are in as well, on the same core."""
        os.sched_setaffinity(pid, {core})
        (self.path / "cgroup.procs").write_text(f"{pid}\n")

    def counts(self) -> tuple[int, int]:
        """(periods the group ran in, periods the quota held it back in), so far."""
        stat = dict(
            line.split()
            for line in (self.path / "cpu.stat").read_text().splitlines()
            if len(line.split()) == 2
        )
        return int(stat.get("nr_periods", 0)), int(stat.get("nr_throttled", 0))

    def close(self) -> None:
        if not self.path.exists():
            return
        for pid in (self.path / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):  # ended in between
                (self.root / "cgroup.procs").write_text(f"{pid}\n")
        self.path.rmdir()


def throttled_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of periods in which the quota held a group back, between two counts."""
    periods = after[0] - before[0]
    return round((after[1] - before[1]) / periods, 3) if periods else 0.0
