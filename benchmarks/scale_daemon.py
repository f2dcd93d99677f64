"""`monitor run` under cluster_scale's shim: Store.claim_feeds and record_polls timed
into a file, the dispatcher's limits changed for a what-if, yappi on signals; and the
reading of that file. Started as `python -m benchmarks.scale_daemon TIMINGS IN_FLIGHT
EVERY --config FILE run`."""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent


def as_daemon(argv: list[str]) -> None:
    """`monitor run` with Store.claim_feeds and record_polls timed into a file (one line
    each: wall time, ms, thread CPU ms, rows asked, rows) and, if asked, the
    dispatcher's MAX_IN_FLIGHT and DISPATCH_EVERY_S changed."""
    timings, in_flight, every, *rest = argv
    import monitor.daemon as daemon_mod
    from monitor.store.feeds import FeedsMixin

    if int(in_flight):
        daemon_mod.MAX_IN_FLIGHT = int(in_flight)
    if float(every):
        daemon_mod.DISPATCH_EVERY_S = float(every)  # type: ignore[assignment]
    out = open(timings, "a", buffering=1)  # noqa: SIM115 (open for the process's life)
    lock = threading.Lock()
    claim, record = FeedsMixin.claim_feeds, FeedsMixin.record_polls

    def timed_claim(self: Any, owner: str, lease: Any, limit: Any = None, due: bool = True) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        got = claim(self, owner, lease, limit, due)
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
        with lock:
            out.write(f"claim {time.time():.3f} {ms:.3f} {cpu:.3f} {limit} {len(got)}\n")
        return got

    def timed_record(self: Any, records: Any) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        record(self, records)
        ms, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
        with lock:
            out.write(f"record {time.time():.3f} {ms:.3f} {cpu:.3f} 0 {len(records)}\n")

    FeedsMixin.claim_feeds = timed_claim  # type: ignore[method-assign]
    FeedsMixin.record_polls = timed_record  # type: ignore[method-assign]
    if profile_to := os.environ.get("SCALE_PROFILE"):
        profile_on_signals(Path(profile_to))
    from monitor.cli.main import main as monitor_main

    sys.argv = ["monitor", *rest]
    monitor_main()


def profile_on_signals(to: Path) -> None:
    """yappi (CPU clock, every thread) from SIGUSR1 to SIGUSR2; then each package's share
    of the profiled CPU, and the functions that took most, written to `to` as JSON."""
    import signal

    import yappi

    def on(*_: object) -> None:
        yappi.clear_stats()
        yappi.set_clock_type("cpu")
        yappi.start(builtins=False)

    def off(*_: object) -> None:
        yappi.stop()
        stats = list(yappi.get_func_stats())
        yappi.clear_stats()
        total = sum(f.tsub for f in stats) or 1.0
        groups: dict[str, float] = defaultdict(float)
        for f in stats:
            groups[package_of(f.module or f.name)] += f.tsub
        top = sorted(stats, key=lambda f: f.tsub, reverse=True)[:30]
        to.write_text(
            json.dumps(
                {
                    "profiled_cpu_s": round(total, 2),
                    "by_package_pct": {
                        k: round(100 * v / total, 1)
                        for k, v in sorted(groups.items(), key=lambda kv: -kv[1])[:20]
                    },
                    "top_functions_pct": [
                        [
                            f"{package_of(f.module)}:{f.name}:{f.lineno}",
                            round(100 * f.tsub / total, 1),
                        ]
                        for f in top
                    ],
                }
            )
        )

    signal.signal(signal.SIGUSR1, on)
    signal.signal(signal.SIGUSR2, off)


def package_of(module: str) -> str:
    """A module's file as a short name: the installed package, monitor's subpackage, or
    the standard library's module."""
    m = module.replace("\\", "/")
    if "site-packages/" in m:
        return m.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/monitor/" in m:
        rest = m.rsplit("/monitor/", 1)[1].split("/")
        return "monitor/" + rest[0].removesuffix(".py")
    if "/lib/python3" in m:
        rest = m.split("/lib/python3", 1)[1].split("/")
        return "stdlib/" + (rest[1].removesuffix(".py") if len(rest) > 1 else "?")
    return m


def timing_lines(path: Path, kind: str, start: float, end: float) -> list[tuple[float, ...]]:
    """(ms, cpu ms, asked, rows) of the timed calls of `kind` between start and end."""
    out = []
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[0] == kind and start <= float(parts[1]) <= end:
            limit = 0.0 if parts[4] == "None" else float(parts[4])
            out.append((float(parts[2]), float(parts[3]), limit, float(parts[5])))
    return out


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, max(0, int(len(s) * p + 0.5) - 1))], 2)


def call_stats(rows: list[tuple[float, ...]], seconds: float) -> dict[str, Any]:
    ms = [r[0] for r in rows]
    return {
        "calls": len(rows),
        "per_s": round(len(rows) / seconds, 2) if seconds else None,
        "rows_mean": round(statistics.mean(r[3] for r in rows), 1) if rows else None,
        "p50_ms": pct(ms, 0.5),
        "p99_ms": pct(ms, 0.99),
        "max_ms": round(max(ms), 2) if ms else None,
        "thread_cpu_ms_mean": round(statistics.mean(r[1] for r in rows), 3) if rows else None,
    }


def make_daemon(
    config: Path,
    log: Path,
    timings: Path,
    in_flight: int,
    every: float,
    env: dict[str, str] | None = None,
    quota: Any = None,
    core: int = 0,
) -> Any:
    import subprocess

    from benchmarks.chaoslib import Daemon

    class TimedDaemon(Daemon):
        def start(self) -> None:
            out = self.log.open("ab")
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.scale_daemon", str(timings),
                 str(in_flight), str(every), "--config", str(self.config), "run"],
                cwd=REPO, stdout=out, stderr=out, start_new_session=True,
                env={**os.environ, **(self.env or {})},
            )  # fmt: skip
            if quota is not None:  # before it starts its workers: they are in it too
                quota.add(self.proc.pid, core)
            self.starts += 1

    return TimedDaemon(config, log, env)


if __name__ == "__main__":
    as_daemon(sys.argv[1:])
