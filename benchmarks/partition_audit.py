"""partition's figures (benchmarks/cluster_partition.py), read after the run: the database's
trigger log of claims and writes and what it shows, the counts, the messages received, and
each partition's leases passed, way back to polling and victim's log lines."""

from __future__ import annotations

import contextlib
import json
import re
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.partition_plan import DAEMONS, KINDS, Partition

if TYPE_CHECKING:
    from benchmarks.partition_bench import Bench

REFUSALS = {
    "entries": "entries not stored: the feed's lease was lost",
    "poll_results": "poll results dropped",
    "deliveries": "delivery not sent: its claim was lost",
    "sent_after_claim_expired": "delivery sent after its claim expired",
}
AUDIT = """
CREATE TABLE bench_audit (
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    addr inet DEFAULT inet_client_addr(),
    what text NOT NULL,
    feed_id integer,
    holder text,          -- the feed's lease owner when written (before, for a result)
    new_owner text,
    expired boolean       -- that lease's time had passed
);
CREATE FUNCTION bench_audit_feed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.last_polled_at IS DISTINCT FROM OLD.last_polled_at THEN
        INSERT INTO bench_audit (what, feed_id, holder, new_owner, expired)
        VALUES ('result', NEW.id, OLD.lease_owner, NEW.lease_owner,
                OLD.lease_until < clock_timestamp());
    ELSIF NEW.lease_owner IS DISTINCT FROM OLD.lease_owner THEN
        INSERT INTO bench_audit (what, feed_id, holder, new_owner, expired)
        VALUES (CASE WHEN NEW.lease_owner IS NULL THEN 'release' ELSE 'claim' END,
                NEW.id, OLD.lease_owner, NEW.lease_owner, OLD.lease_until < clock_timestamp());
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bench_audit_feed AFTER UPDATE ON feed
    FOR EACH ROW EXECUTE FUNCTION bench_audit_feed();
CREATE FUNCTION bench_audit_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_audit (what, feed_id, holder, expired)
    SELECT 'entry', NEW.feed_id, f.lease_owner, f.lease_until < clock_timestamp()
    FROM feed f WHERE f.id = NEW.feed_id;
    RETURN NULL;
END $$;
CREATE TRIGGER bench_audit_entry AFTER INSERT ON feed_entry
    FOR EACH ROW EXECUTE FUNCTION bench_audit_entry();
"""
_JOB = re.compile(r'job "(\S+) \(trigger: .*?\)"')  # apscheduler's, without the next run

# -- the figures ------------------------------------------------------------------------


def figures(
    bench: Bench, settled: bool, settle_s: float, exits: dict[int, int | None]
) -> dict[str, Any]:
    from benchmarks.chaos import counts
    from benchmarks.chaoslib import fetched_twice, log_problems
    from monitor.digest.deliver import MESSAGE_ID_DOMAIN, destinations

    c = counts(bench.db)
    twice = query(
        bench.db,
        "SELECT count(*) FROM (SELECT url FROM article GROUP BY url HAVING count(*) > 1) t",
    )[0][0]
    built_twice = query(
        bench.db,
        "SELECT count(*) FROM (SELECT subscription, period_start FROM digest"
        " WHERE kind = 'digest' GROUP BY 1, 2 HAVING count(*) > 1) t",
    )[0][0]
    sent = query(
        bench.db,
        "SELECT coalesce(g.key, 'digest-' || g.id), d.destination FROM delivery d"
        " JOIN digest g ON g.id = d.digest_id",
    )
    [hook_dest] = destinations([bench.hook.url()], Path("/unused"))
    [mail_dest] = destinations([bench.mail.url()], Path("/unused"))
    expected_hook = {f"{k}.{d[:12]}" for k, d in sent if d == hook_dest.key}
    expected_mail = {f"<{k}.{d[:12]}@{MESSAGE_ID_DOMAIN}>" for k, d in sent if d == mail_dest.key}
    webhook = received_parts(
        [h.get("idempotency-key", "") for h in bench.hook.headers], expected_hook
    )
    email = received_parts(bench.mail.ids, expected_mail)
    audit, audit_rows = _audit(bench.db)
    _leases_passed(bench.partitions, bench.owners, bench.nets, audit_rows, bench.t0)
    _back_polling(bench.partitions, bench.nets, bench.site.clients, bench.t0)
    _victim_logs(bench.partitions, bench.daemons)
    logs = [ln for d in bench.daemons.values() for ln in d.log.read_text().splitlines()]
    problems = [log_problems(d.log) for d in bench.daemons.values()]
    refused = {k: sum(pat in ln for ln in logs) for k, pat in REFUSALS.items()}
    refused["poll_results_dropped"] = sum(
        json.loads(ln).get("dropped", 0)
        for ln in logs
        if REFUSALS["poll_results"] in ln and ln.startswith("{")
    )
    pglog = (bench.pg.folder / "log").read_text(errors="replace").splitlines()
    repeats = webhook["repeats"] + email["repeats"]
    parts = bench.partitions
    backs = [p.back_polling_s for p in parts if p.back_polling_s is not None]
    return {
        "daemons": DAEMONS,
        "partitions": len(parts),
        "cut_s": bench.args.cut_s,
        "most_daemons_cut_at_once": bench.most_cut,
        "moments": {
            k: sum(p.kind == k and (k == "random" or "at once" not in p.moment) for p in parts)
            for k in KINDS
        },
        "moments_missed": sum(p.kind != "random" and "at once" in p.moment for p in parts),
        "settled": settled,
        "settle_s": round(settle_s, 1),
        "clean_exits": sum(e == 0 for e in exits.values()),
        "items_served": bench.site.items,
        "hits": c["hits"],
        "hits_lost": bench.site.items - c["hits"],
        "articles_stored_twice": int(twice or 0),
        "hits_in_two_digests": c["hits_in_two_digests"],
        "digests_built_twice": int(built_twice or 0),
        "digests": c["digests"],
        "webhook": webhook,
        "email": email,
        "repeats": repeats,
        "repeats_per_partition": round(repeats / max(1, len(parts)), 3),
        "writes_after_a_lost_lease": audit["after_lost"],
        "writes_under_an_expired_lease_not_taken": audit["expired_not_taken"],
        "audit": audit,
        "leases_passed": sum(p.leases_passed for p in parts),
        "partitions_whose_leases_passed": sum(p.leases_passed > 0 for p in parts),
        "leases_held_at_cuts": sum(p.held_at_cut or 0 for p in parts),
        "fenced_writes_metric": {i: v for i, v in bench.fenced.items()},
        "fenced_writes_metric_sum": sum(v or 0 for v in bench.fenced.values()),
        "refused": refused,
        "stuck_feeds_most": max((p.stuck_most for p in parts), default=0),
        "partitions_with_stuck_feeds": sum(p.stuck_most > 0 for p in parts),
        "lock_waiters_most": max((p.lock_waiters_most for p in parts), default=0),
        "open_transaction_while_cut": sum(p.open_transaction is not None for p in parts),
        "back_polling_after_heal_s": {
            "slowest": max(backs, default=None),
            "median": sorted(backs)[len(backs) // 2] if backs else None,
            "never": sum(p.back_polling_s is None for p in parts),
        },
        "feed_fetches_within_half_an_interval": len(
            fetched_twice(bench.site, bench.args.every / 2)
        ),
        "log": {k: sum(p[k] for p in problems) for k in ("tracebacks", "error_lines")},
        "warnings": sum('"level": "warning"' in ln for ln in logs),
        "postgres_log": {
            "lock_waits": sum("still waiting for" in ln for ln in pglog),
            "client_connection_errors": sum(
                "could not receive data from client" in ln or "connection reset" in ln
                for ln in pglog
            ),
        },
        "per_partition": [{k: v for k, v in asdict(p).items() if k != "samples"} for p in parts],
    }


def _audit(db: str) -> tuple[dict[str, Any], list[Any]]:
    """From the trigger's table: writes by a daemon while the lease was another's."""
    rows = query(
        db,
        "SELECT host(addr), what, feed_id, holder, new_owner, expired, at"
        " FROM bench_audit ORDER BY at",
    )
    who: dict[str, str] = {}  # lease owner -> its address
    for addr, what, _, _, new, _, _ in rows:
        if what == "claim" and new and addr:
            who.setdefault(new, addr)
    after_lost: list[dict[str, Any]] = []
    expired = 0
    writes = 0
    for addr, what, feed, holder, _, exp, at in rows:
        if what not in ("entry", "result"):
            continue
        writes += 1
        if holder is None or who.get(holder) != addr:
            after_lost.append(
                {"what": what, "feed": feed, "by": addr, "lease": holder, "at": str(at)}
            )
        elif exp:
            expired += 1
    return {
        "writes": writes,
        "claims": sum(r[1] == "claim" for r in rows),
        "after_lost": len(after_lost),
        "after_lost_examples": after_lost[:10],
        "expired_not_taken": expired,
    }, rows


def _leases_passed(
    partitions: list[Partition], owners: dict[int, str], nets: Any, rows: list[Any], t0: float
) -> None:
    """Each partition: its victim's feeds claimed by another while it was cut."""
    wall0 = time.time() - (time.monotonic() - t0)  # the run's start, on the wall clock
    for p in partitions:
        owner = owners[p.daemon]
        start = p.cut_at
        end = p.healed_at if p.healed_at is not None else float("inf")
        for addr, what, _, holder, _, _, at in rows:
            if what != "claim" or holder != owner or addr == nets.addr(p.daemon):
                continue
            t = _since_start(at, wall0)
            if start <= t <= end:
                p.leases_passed += 1


def _since_start(at: Any, wall0: float) -> float:
    """A database time as seconds since this run's start (same machine's clock)."""
    return float(at.timestamp()) - wall0


def _back_polling(
    partitions: list[Partition], nets: Any, clients: list[tuple[float, str, str]], t0: float
) -> None:
    """From each heal to the victim's next feed fetch (None: cut again first)."""
    for p in partitions:
        if p.healed_at is None:
            continue
        addr = nets.addr(p.daemon)
        until = min(
            (q.cut_at for q in partitions if q.daemon == p.daemon and q.cut_at > p.cut_at),
            default=float("inf"),
        )
        after = [
            t - t0 - p.healed_at
            for t, peer, path in clients
            if peer == addr and path.startswith("/f/") and p.healed_at <= t - t0 < until
        ]
        p.back_polling_s = round(min(after), 1) if after else None


def _victim_logs(partitions: list[Partition], daemons: dict[int, Any]) -> None:
    for p in partitions:
        end = _later(p.healed_utc, 120) if p.healed_utc else "9"
        for line in daemons[p.daemon].log.read_text(errors="replace").splitlines():
            if not line.startswith("{") or '"level": "info"' in line:
                continue
            with contextlib.suppress(ValueError):
                e = json.loads(line)
                if p.cut_utc <= e.get("timestamp", "") <= end:
                    event = _JOB.sub(r"job \1", e.get("event", ""))
                    what = f"{e.get('level')}: {event}"
                    p.victim_log[what[:150]] = p.victim_log.get(what[:150], 0) + 1


def received_parts(ids: list[str], expected: set[str]) -> dict[str, Any]:
    """benchmarks/chaos.py's `received` (a digest sent in parts is its delivery's), and
    how many went in parts, with examples of the repeats and of other identities."""
    from collections import Counter

    from benchmarks.chaos import _delivery, received

    unique = set(ids)
    whole = {i: _delivery(i, expected) for i in unique}
    return {
        **received(ids, expected),
        "sent_in_parts": len({w for i, w in whole.items() if w != i}),
        "other_examples": sorted(i for i, w in whole.items() if w not in expected)[:5],
        "repeated_examples": sorted(i for i, n in Counter(ids).items() if n > 1)[:5],
    }


def query(db: str, sql: str) -> list[Any]:
    from sqlalchemy import text

    from monitor.store import open_store

    store = open_store(db, migrate=False)
    try:
        with store.engine.connect() as c:
            return list(c.execute(text(sql)).all())
    finally:
        store.engine.dispose()


def _later(stamp: str, seconds: float) -> str:
    t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ") + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
