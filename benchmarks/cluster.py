"""Several daemons on PostgreSQL, as a cluster meets them. Built so far: `lease`, what a
daemon's claim of due feeds costs at 10,000 and 100,000 feeds; `skew`, daemons whose
clocks disagree; `failover`, a standby promoted under running daemons; `pause`, a daemon
frozen (SIGSTOP) past its leases while it holds feeds, then let go.

lease: N feeds (intervals of 5 min to 1 h, next polls spread over the hour) in a fresh
database; a daemon claims up to 64 due feeds, records them polled (a 304: the next poll
an interval later), and the clock moves a second; ROUNDS times. The claim's latency
(the store's claim_feeds: statement and commit) is timed, and PostgreSQL's plan of the
claim's SELECT printed. Baseline, in the same run: the same without the due index of
migration 0013 (a scan of the whole table per claim).

    python benchmarks/cluster.py lease [--feeds 10000 100000] [--rounds 300]
                                       [--db postgresql+psycopg://postgres@127.0.0.1/postgres]
                                       [--json]

skew: three daemons on one PostgreSQL database, one's clock 5 minutes fast, one's 5
minutes slow (MONITOR_CLOCK_SKEW_S, the project's clock hook), one right; the local
news site (benchmarks/chaoslib.py) adds items while they poll its feeds every 30 s, and
an immediate subscription posts to a local webhook. The site counts every fetch of
every feed: a feed fetched twice within half its interval was fetched twice in one
interval. Then the digests: hits in two digests, webhook posts repeated.

    python benchmarks/cluster.py skew [--feeds 100] [--minutes 3] [--every 30] [--json]

failover: a PostgreSQL primary and its streaming standby of this machine's server
binaries (throwaway clusters on their own ports, run as the postgres user: needs root),
two daemons on the libpq multi-host URL of the README (`target_session_attrs=
read-write`), 40 feeds every 10 s growing by an item each every 10 s, an immediate
subscription to a webhook. After a minute the primary is stopped and the standby
promoted; the daemons are not restarted. Polling resumes when a poll succeeds on the
new primary; every item served must end up a hit in a digest.

    python benchmarks/cluster.py failover [--feeds 40] [--minutes 1] [--json]

pause: three daemons on one PostgreSQL database, 100 feeds every 30 s growing by an item
each every 45 s, an immediate subscription to a webhook; PAUSES times, a random daemon
is frozen with SIGSTOP for 2.5 minutes (its 2-minute leases pass to the others meanwhile),
then continued. It wakes mid-poll, mid-store or mid-delivery, holding what it held:
each such write must be refused (fencing), nothing stored twice, no hit lost. The
count of refusals comes from the daemons' logs.

    python benchmarks/cluster.py pause [--pauses 2] [--json]

partition (benchmarks/cluster_partition.py): three daemons, each in its own network
namespace with its own link to PostgreSQL, the news site and the receivers on the host
(benchmarks/netns.py; needs root), 100 feeds, an immediate subscription to a webhook and
one every minute by mail; PARTITIONS times one daemon's link is cut for twice its
leases, at a moment aimed mid-poll, mid-store or mid-delivery, then healed. What it
held must be refused when it comes back (a database trigger records every write and
whose lease it was under), nothing lost, stored or built twice, a repeated message at
most once per partition and under the same identity; the namespaces go at the end.

    python benchmarks/cluster.py partition [--partitions 20] [--cut-s 240] [--json]

scale (benchmarks/cluster_scale.py): 100,000 feeds answering 304 from a local feed farm
(benchmarks/feedfarm.py), given as OPML files of intervals from 5 minutes to an hour;
1, 2 and 4 daemons, each count on a fresh database: polls/s with every feed due at
once, late polls with next polls spread over their intervals, CPU per poll of the
daemons, PostgreSQL and the farm, the claims' latency, the database's size.

    python benchmarks/cluster.py scale [--feeds 100000] [--daemons 1 2 4] [--minutes 3]
                                       [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.store import Store, open_store
from monitor.types import FeedSource, PollRecord

INTERVALS = (300, 600, 900, 1800, 3600)
LEASE = timedelta(minutes=2)
LIMIT = 64
CLAIM_SQL = (
    "SELECT id FROM feed WHERE active AND (lease_until IS NULL OR lease_until < :now) "
    "AND next_poll_at <= :now ORDER BY next_poll_at, id LIMIT 64 FOR UPDATE SKIP LOCKED"
)


class Clock:
    def __init__(self) -> None:
        from monitor.clock import utcnow

        self.now = utcnow()

    def __call__(self) -> Any:
        return self.now


def fresh_db(admin_url: str, name: str) -> str:
    admin = open_store(admin_url, migrate=False).engine.execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        c.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_db(admin_url: str, name: str) -> None:
    admin = open_store(admin_url, migrate=False).engine.execution_options(
        isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    admin.dispose()


def lease_run(url: str, feeds: int, rounds: int, indexed: bool, seed: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    clock = Clock()
    store: Store = open_store(url, clock=clock)
    store.sync_feeds(
        [
            FeedSource(f"https://h{i % 1000}.example/f{i}", None, rnd.choice(INTERVALS))
            for i in range(feeds)
        ]
    )
    with store.engine.begin() as c:
        c.execute(
            text(
                "UPDATE feed SET next_poll_at = :now "
                "+ (random() * interval '3600 seconds') - interval '300 seconds'"
            ),
            {"now": clock.now},
        )
        if not indexed:
            c.execute(text("DROP INDEX ix_feed_due"))
        c.execute(text("ANALYZE feed"))
    took: list[float] = []
    claimed = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        got = store.claim_feeds("bench", LEASE, LIMIT)
        took.append((time.perf_counter() - t0) * 1000)
        claimed += len(got)
        store.record_polls(
            [
                PollRecord(
                    f.id,
                    True,
                    clock.now + timedelta(seconds=f.source.interval_s),
                    None,
                    None,
                    0,
                    f.lease,
                )
                for f in got
            ]
        )
        clock.now += timedelta(seconds=1)
    with store.engine.connect() as c:
        plan = [r[0] for r in c.execute(text("EXPLAIN ANALYZE " + CLAIM_SQL), {"now": clock.now})]
    store.engine.dispose()
    took.sort()
    return {
        "feeds": feeds,
        "indexed": indexed,
        "claims": rounds,
        "feeds_claimed": claimed,
        "p50_ms": round(statistics.median(took), 2),
        "p99_ms": round(took[int(len(took) * 0.99) - 1], 2),
        "plan": plan,
    }


def lease(args: argparse.Namespace) -> list[dict[str, Any]]:
    out = []
    for n in args.feeds:
        for indexed in (True, False):
            name = f"monitor_bench_lease_{n}_{int(indexed)}"
            url = fresh_db(args.db, name)
            try:
                out.append(lease_run(url, n, args.rounds, indexed, args.seed))
            finally:
                drop_db(args.db, name)
    return out


def skew(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile
    import threading

    from benchmarks.chaos import counts, expected_ids, fresh_pg_database, received, settled
    from benchmarks.chaoslib import (
        Daemon,
        NewsSite,
        fetched_twice,
        grow_every,
        log_problems,
        wait_until,
        write_config,
    )
    from tests.support.net import WebhookReceiver

    tmp = Path(tempfile.mkdtemp(prefix="cluster-skew-"))
    db = fresh_pg_database()
    site, hook = NewsSite(args.feeds), WebhookReceiver()
    cfg = write_config(tmp / "monitor.yaml", db, site, f"{args.every}s", [hook.url()])
    skews = (300, -300, 0)
    ds = [Daemon(cfg, tmp / f"daemon{s:+d}.log", {"MONITOR_CLOCK_SKEW_S": str(s)}) for s in skews]
    started = time.monotonic()
    for d in ds:
        d.start()
    stop = threading.Event()
    threading.Thread(target=grow_every, args=(site, stop, 45.0), daemon=True).start()
    time.sleep(args.minutes * 60)
    stop.set()
    ok = wait_until(lambda: settled(db, site), 600, 5)
    exits = [d.stop() for d in ds]
    elapsed = time.monotonic() - started
    c = counts(db)
    expected = expected_ids(db, [hook.url()])
    feeds = {p: t for p, t in site.fetches.items() if p.startswith("/f/")}
    twice = len(fetched_twice(site, args.every / 2))
    result = {
        "daemons": len(ds),
        "clock_skews_s": list(skews),
        "minutes": args.minutes,
        "settled": ok,
        "clean_exits": sum(e == 0 for e in exits),
        "feed_fetches": sum(map(len, feeds.values())),
        "polls_per_interval": round(
            sum(map(len, feeds.values())) / (args.feeds * elapsed / args.every), 2
        ),
        "feed_fetches_within_an_interval": twice,
        "items_served": site.items,
        "hits_lost": site.items - c["hits"],
        "hits_in_two_digests": c["hits_in_two_digests"],
        "webhook": received(
            [h.get("idempotency-key", "") for h in hook.headers], expected[hook.url()]
        ),
        "log": {k: sum(log_problems(d.log)[k] for d in ds) for k in ("tracebacks", "error_lines")},
    }
    site.close()
    hook.close()
    return result


def failover(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile
    import threading

    from benchmarks.chaos import counts, expected_ids, received, settled
    from benchmarks.chaoslib import (
        Daemon,
        NewsSite,
        grow_every,
        log_problems,
        wait_until,
        write_config,
    )
    from tests.support.net import WebhookReceiver, free_port
    from tests.support.pgcluster import PgCluster

    primary = PgCluster.primary(free_port())
    standby: PgCluster | None = None
    tmp = Path(tempfile.mkdtemp(prefix="cluster-failover-"))
    site, hook = NewsSite(args.feeds), WebhookReceiver()
    try:
        primary.start()
        primary.sql("CREATE DATABASE monitor")
        standby = primary.standby(free_port())
        standby.start()
        db = (
            "postgresql+psycopg://postgres@/monitor?"
            f"host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}"
            "&target_session_attrs=read-write"
        )
        cfg = write_config(tmp / "monitor.yaml", db, site, "10s", [hook.url()])
        ds = [Daemon(cfg, tmp / f"daemon-{i}.log") for i in range(2)]
        for d in ds:
            d.start()
        stop = threading.Event()
        threading.Thread(target=grow_every, args=(site, stop, 10.0), daemon=True).start()
        time.sleep(args.minutes * 60)
        before = counts(db)
        primary.stop("fast")  # the old primary goes (its last WAL sent to the standby)
        standby.promote()
        promoted = time.monotonic()
        fetched = len([t for ts in site.fetches.values() for t in ts])

        def resumed() -> bool:
            try:
                return counts(db)["hits"] > before["hits"]
            except Exception:  # the database between primaries
                return False

        back = wait_until(resumed, 300, 0.5)
        resume_s = time.monotonic() - promoted
        time.sleep(args.minutes * 60)
        stop.set()
        ok = wait_until(lambda: settled(db, site), 600, 5)
        exits = [d.stop() for d in ds]
        c = counts(db)
        expected = expected_ids(db, [hook.url()])
        problems = [log_problems(d.log) for d in ds]
        warnings = sum(
            line.count('"level": "warning"') for d in ds for line in d.log.read_text().splitlines()
        )
        return {
            "daemons": len(ds),
            "settled": ok,
            "clean_exits": sum(e == 0 for e in exits),
            "hits_before_failover": before["hits"],
            "resumed": back,
            "seconds_to_a_new_hit_after_promotion": round(resume_s, 1),
            "fetches_before_failover": fetched,
            "items_served": site.items,
            "hits_stored": c["hits"],
            "hits_lost": site.items - c["hits"],
            "hits_in_two_digests": c["hits_in_two_digests"],
            "webhook": received(
                [h.get("idempotency-key", "") for h in hook.headers], expected[hook.url()]
            ),
            "warnings": warnings,
            "log": {k: sum(p[k] for p in problems) for k in ("tracebacks", "error_lines")},
        }
    finally:
        site.close()
        hook.close()
        for c_ in (standby, primary):
            if c_ is not None:
                c_.remove()


def pause(args: argparse.Namespace) -> dict[str, Any]:
    import signal
    import tempfile
    import threading

    from benchmarks.chaos import counts, expected_ids, fresh_pg_database, received, settled
    from benchmarks.chaoslib import (
        Daemon,
        NewsSite,
        fetched_twice,
        grow_every,
        log_problems,
        wait_until,
        write_config,
    )
    from tests.support.net import WebhookReceiver

    tmp = Path(tempfile.mkdtemp(prefix="cluster-pause-"))
    db = fresh_pg_database()
    site, hook = NewsSite(100), WebhookReceiver()
    cfg = write_config(tmp / "monitor.yaml", db, site, "30s", [hook.url()])
    ds = [Daemon(cfg, tmp / f"daemon-{i}.log") for i in range(3)]
    for d in ds:
        d.start()
    stop = threading.Event()
    threading.Thread(target=grow_every, args=(site, stop, 45.0), daemon=True).start()
    rnd = random.Random(args.seed)
    for _ in range(args.pauses):
        time.sleep(rnd.uniform(20, 40))
        victim = rnd.choice(ds)
        assert victim.proc is not None
        os.killpg(victim.proc.pid, signal.SIGSTOP)  # the daemon and its parser workers
        time.sleep(150)  # past its 2-minute leases and claims
        os.killpg(victim.proc.pid, signal.SIGCONT)
    time.sleep(60)
    stop.set()
    ok = wait_until(lambda: settled(db, site), 600, 5)
    exits = [d.stop() for d in ds]
    c = counts(db)
    expected = expected_ids(db, [hook.url()])
    logs = [line for d in ds for line in d.log.read_text(errors="replace").splitlines()]
    feeds = {p: t for p, t in site.fetches.items() if p.startswith("/f/")}
    store_ = open_store(db)
    with store_.engine.connect() as conn:
        urls_twice = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT url FROM article GROUP BY url HAVING count(*) > 1) t"
            )
        ).scalar()
    store_.engine.dispose()
    result = {
        "daemons": len(ds),
        "pauses": args.pauses,
        "settled": ok,
        "clean_exits": sum(e == 0 for e in exits),
        "feed_fetches": sum(map(len, feeds.values())),
        "feed_fetches_within_an_interval": len(fetched_twice(site, 15)),
        "refused_entries": sum("entries not stored: the feed's lease was lost" in x for x in logs),
        "refused_poll_results": sum("poll results dropped" in x for x in logs),
        "refused_deliveries": sum("delivery not sent: its claim was lost" in x for x in logs),
        "items_served": site.items,
        "hits_lost": site.items - c["hits"],
        "articles_stored_twice": int(urls_twice or 0),
        "hits_in_two_digests": c["hits_in_two_digests"],
        "webhook": received(
            [h.get("idempotency-key", "") for h in hook.headers], expected[hook.url()]
        ),
        "log": {k: sum(log_problems(d.log)[k] for d in ds) for k in ("tracebacks", "error_lines")},
    }
    site.close()
    hook.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    from benchmarks import cluster_partition, cluster_scale

    cluster_partition.add_parser(sub)
    cluster_scale.add_parser(sub)
    pp = sub.add_parser("pause", help="a daemon frozen past its leases, then let go")
    pp.add_argument("--pauses", type=int, default=2)
    pp.add_argument("--seed", type=int, default=3)
    pp.add_argument("--json", action="store_true")
    fp = sub.add_parser("failover", help="a standby promoted under two running daemons")
    fp.add_argument("--feeds", type=int, default=40)
    fp.add_argument("--minutes", type=float, default=1.0)
    fp.add_argument("--json", action="store_true")
    sp = sub.add_parser("skew", help="three daemons, clocks 5 min fast, 5 min slow, right")
    sp.add_argument("--feeds", type=int, default=100)
    sp.add_argument("--minutes", type=float, default=3.0)
    sp.add_argument("--every", type=int, default=30)
    sp.add_argument("--json", action="store_true")
    lp = sub.add_parser("lease", help="the claim of due feeds at 10k and 100k feeds")
    lp.add_argument("--feeds", type=int, nargs="+", default=[10_000, 100_000])
    lp.add_argument("--rounds", type=int, default=300)
    lp.add_argument("--db", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    lp.add_argument("--seed", type=int, default=7)
    lp.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.what == "scale":
        cluster_scale.report(cluster_scale.run(args), args)
        return
    if args.what == "partition":
        cluster_partition.report(cluster_partition.run(args), args.json)
        return
    if args.what in ("skew", "failover", "pause"):
        found = {"skew": skew, "failover": failover, "pause": pause}[args.what](args)
        if args.json:
            print(json.dumps(found))
        else:
            for k, v in found.items():
                print(f"{k:<34} {v}")
        return
    rows = lease(args)
    if args.json:
        print(json.dumps(rows))
        return
    print(f"{'feeds':>8} {'due index':>10} {'p50 ms':>8} {'p99 ms':>8} {'claimed':>8}")
    for r in rows:
        yes = "yes" if r["indexed"] else "no"
        print(
            f"{r['feeds']:>8} {yes:>10} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['feeds_claimed']:>8}"
        )
    for r in rows:
        if r["indexed"] and r["feeds"] == max(args.feeds):
            print(f"\nThe claim's SELECT at {r['feeds']} feeds:")
            print("\n".join("    " + line for line in r["plan"]))


if __name__ == "__main__":
    main()
