"""Scale: 100,000 feeds polled by 1, 2 and 4 daemons sharing one PostgreSQL database.

A local feed farm (benchmarks/feedfarm.py, its own process) serves FEEDS small feeds
over HOSTS loopback addresses, each with an ETag, and answers 304 to the matching
If-None-Match; it logs the time and status of every feed request. The feeds are given
to the daemons as five OPML files, one per interval (5 min, 10 min, 15 min, 30 min,
1 h; a feed's interval is drawn at random), named in monitor.yaml (`- opml: … every:`):
monitor.yaml itself cannot hold them (the file is capped at 2 MB, some 36,000 feed
entries, and ruamel reads 10,000 entries in about 4.5 s).

For each daemon count, a fresh database on the server of --db: the config synced as
the daemon syncs it (load_settings, feed_sources, Store.sync_feeds, timed), then each
feed given the validators a first poll would have left (its ETag) and a next poll a day
away, and VACUUM ANALYZE. The daemons start (`monitor run`, each in its own session,
HTTP listener on a free port as by default; timed to their "daemon started"), then:

(a) throughput: every feed made due at once (overdue by 0-60 min, in random order);
    polls/s in total over --backlog-seconds, or until every feed was polled once.
(b) lateness: the daemons drained, then each feed's next poll spread over its interval
    from a few seconds ahead, for --minutes. A poll's lateness is its arrival at the
    farm minus its due time: the first due time is the one seeded; each later one is
    the previous arrival plus the interval (the daemon schedules from the time it
    records the poll, a little after the fetch: so lateness is, if anything, overstated).
    Late: more than 10% of the interval, or not polled by then. Only due times whose
    10% mark falls inside the window are counted (in 3 minutes, none of the 30-minute
    and hourly feeds': their polls are in the lateness figures, not in the late count;
    --minutes 7 decides some of each).

CPU, from /proc (user + system), sampled every second so that processes that end are
kept: each daemon's session (the daemon and its parser workers); the backends of the
run's database on the server of --db (`postgres: … <database> …`), with VACUUM of the
feed table every --vacuum-every seconds among them (the server of this machine runs with
autovacuum off; production would run autovacuum); the server's background processes
(checkpointer, WAL writer, …) apart, as they also serve other databases; the farm's.

The claim of due feeds: the daemons run under a shim that times each Store.claim_feeds
(statement and commit, as the dispatcher's thread sees it) and each record_polls; and
cluster.py's lease measurement (lease_run: claims of 64 at 10k and 100k feeds, the
clock a second on per claim) with the CPU of each claim, client and server. The
database's size at the end of each run.

    python benchmarks/cluster_scale.py scale [--feeds 100000] [--daemons 1 2 4]
        [--minutes 3] [--backlog-seconds 60] [--hosts 250] [--concurrency 16]
        [--per-host 2] [--vacuum-every 60] [--no-listener] [--max-in-flight N]
        [--dispatch-every S] [--profile] [--no-lease] [--rounds 300] [--db URL]
        [--cpu-per-daemon CORES] [--json] [--out FILE]

--cpu-per-daemon gives each daemon (and its parser workers) that much CPU time, a host of
its own (benchmarks/cpuquota.py; root): without it, 1, 2 and 4 daemons share this
machine's cores, and once one daemon is near a core the rate of 4 says more about the
machine than about the cluster. The table says how often each quota held its daemon back.

--max-in-flight and --dispatch-every change the daemon's MAX_IN_FLIGHT (1000) and
DISPATCH_EVERY_S (5) in the shim: a what-if, not the product as shipped. --profile:
yappi in the first daemon during the backlog (its shares by package; yappi slows the
daemon several times over, so the rates of that run mean nothing). --minutes 0: the
backlog only. Progress goes to stderr, the table (or --json) to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
INTERVALS = (300, 600, 900, 1800, 3600)
LABELS = {300: "5m", 600: "10m", 900: "15m", 1800: "30m", 3600: "1h"}
TICK = os.sysconf("SC_CLK_TCK")
LATE_SHARE = 0.10  # late: by more than this share of the interval
PG_BACKGROUND = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication launcher",
    "archiver",
    "stats collector",
)


def say(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


# -- the daemon, timed ---------------------------------------------------------------


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
                [sys.executable, "-m", "benchmarks.cluster_scale", "--as-daemon", str(timings),
                 str(in_flight), str(every), "--config", str(self.config), "run"],
                cwd=REPO, stdout=out, stderr=out, start_new_session=True,
                env={**os.environ, **(self.env or {})},
            )  # fmt: skip
            if quota is not None:  # before it starts its workers: they are in it too
                quota.add(self.proc.pid, core)
            self.starts += 1

    return TimedDaemon(config, log, env)


# -- CPU from /proc ----------------------------------------------------------------------


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


# -- the config and the database ---------------------------------------------------------


def feed_index(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def write_feeds(folder: Path, farm: Any, feeds: int, seed: int) -> dict[int, int]:
    """Five OPML files, one per interval; returns each feed's interval."""
    rnd = random.Random(seed)
    every = {i: rnd.choice(INTERVALS) for i in range(feeds)}
    for iv in INTERVALS:
        outlines = "".join(
            f'<outline type="rss" text="f{i}" xmlUrl={quoteattr(farm.url(i))}/>\n'
            for i in range(feeds)
            if every[i] == iv
        )
        (folder / f"feeds-{LABELS[iv]}.opml").write_text(
            f'<?xml version="1.0"?>\n<opml version="2.0"><head><title>{LABELS[iv]}</title>'
            f"</head><body>\n{outlines}</body></opml>\n"
        )
    return every


def write_config(path: Path, database: str, args: argparse.Namespace) -> Path:
    feeds = "".join(
        f"  - opml: feeds-{LABELS[iv]}.opml\n    every: {LABELS[iv]}\n" for iv in INTERVALS
    )
    listen = "null" if args.no_listener else "127.0.0.1:0"
    path.write_text(
        f"database: {database}\nwatchlists: {REPO / 'watchlists'}\n"
        "fetch:\n  allow_private_networks: true\n  respect_robots: false\n"
        f"  concurrency: {args.concurrency}\n  per_host: {args.per_host}\n"
        f"http:\n  listen: {listen}\n"
        f"feeds:\n{feeds}"
    )
    return path


def seed(url: str, config: Path) -> dict[str, Any]:
    """The config synced as the daemon syncs it, then each feed as after a first poll
    that found nothing new: its ETag stored, its next poll a day away."""
    from sqlalchemy import text

    from monitor.config.settings import load_settings
    from monitor.config.sources import feed_sources
    from monitor.store import open_store

    t0 = time.perf_counter()
    store = open_store(url)
    t1 = time.perf_counter()
    sources = feed_sources(load_settings(config))
    t2 = time.perf_counter()
    store.sync_feeds(sources)
    t3 = time.perf_counter()
    store.sync_feeds(sources)  # as every later start does: nothing to change
    t4 = time.perf_counter()
    with store.engine.begin() as c:
        c.execute(
            text(
                "UPDATE feed SET etag = '\"e' || substring(url from '/f/([0-9]+)$') || '\"', "
                "last_polled_at = now(), last_success_at = now(), "
                "next_poll_at = now() + interval '1 day'"
            )
        )
    vacuum(store.engine, "VACUUM ANALYZE feed")
    store.engine.dispose()
    return {
        "migrate_s": round(t1 - t0, 2),
        "config_load_s": round(t2 - t1, 2),
        "first_sync_s": round(t3 - t2, 2),
        "unchanged_sync_s": round(t4 - t3, 2),
        "feeds": len(sources),
    }


def vacuum(engine: Any, sql: str = "VACUUM feed") -> float:
    from sqlalchemy import text

    t0 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(sql))
    return time.perf_counter() - t0


def scalar(engine: Any, sql: str, **params: Any) -> Any:
    from sqlalchemy import text

    with engine.begin() as c:
        return c.execute(text(sql), params).scalar()


class Vacuumer:
    """VACUUM of the feed table every `every_s` seconds, as autovacuum would."""

    def __init__(self, engine: Any, every_s: float) -> None:
        self.engine, self.every_s = engine, every_s
        self.took: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if every_s > 0:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            with contextlib.suppress(Exception):
                self.took.append(vacuum(self.engine))

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# -- lateness ------------------------------------------------------------------------------


def lateness(
    due: dict[int, tuple[float, int]],
    log: tuple[Any, Any, Any],
    start: float,
    end: float,
) -> dict[str, Any]:
    """Late polls among the due times whose 10% mark falls before `end` (those after it
    are undecided: on time so far), and the lateness of every poll in the window."""
    ids, times, _ = log
    fetched: dict[int, list[float]] = defaultdict(list)
    for i, t in zip(ids, times, strict=True):
        if t >= start - 60:
            fetched[i].append(t)
    late = early = counted = missed = 0
    late_s: list[float] = []
    share: list[float] = []
    by_interval: dict[int, list[int]] = {iv: [0, 0] for iv in INTERVALS}
    for i, (d, iv) in due.items():
        for t in [*sorted(fetched.get(i, ())), None]:
            decided = d + LATE_SHARE * iv <= end
            if t is None:
                if decided:  # due, and not polled by its 10% mark
                    counted += 1
                    late += 1
                    missed += 1
                    by_interval[iv][0] += 1
                    by_interval[iv][1] += 1
                break
            early += t < d - 1
            late_s.append(t - d)
            share.append((t - d) / iv)
            if decided:
                counted += 1
                by_interval[iv][0] += 1
                if t - d > LATE_SHARE * iv:
                    late += 1
                    by_interval[iv][1] += 1
            d = t + iv  # the next due time: this poll's, an interval on
    return {
        "polls_timed": len(late_s),
        "due_polls_counted": counted,
        "late_polls": late,
        "late_share_pct": round(100 * late / counted, 3) if counted else None,
        "not_polled_by_10pct": missed,
        "polled_early": early,
        "lateness_s_p50": pct(late_s, 0.5),
        "lateness_s_p99": pct(late_s, 0.99),
        "lateness_s_max": round(max(late_s), 2) if late_s else None,
        "lateness_share_of_interval_p99_pct": (
            round(100 * (pct(share, 0.99) or 0), 2) if share else None
        ),
        "late_by_interval": {LABELS[iv]: f"{b}/{a}" for iv, (a, b) in by_interval.items()},
    }


# -- one daemon count -------------------------------------------------------------------------


def per_poll(cpu: dict[str, float], polls: int, names: list[str]) -> dict[str, Any]:
    daemons = sum(cpu.get(n, 0.0) for n in names)
    n = max(polls, 1)
    return {
        "daemons_cpu_s": round(daemons, 2),
        "daemons_cpu_ms_per_poll": round(daemons * 1000 / n, 3),
        "each_daemon_cpu_s": [round(cpu.get(name, 0.0), 2) for name in names],
        "postgres_cpu_ms_per_poll": round(cpu.get("pg_run", 0.0) * 1000 / n, 3),
        "postgres_background_cpu_ms_per_poll": round(cpu.get("pg_background", 0.0) * 1000 / n, 3),
        "postgres_other_databases_cpu_s": round(cpu.get("pg_other", 0.0), 2),
        "farm_cpu_ms_per_poll": round(cpu.get("farm", 0.0) * 1000 / n, 3),
    }


def in_window(log: tuple[Any, Any, Any], start: float, end: float) -> dict[str, int]:
    ids, times, status = log
    out: dict[str, int] = defaultdict(int)
    seen: set[int] = set()
    for i, t, s in zip(ids, times, status, strict=True):
        if start <= t <= end:
            out[str(s)] += 1
            seen.add(i)
    out["total"] = sum(out.values())
    out["feeds"] = len(seen)
    return dict(out)


def warnings_in(logs: list[Path]) -> dict[str, int]:
    """The daemons' warnings, counted by event and error (numbers and times as N)."""
    import re

    found: dict[str, int] = defaultdict(int)
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if '"level": "warning"' not in line:
                continue
            with contextlib.suppress(ValueError):
                rec = json.loads(line)
                what = str(rec.get("event", "?"))
                if rec.get("error"):
                    what += f": {rec['error']}"
                what = re.sub(r"\(trigger: [^)]*\)", "", what)
                found[re.sub(r"\d+(?:[.:]\d+)*", "N", what)[:160]] += 1
    return dict(found)


def wait_started(ds: list[Any], timeout_s: float) -> list[float | None]:
    started: list[float | None] = [None] * len(ds)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s and None in started:
        for k, d in enumerate(ds):
            if started[k] is None and "daemon started" in d.log.read_text(errors="replace"):
                started[k] = round(time.monotonic() - t0, 1)
            if not d.alive:
                raise SystemExit(f"a daemon exited at start; see {d.log}")
        time.sleep(0.5)
    return started


def one_count(
    n: int, args: argparse.Namespace, farm: Any, every: dict[int, int], tmp: Path
) -> dict[str, Any]:
    import signal

    from benchmarks.chaoslib import log_problems, wait_until
    from benchmarks.cluster import drop_db, fresh_db
    from monitor.store import open_store

    name = f"monitor_scale_{args.feeds}_{n}"
    url = fresh_db(args.db, name)
    ds: list[Any] = []
    quotas: list[Any] = []
    engine: Any = None
    vac: Vacuumer | None = None
    out: dict[str, Any] = {"daemons": n, "load_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        config = write_config(tmp / f"monitor-{n}.yaml", url, args)
        say(f"{n} daemon(s): seeding {args.feeds} feeds")
        out["seed"] = seed(url, config)
        engine = open_store(url, migrate=False).engine
        out["db_size_mb_seeded"] = round(
            scalar(engine, "SELECT pg_database_size(current_database())") / 2**20, 1
        )
        classes = Classes(postmaster_of(url), name, farm.pid)
        timings = tmp / f"timings-{n}.txt"
        profile = tmp / f"profile-{n}.json"
        if args.cpu_per_daemon:
            from benchmarks.cpuquota import CpuQuota

            quotas = [CpuQuota(f"{n}-{k}", args.cpu_per_daemon) for k in range(n)]
        ds = [
            make_daemon(config, tmp / f"daemon-{n}-{k}.log", timings, args.max_in_flight,
                        args.dispatch_every,
                        {"SCALE_PROFILE": str(profile)} if args.profile and k == 0 else None,
                        quotas[k] if quotas else None, k % (os.cpu_count() or 1))
            for k in range(n)
        ]  # fmt: skip
        for d in ds:
            d.start()
        names = [f"daemon{k}" for k in range(n)]
        for d, nm in zip(ds, names, strict=True):
            classes.daemons[d.proc.pid] = nm
        out["daemon_start_s"] = wait_started(ds, 600)
        time.sleep(3)

        # (a) the backlog: every feed due at once
        say(f"{n} daemon(s): backlog")
        farm.reset()
        meter = CpuMeter(classes)
        vac = Vacuumer(engine, args.vacuum_every)
        scalar(
            engine,
            "WITH u AS (UPDATE feed SET next_poll_at = now() - random() * interval '3600 s' "
            "RETURNING 1) SELECT count(*) FROM u",
        )
        t_due = time.time()
        while farm.counts()["total"] == 0 and time.time() - t_due < 30:
            time.sleep(0.2)
        meter.start()
        held = [q.counts() for q in quotas]
        if args.profile:
            os.kill(ds[0].proc.pid, signal.SIGUSR1)
        t0 = time.time()
        while time.time() - t0 < args.backlog_seconds:
            time.sleep(1)
            if farm.counts()["total"] >= args.feeds:
                break
        t1 = time.time()
        cpu = meter.stop()
        if args.profile:
            os.kill(ds[0].proc.pid, signal.SIGUSR2)
        log = farm.log()
        got = in_window(log, t0, t1)
        polls = got.get("304", 0)
        polled = {i for i, t in zip(log[0], log[1], strict=True) if t >= t_due}
        out["backlog"] = {
            "seconds": round(t1 - t0, 1),
            "first_poll_after_due_s": round(t0 - t_due, 1),
            "requests": got,
            "polls_per_s": round(polls / (t1 - t0), 1),
            "all_polled_once": len(polled) >= args.feeds,
            **per_poll(cpu, polls, names),
            "claims": call_stats(timing_lines(timings, "claim", t0, t1), t1 - t0),
            "record_polls": call_stats(timing_lines(timings, "record", t0, t1), t1 - t0),
            "load": [round(x, 2) for x in os.getloadavg()],
        }
        if quotas:
            from benchmarks.cpuquota import throttled_share

            out["backlog"]["throttled_share"] = [
                throttled_share(h, q.counts()) for h, q in zip(held, quotas, strict=True)
            ]
        if args.profile and wait_until(profile.exists, 120):
            out["backlog"]["profile_daemon0"] = json.loads(profile.read_text())
        say(f"{n} daemon(s): backlog {out['backlog']['polls_per_s']} polls/s")

        # Drained: nothing due, no lease held. The rows the daemons hold locked (a claim
        # or a poll's record being written) are skipped, not waited for: one UPDATE of
        # every row would deadlock with their record_polls (each batch locks its rows in
        # its own order), and PostgreSQL would fail the daemon's batch. Those rows end
        # up an interval away (or a day, when they are updated here later).
        scalar(
            engine,
            "WITH u AS (UPDATE feed SET next_poll_at = now() + interval '1 day' WHERE id IN "
            "(SELECT id FROM feed FOR UPDATE SKIP LOCKED) RETURNING 1) SELECT count(*) FROM u",
        )
        t_drain = time.time()
        while scalar(engine, "SELECT count(*) FROM feed WHERE lease_until > now()"):
            if time.time() - t_drain > 180:
                break
            time.sleep(1)
        out["drain_s"] = round(time.time() - t_drain, 1)

        vac.stop()
        # (b) the steady state
        if args.minutes > 0:
            say(f"{n} daemon(s): steady state, {args.minutes} min")
            vacuum(engine)
            from sqlalchemy import text

            with engine.begin() as c:
                epoch = (
                    float(c.execute(text("SELECT extract(epoch FROM now())")).scalar() or 0) + 10
                )
                rows = c.execute(
                    text(
                        "UPDATE feed SET next_poll_at = to_timestamp(:e) "
                        "+ random() * interval_s * interval '1 s' "
                        "RETURNING url, interval_s, extract(epoch FROM next_poll_at)"
                    ),
                    {"e": epoch},
                ).all()
            farm.reset()
            due = {feed_index(u): (float(t), int(iv)) for u, iv, t in rows}
            expected = sum(1 / iv for _, iv in due.values())
            vac = Vacuumer(engine, args.vacuum_every)
            time.sleep(max(0.0, epoch - time.time()))
            meter = CpuMeter(classes)
            meter.start()
            start = time.time()
            end = start + args.minutes * 60
            time.sleep(max(0.0, end - time.time()))
            cpu = meter.stop()
            vac.stop()
            log = farm.log()
            got = in_window(log, start, end)
            polls = got.get("304", 0)
            out["steady"] = {
                "seconds": round(end - start, 1),
                "demand_polls_per_s": round(expected, 1),
                "requests": got,
                "polls_per_s": round(polls / (end - start), 1),
                **lateness(due, log, start, end),
                **per_poll(cpu, polls, names),
                "claims": call_stats(timing_lines(timings, "claim", start, end), end - start),
                "record_polls": call_stats(
                    timing_lines(timings, "record", start, end), end - start
                ),
                "vacuums": len(vac.took),
                "vacuum_s_mean": round(statistics.mean(vac.took), 2) if vac.took else None,
                "load": [round(x, 2) for x in os.getloadavg()],
            }
            s = out["steady"]
            say(f"{n} daemon(s): steady {s['polls_per_s']} polls/s, late {s['late_share_pct']}%")
        sessions = {d.proc.pid for d in ds if d.proc is not None}
        tree = [
            int(p)
            for p in os.listdir("/proc")
            if p.isdigit() and (st := proc_stat(int(p))) is not None and st[1] in sessions
        ]
        out["daemon_rss_mb"] = [round(rss_mb(d.proc.pid), 1) for d in ds if d.proc is not None]
        out["daemon_tree_rss_mb"] = round(sum(rss_mb(p) for p in tree), 1)
        out["db_size_mb_end"] = round(
            scalar(engine, "SELECT pg_database_size(current_database())") / 2**20, 1
        )
        out["feed_table_mb_end"] = round(
            scalar(engine, "SELECT pg_total_relation_size('feed')") / 2**20, 1
        )
        engine.dispose()
    finally:
        exits = [d.stop() for d in ds]
        for q in quotas:
            q.close()
        out["clean_exits"] = sum(e == 0 for e in exits)
        out["log"] = {
            k: sum(log_problems(d.log)[k] for d in ds) for k in ("tracebacks", "error_lines")
        }
        out["log"]["warnings"] = warnings_in([d.log for d in ds])
        if vac is not None:
            vac.stop()
        if engine is not None:
            engine.dispose()
        try:
            drop_db(args.db, name)
        except Exception:  # a connection left behind by an error: ended, then dropped
            from sqlalchemy import text

            from monitor.store import open_store as open_admin

            admin = open_admin(args.db, migrate=False).engine
            with admin.begin() as c:
                c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()
    return out


# -- the lease query (cluster.py's lease_run) ---------------------------------------------


def lease_figures(args: argparse.Namespace, feeds: int) -> dict[str, Any]:
    """cluster.py's lease_run (indexed), each claim's CPU added: the claiming thread's
    and the server backends' of its database."""
    import benchmarks.cluster as cl

    name = f"monitor_scale_lease_{feeds}"
    url = cl.fresh_db(args.db, name)
    acc = {"claims": 0, "client_cpu_s": 0.0, "server_cpu_s": 0.0}
    real_open = cl.open_store
    postmaster = postmaster_of(url)
    backends: list[int] = []

    def server_cpu() -> float:
        if not backends:
            for p in os.listdir("/proc"):
                st = proc_stat(int(p)) if p.isdigit() else None
                if st and st[0] == postmaster and name in proc_title(int(p)).split():
                    backends.append(int(p))
        return sum(st[2] for p in backends if (st := proc_stat(p)) is not None)

    def opened(u: str, **kw: Any) -> Any:
        store = real_open(u, **kw)
        claim = store.claim_feeds

        def timed(*a: Any, **k: Any) -> Any:
            s0, c0 = server_cpu(), time.thread_time()
            got = claim(*a, **k)
            acc["client_cpu_s"] += time.thread_time() - c0
            acc["server_cpu_s"] += server_cpu() - s0
            acc["claims"] += 1
            return got

        store.claim_feeds = timed
        return store

    cl.open_store = opened  # type: ignore[assignment]
    try:
        r = cl.lease_run(url, feeds, args.rounds, True, args.seed)
    finally:
        cl.open_store = real_open  # type: ignore[assignment]
        cl.drop_db(args.db, name)
    n = max(acc["claims"], 1)
    return {
        "feeds": feeds,
        "claims": r["claims"],
        "feeds_claimed": r["feeds_claimed"],
        "p50_ms": r["p50_ms"],
        "p99_ms": r["p99_ms"],
        "client_cpu_ms_per_claim": round(acc["client_cpu_s"] * 1000 / n, 3),
        "server_cpu_ms_per_claim": round(acc["server_cpu_s"] * 1000 / n, 3),
        "plan": r["plan"],
    }


# -- the whole run ---------------------------------------------------------------------------


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "scale", help="100,000 feeds polled by 1, 2 and 4 daemons: polls/s, lateness, CPU"
    )
    p.add_argument("--feeds", type=int, default=100_000)
    p.add_argument("--daemons", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--minutes", type=float, default=3.0, help="of the steady state, per count")
    p.add_argument("--backlog-seconds", type=float, default=60.0)
    p.add_argument("--hosts", type=int, default=250, help="loopback addresses the feeds span")
    p.add_argument("--concurrency", type=int, default=16, help="fetch.concurrency")
    p.add_argument("--per-host", type=int, default=2, help="fetch.per_host")
    p.add_argument("--vacuum-every", type=float, default=60.0, help="0: no VACUUM")
    p.add_argument(
        "--cpu-per-daemon",
        type=float,
        default=0.0,
        help="cores of CPU time each daemon may use, a host of its own (cgroup; root); 0: none",
    )
    p.add_argument("--no-listener", action="store_true", help="http.listen: null")
    p.add_argument("--max-in-flight", type=int, default=0, help="what-if (0: the daemon's)")
    p.add_argument("--dispatch-every", type=float, default=0.0, help="what-if (0: the daemon's)")
    p.add_argument(
        "--profile", action="store_true", help="profile the first daemon in the backlog (yappi)"
    )
    p.add_argument("--rounds", type=int, default=300, help="claims of the lease measurement")
    p.add_argument("--no-lease", action="store_true", help="skip cluster.py's lease_run")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--db", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", type=Path, help="also write the JSON to this file")
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    import logging

    import structlog

    from benchmarks.feedfarm import FeedFarm

    # This process's own log (the store's notes) on stderr: stdout is the table or JSON.
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )

    out: dict[str, Any] = {
        "feeds": args.feeds,
        "hosts": args.hosts,
        "fetch_concurrency": args.concurrency,
        "fetch_per_host": args.per_host,
        "listener": not args.no_listener,
        "vacuum_every_s": args.vacuum_every,
        "cpu_per_daemon": args.cpu_per_daemon or None,
        "max_in_flight": args.max_in_flight or "daemon's (1000)",
        "dispatch_every_s": args.dispatch_every or "daemon's (5)",
        "cores": os.cpu_count(),
        "load_at_start": [round(x, 2) for x in os.getloadavg()],
        "runs": [],
        "lease": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="cluster-scale-"))
    farm = FeedFarm(args.hosts)
    try:
        every = write_feeds(tmp, farm, args.feeds, args.seed)
        for n in args.daemons:
            out["runs"].append(one_count(n, args, farm, every, tmp))
    finally:
        farm.close()
        if os.environ.get("SCALE_KEEP") is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            say(f"kept {tmp}")
    if not args.no_lease:
        for feeds in sorted({10_000, args.feeds}):
            say(f"lease query at {feeds} feeds")
            out["lease"].append(lease_figures(args, feeds))
    out["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


def rows_of(out: dict[str, Any]) -> list[tuple[str, object, str]]:
    runs = {r["daemons"]: r for r in out["runs"]}
    rows: list[tuple[str, object, str]] = []
    top = max(runs) if runs else 0
    for n, r in runs.items():
        b, s = r["backlog"], r.get("steady")
        target = "≥ 1,000 (4 daemons)" if n == 4 else ""
        rows += [
            (f"{n} daemon(s): polls/s, backlog of 304s", b["polls_per_s"], target),
            ("  daemons' CPU ms per poll", b["daemons_cpu_ms_per_poll"], "(beside the rate)"),
            ("  PostgreSQL CPU ms per poll (the run's backends)", b["postgres_cpu_ms_per_poll"], ""),
            ("  PostgreSQL background CPU ms per poll", b["postgres_background_cpu_ms_per_poll"], ""),
            ("  farm CPU ms per poll", b["farm_cpu_ms_per_poll"], ""),
            ("  periods the CPU quota held each daemon back",
             str(b.get("throttled_share", "no quota")), ""),
            ("  claims: p50 / p99 ms (in the daemons)",
             f"{b['claims']['p50_ms']} / {b['claims']['p99_ms']}", ""),
            ("  claims: feeds per claim", b["claims"]["rows_mean"], ""),
            ("  start: config load, first sync s",
             f"{r['seed']['config_load_s']}, {r['seed']['first_sync_s']}", ""),
            ("  daemons' start to 'daemon started' s", str(r["daemon_start_s"]), ""),
            ("  daemon RSS MB", str(r["daemon_rss_mb"]), ""),
            ("  database MB: seeded / at end",
             f"{r['db_size_mb_seeded']} / {r['db_size_mb_end']}", ""),
        ]  # fmt: skip
        if s is not None:
            rows += [
                ("  steady: polls/s (demand)", f"{s['polls_per_s']} ({s['demand_polls_per_s']})", ""),
                ("  steady: late > 10% of interval", f"{s['late_polls']}/{s['due_polls_counted']}",
                 "< 1%"),
                ("  steady: late, %", s["late_share_pct"], "< 1"),
                ("  steady: lateness p50 / p99 / max s",
                 f"{s['lateness_s_p50']} / {s['lateness_s_p99']} / {s['lateness_s_max']}", ""),
                ("  steady: daemons' CPU ms per poll", s["daemons_cpu_ms_per_poll"], ""),
                ("  steady: PostgreSQL CPU ms per poll", s["postgres_cpu_ms_per_poll"], ""),
                ("  steady: claims p50 / p99 ms",
                 f"{s['claims']['p50_ms']} / {s['claims']['p99_ms']}", "cf. lease_run's"),
            ]  # fmt: skip
        rows.append(("  load average at the end", str((s or b)["load"]), ""))
    if 1 in runs and top > 1:
        ratio = runs[top]["backlog"]["polls_per_s"] / max(runs[1]["backlog"]["polls_per_s"], 1e-9)
        rows.append((f"{top} daemons / 1, polls/s", f"{ratio:.2f}×", "≥ 3×"))
    for lease in out["lease"]:
        rows += [
            (f"lease_run at {lease['feeds']}: p50 / p99 ms",
             f"{lease['p50_ms']} / {lease['p99_ms']}", "p99 ≤ 20 at 100k"),
            ("  CPU ms per claim: client / server",
             f"{lease['client_cpu_ms_per_claim']} / {lease['server_cpu_ms_per_claim']}", ""),
        ]  # fmt: skip
    return rows


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--as-daemon":
        as_daemon(sys.argv[2:])
        return
    import signal

    # SIGTERM as ^C: the daemons, the farm and the databases are cleaned up on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    add_parser(sub)
    args = ap.parse_args()
    report(run(args), args)


def report(out: dict[str, Any], args: argparse.Namespace) -> None:
    """The figures as a table, or `--json`; also to `--out`."""
    if args.out:
        args.out.write_text(json.dumps(out, indent=1))
    if args.json:
        print(json.dumps(out))
        return
    from benchmarks.chaoslib import print_table

    what_if = ""
    if args.max_in_flight or args.dispatch_every:
        what_if = (
            f", WHAT-IF max in flight {out['max_in_flight']}, "
            f"dispatch every {out['dispatch_every_s']} s"
        )
    print_table(
        f"{args.feeds:,} feeds on {out['hosts']} loopback hosts, {out['cores']} cores, "
        f"fetch.concurrency {args.concurrency}, per_host {args.per_host}, "
        f"CPU per daemon {args.cpu_per_daemon or 'unlimited'}, "
        f"listener {'off' if args.no_listener else 'on'}{what_if}; load at start "
        f"{out['load_at_start']}",
        rows_of(out),
    )


if __name__ == "__main__":
    main()
