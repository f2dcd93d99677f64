"""cluster_scale's set-up and measures: the feeds as OPML files, monitor.yaml, the
database seeded as the daemon syncs it, VACUUM by the clock, and the figures read back:
lateness, CPU per poll, requests and warnings in a window, cluster.py's lease query."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from benchmarks.procmeter import postmaster_of, proc_stat, proc_title
from benchmarks.scale_daemon import pct

INTERVALS = (300, 600, 900, 1800, 3600)
LABELS = {300: "5m", 600: "10m", 900: "15m", 1800: "30m", 3600: "1h"}
REPO = Path(__file__).resolve().parent.parent
LATE_SHARE = 0.10  # late: by more than this share of the interval


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
