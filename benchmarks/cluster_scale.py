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
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.procmeter import Classes, CpuMeter, postmaster_of, proc_stat, rss_mb
from benchmarks.scale_daemon import call_stats, make_daemon, timing_lines
from benchmarks.scale_report import report
from benchmarks.scale_setup import (
    Vacuumer,
    feed_index,
    in_window,
    lateness,
    lease_figures,
    per_poll,
    scalar,
    seed,
    vacuum,
    wait_started,
    warnings_in,
    write_config,
    write_feeds,
)


def say(*parts: object) -> None:
    print(time.strftime("%H:%M:%S"), *parts, file=sys.stderr, flush=True)


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


def main() -> None:
    import signal

    # SIGTERM as ^C: the daemons, the farm and the databases are cleaned up on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    add_parser(sub)
    args = ap.parse_args()
    report(run(args), args)


if __name__ == "__main__":
    main()
