"""partition: three daemons, each in its own network namespace (benchmarks/netns.py), on
one throwaway PostgreSQL; one daemon's link cut for longer than its leases, then healed,
PARTITIONS times. Needs root. Run through benchmarks/cluster.py (or this file alone):

    python benchmarks/cluster.py partition [--partitions 20] [--cut-s 240] [--seed 5]
                                           [--feeds 100] [--every 30] [--keep] [--json]
    python benchmarks/netns.py --cleanup     # what a run killed -9 left behind

Each daemon reaches PostgreSQL, the news site, the webhook and the SMTP server (all on
the host, on 10.231.0.1) over its own veth link, and nothing else: no default route.
All three read one monitor.yaml (feeds and destinations are keyed by their URLs, so
the daemons must be given the same ones): 100 feeds every 30 s growing by an item
each every 45 s, pages fetched, an `immediate` subscription to the webhook and one
scheduled every minute by mail. The receivers hold their answer half a second, so a
cut can fall between a message handed over and its acknowledgement.

A cut is the host's end of the link set down (packets dropped, as in a partition),
for --cut-s seconds (default 240: twice the 2-minute lease), at a moment chosen at
random (seeded) from: right after the site served a feed to a daemon (mid-poll),
while a daemon's transaction that stores entries is open in PostgreSQL (mid-store,
seen in pg_stat_activity), right after a webhook post or a mail came from it
(mid-delivery), or at once (`--moments` narrows the choice). Cuts may overlap on
different daemons, never all three at once, and a daemon just healed is left connected
for a quarter of --cut-s before it may be cut again. The feeds' first polls are spread
over their interval, as a deployment's are after a while: all due at once, they would
stay in step, each round taken whole by the daemon that looks first. While cut, every 5 s: the victim's feeds whose lease has expired and that
no other daemon has taken (held by row locks of its open transaction), sessions
waiting on a lock, the victim's open transaction. After each heal, its /metrics
(`news_monitor_fenced_writes_total`, scraped over its link).

A trigger on the database (in this benchmark's database only) records every claim
and poll result written to `feed` and every entry stored, with the writer's address:
a write after a lost lease is one made by a daemon while the feed's lease is
another's. The figures: hits lost, articles stored twice, hits in two digests,
digests built twice (two of one subscription starting at the same place), messages
lost and repeated (a repeat must carry the same Message-ID or key, at most one per
partition), those writes, the fenced writes and refusals in the logs, tracebacks.
The namespaces, links and the database are removed at the end, also after a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DAEMONS = 3
PORT = 8089  # each daemon's listener, inside its own namespace
TOKEN = "partition-bench-token"
HOLD_S = 0.5  # the webhook and the SMTP server answer this long after a message came
WAIT_S = 120  # for the moment a cut is aimed at; then at once
KINDS = ("poll", "store", "webhook", "mail", "random")
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
# A transaction storing a feed's entries (not the search indexer's, which reads articles)
STORE_SQL = re.compile(r"feed_entry|INSERT INTO (article|hit|story)|pg_advisory_xact_lock", re.I)


@dataclass
class Partition:
    daemon: int  # 1..3
    kind: str  # what the cut was aimed at
    moment: str  # what was seen when it fell
    cut_at: float  # seconds since the start
    cut_utc: str  # for the daemons' logs
    healed_at: float | None = None
    healed_utc: str | None = None
    held_at_cut: int | None = None  # feeds leased to it at the first look
    stuck_most: int = 0  # its expired leases no other daemon could take, at most
    lock_waiters_most: int = 0  # other sessions waiting on a lock, at most
    open_transaction: str | None = None  # its session in a transaction while cut
    open_transaction_s: float = 0.0
    leases_passed: int = 0  # its feeds claimed by the others while it was cut
    back_polling_s: float | None = None  # from the heal to its next feed fetch
    # its warnings and errors from the cut to 2 minutes after the heal, by event
    victim_log: dict[str, int] = field(default_factory=dict)
    fenced_after_heal: float | None = None  # its counter, soon after the heal
    samples: list[dict[str, Any]] = field(default_factory=list)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "partition", help="daemons in network namespaces, links cut and healed"
    )
    p.add_argument("--partitions", type=int, default=20)
    p.add_argument("--cut-s", type=float, default=240.0, help="each cut (2× the lease)")
    p.add_argument("--feeds", type=int, default=100)
    p.add_argument("--every", type=int, default=30, help="feed interval, seconds")
    p.add_argument("--grow-s", type=float, default=45.0, help="a new item per feed this often")
    p.add_argument("--settle-s", type=float, default=900.0, help="at most, after the last heal")
    p.add_argument("--moments", nargs="+", choices=KINDS, default=list(KINDS),
                   help="what the cuts are aimed at, each picked at random")  # fmt: skip
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="keep the logs' folder (always on failure)")
    p.add_argument("--json", action="store_true")
    return p


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.chaos import Mailbox
    from benchmarks.chaoslib import NewsSite
    from benchmarks.netns import NET, SERVICE, Namespaces
    from monitor.logs import setup_logging
    from tests.support.net import WebhookReceiver, free_port
    from tests.support.pgcluster import PgCluster

    setup_logging("WARNING", json=False)  # this process's store: to stderr, not --json's stdout
    tmp = Path(tempfile.mkdtemp(prefix="cluster-partition-"))
    nets = Namespaces(DAEMONS)
    pg: PgCluster | None = None
    closers: list[Any] = []
    bench: Bench | None = None
    result: dict[str, Any] = {}
    ok = False
    try:
        nets.create()
        pg = PgCluster.primary(
            free_port(),
            listen=("127.0.0.1", SERVICE),
            hba=[f"host all all {NET} trust"],
            conf=[
                "log_lock_waits = on",  # a wait over a second is logged, with its holder
                "log_line_prefix = '%m [%p] %h '",
                "max_connections = 200",
            ],
        )
        pg.start()
        pg.sql("CREATE DATABASE monitor")
        site = NewsSite(args.feeds, host=SERVICE)
        closers.append(site.close)
        hook = WebhookReceiver(host=SERVICE)
        closers.append(hook.close)
        mail = Mailbox(host=SERVICE)
        closers.append(mail.controller.stop)
        for httpd in (site.server.httpd, hook.httpd):  # a daemon's connection reset: no trace
            httpd.handle_error = lambda *a: None  # type: ignore[method-assign]
        hook.delay_s = mail.delay_s = HOLD_S
        bench = Bench(args, tmp, nets, pg, site, hook, mail)
        result = bench.run()
        ok = True
    finally:
        if bench is not None:
            bench.stop_all()
        for close in closers:
            with contextlib.suppress(Exception):
                close()
        if pg is not None:
            with contextlib.suppress(Exception):
                shutil.copy(pg.folder / "log", tmp / "postgresql.log")
            with contextlib.suppress(Exception):
                pg.remove()
        nets.teardown()
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs kept in {tmp}", file=sys.stderr)
    result["left_behind"] = nets.left() + ([str(pg.folder)] if pg and pg.folder.exists() else [])
    return result


class Bench:
    def __init__(
        self,
        args: argparse.Namespace,
        tmp: Path,
        nets: Any,
        pg: Any,
        site: Any,
        hook: Any,
        mail: Any,
    ) -> None:
        from benchmarks.chaoslib import Daemon, write_config
        from benchmarks.netns import SERVICE

        self.args, self.tmp, self.nets, self.pg = args, tmp, nets, pg
        self.site, self.hook, self.mail = site, hook, mail
        self.rnd = random.Random(args.seed)
        self.db = pg.url("monitor")  # the host's way in (127.0.0.1)
        daemon_db = f"postgresql+psycopg://postgres@{SERVICE}:{pg.port}/monitor"
        more = (
            "  - name: morning\n    watchlists: [csto]\n"
            '    schedule: "* * * * *"\n'
            f'    notify:\n      - "{mail.url()}"\n'
        )
        self.cfg = cfg = write_config(
            tmp / "monitor.yaml", daemon_db, site, f"{args.every}s", [hook.url()], more=more
        )
        env = {"MONITOR_LISTEN": f"0.0.0.0:{PORT}", "MONITOR_TOKEN": TOKEN}
        self.daemons = {
            i: Daemon(cfg, tmp / f"daemon-{i}.log", env, nets.prefix(i))
            for i in range(1, DAEMONS + 1)
        }
        self.owners: dict[int, str] = {}
        self.partitions: list[Partition] = []
        self.cut: dict[int, Partition] = {}  # cut now, by daemon
        self.heal_at: dict[int, float] = {}
        self.last_heal: dict[int, float] = {}  # by daemon
        self.rest_s = args.cut_s / 4  # a daemon healed is not cut again sooner
        self.most_cut = 0
        self.t0 = self.heal_last = time.monotonic()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.fenced: dict[int, float | None] = {}

    # -- the run -----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from benchmarks.chaoslib import grow_every, wait_until

        self._feeds()
        self.pg.sql(AUDIT, db="monitor")
        for d in self.daemons.values():
            d.start()
        if not wait_until(lambda: len(self._owners()) == DAEMONS, 180, 1):
            raise RuntimeError(f"the daemons did not all start: see {self.tmp}")
        self.owners = self._owners()
        threading.Thread(target=self._sample, daemon=True).start()
        growing = threading.Event()
        grower = threading.Thread(
            target=grow_every, args=(self.site, growing, self.args.grow_s), daemon=True
        )
        grower.start()
        self._sleep(min(60.0, self.args.cut_s / 2))  # all polling before the first cut
        gap = (self.args.cut_s / 4, self.args.cut_s / 2)
        for n in range(self.args.partitions):
            if n:
                self._sleep(self.rnd.uniform(*gap))
            # one daemon always connected; one just healed is left to come back first
            while len(self.cut) >= DAEMONS - 1 or not self._eligible():
                self._sleep(0.5)
            self._partition(self.rnd.choice(self.args.moments))
        while self.cut:
            self._sleep(0.5)
        self._sleep(60)
        growing.set()
        settled = wait_until(self._settled, self.args.settle_s, 5)
        settle_s = time.monotonic() - self.heal_last
        for i in self.daemons:
            self.fenced[i] = self._scrape(i)
        self.stopping.set()
        exits = {i: d.stop() for i, d in self.daemons.items()}
        return self._figures(settled, settle_s, exits)

    def _feeds(self) -> None:
        """The database migrated and the feeds written before the daemons start, their
        first polls spread over the interval: all due at once, they would stay in step,
        each round taken whole by the daemon that looks first (a claim takes all that
        is due)."""
        from sqlalchemy import text

        from monitor.clock import utcnow
        from monitor.config.settings import load_settings
        from monitor.config.sources import feed_sources
        from monitor.store import open_store

        store = open_store(self.db)
        store.sync_feeds(feed_sources(load_settings(self.cfg)))
        with store.engine.begin() as c:
            c.execute(
                text("UPDATE feed SET next_poll_at = :at + (id % :every) * interval '1 second'"),
                {"at": utcnow() + timedelta(seconds=15), "every": self.args.every},
            )
        store.engine.dispose()

    def _sleep(self, seconds: float) -> None:
        """Sleep, healing the links whose time has come."""
        end = time.monotonic() + seconds
        while True:
            self._heal_due()
            left = end - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(0.05, left))

    def _heal_due(self) -> None:
        now = time.monotonic()
        for i, at in list(self.heal_at.items()):
            if now >= at:
                self.nets.heal(i)
                with self.lock:
                    p = self.cut.pop(i)
                    del self.heal_at[i]
                self.last_heal[i] = now
                p.healed_at = round(now - self.t0, 1)
                p.healed_utc = _utc()
                self.heal_last = now

    def _eligible(self) -> list[int]:
        """The daemons that may be cut now: connected, and not healed in the last rest_s."""
        now = time.monotonic()
        return [
            i
            for i in self.daemons
            if i not in self.cut and now - self.last_heal.get(i, -1e9) >= self.rest_s
        ]

    def _partition(self, kind: str) -> None:
        """Wait for a moment of this kind on a connected daemon, and cut its link."""
        import psycopg

        addrs = {self.nets.addr(i): i for i in self._eligible()}
        victim, moment = None, ""
        end = time.monotonic() + WAIT_S
        marks = (len(self.site.clients), len(self.hook.arrivals), len(self.mail.arrivals))
        conn = psycopg.connect(self.db.replace("+psycopg", ""), autocommit=True)
        try:
            while victim is None and time.monotonic() < end and kind != "random":
                self._heal_due()
                addrs = {a: i for a, i in addrs.items() if i not in self.cut}
                if not addrs:  # (cannot be: cuts happen here only)
                    break
                if kind == "poll":
                    for _, peer, path in self.site.clients[marks[0] :]:
                        if path.startswith("/f/") and peer in addrs:
                            victim, moment = addrs[peer], f"fetch of {path}"
                            break
                elif kind in ("webhook", "mail"):
                    box = self.hook if kind == "webhook" else self.mail
                    for _, peer in box.arrivals[marks[1 if kind == "webhook" else 2] :]:
                        if peer in addrs:
                            victim, moment = addrs[peer], f"{kind} message came"
                            break
                elif kind == "store":
                    rows = conn.execute(
                        "SELECT host(client_addr), state, left(query, 160) FROM pg_stat_activity"
                        " WHERE xact_start IS NOT NULL AND host(client_addr) = ANY(%s)",
                        [list(addrs)],
                    ).fetchall()
                    for peer, state, query in rows:
                        if STORE_SQL.search(query or "") and "search" not in query:
                            victim = addrs[peer]
                            moment = f"transaction {state}: {' '.join(query.split())[:100]}"
                            break
                if victim is None:
                    time.sleep(0.02)
        finally:
            conn.close()
        if victim is None:
            victim = self.rnd.choice(sorted(addrs.values()))
            moment = "at once" if kind == "random" else f"no {kind} seen in {WAIT_S} s: at once"
        self.nets.cut(victim)
        now = time.monotonic()
        p = Partition(victim, kind, moment, round(now - self.t0, 1), _utc())
        with self.lock:
            self.partitions.append(p)
            self.cut[victim] = p
            self.heal_at[victim] = now + self.args.cut_s
            self.most_cut = max(self.most_cut, len(self.cut))

    # -- looking on ----------------------------------------------------------------------------

    def _owners(self) -> dict[int, str]:
        """Each daemon's name in leases, from its "daemon started" line."""
        out = {}
        for i, d in self.daemons.items():
            for line in d.log.read_text(errors="replace").splitlines():
                if '"daemon started"' in line:
                    with contextlib.suppress(ValueError):
                        out[i] = json.loads(line)["daemon"]
        return out

    def _sample(self) -> None:
        """Every 5 s, while a link is cut: what the victim holds, who waits on a lock;
        from 20 s after a heal, while it is connected: the victim's fenced writes."""
        import psycopg

        conn = psycopg.connect(self.db.replace("+psycopg", ""), autocommit=True)
        scraped: set[int] = set()
        while not self.stopping.wait(5):
            with self.lock:
                cut = dict(self.cut)
                healed = [
                    (n, p)
                    for n, p in enumerate(self.partitions)
                    if p.healed_at is not None and n not in scraped
                ]
            try:
                for i, p in cut.items():
                    self._look(conn, i, p)
            except psycopg.Error as exc:
                print(f"sampling: {exc}", file=sys.stderr)
                with contextlib.suppress(Exception):
                    conn.close()
                conn = psycopg.connect(self.db.replace("+psycopg", ""), autocommit=True)
            for n, p in healed:
                assert p.healed_at is not None
                since = time.monotonic() - self.t0 - p.healed_at
                if since >= 20 and p.daemon not in self.cut:
                    p.fenced_after_heal = self._scrape(p.daemon, quiet=True)
                if p.fenced_after_heal is not None or since > 120:
                    scraped.add(n)  # read, or given up: cut again, or not answering
        conn.close()

    def _look(self, conn: Any, i: int, p: Partition) -> None:
        owner = self.owners[i]
        held, stuck = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE lease_until < now() - interval '10 s')"
            " FROM feed WHERE lease_owner = %s",
            [owner],
        ).fetchone()
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        ).fetchone()[0]
        tx = conn.execute(
            "SELECT state, extract(epoch FROM now() - xact_start), left(query, 160)"
            " FROM pg_stat_activity WHERE host(client_addr) = %s AND xact_start IS NOT NULL"
            " ORDER BY xact_start LIMIT 1",
            [self.nets.addr(i)],
        ).fetchone()
        if p.held_at_cut is None:
            p.held_at_cut = held
        p.stuck_most = max(p.stuck_most, stuck)
        p.lock_waiters_most = max(p.lock_waiters_most, waiting)
        if tx is not None:
            p.open_transaction = f"{tx[0]}: {' '.join((tx[2] or '').split())[:120]}"
            p.open_transaction_s = round(max(p.open_transaction_s, float(tx[1])), 1)
        p.samples.append(
            {
                "t": round(time.monotonic() - self.t0, 1),
                "held": held,
                "stuck": stuck,
                "lock_waiters": waiting,
                "open_tx_s": round(float(tx[1]), 1) if tx else None,
            }
        )

    def _scrape(self, i: int, quiet: bool = False) -> float | None:
        """The daemon's news_monitor_fenced_writes_total, over its own link."""
        req = urllib.request.Request(
            f"http://{self.nets.addr(i)}:{PORT}/metrics",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                body = r.read().decode()
        except OSError as exc:
            if not quiet:
                print(f"metrics of daemon {i}: {exc}", file=sys.stderr)
            return None
        m = re.search(r"^news_monitor_fenced_writes_total (\S+)$", body, re.M)
        return float(m.group(1)) if m else None

    def _settled(self) -> bool:
        from benchmarks.chaos import counts

        c = counts(self.db)
        return (
            c["articles"] >= self.site.items
            and self._unsent_hits() == 0
            and c["deliveries_pending"] == 0
        )

    def _query(self, sql: str) -> list[Any]:
        from sqlalchemy import text

        from monitor.store import open_store

        store = open_store(self.db, migrate=False)
        try:
            with store.engine.connect() as c:
                return list(c.execute(text(sql)).all())
        finally:
            store.engine.dispose()

    def _unsent_hits(self) -> int:
        """Hits not yet in a digest of each subscription."""
        return int(
            self._query(
                "SELECT count(*) FROM hit h CROSS JOIN (VALUES ('desk'), ('morning')) s(name)"
                " WHERE NOT EXISTS (SELECT 1 FROM digest_item d"
                " WHERE d.hit_id = h.id AND d.subscription = s.name)"
            )[0][0]
        )

    # -- the figures ------------------------------------------------------------------------

    def _figures(
        self, settled: bool, settle_s: float, exits: dict[int, int | None]
    ) -> dict[str, Any]:
        from benchmarks.chaos import counts
        from benchmarks.chaoslib import fetched_twice, log_problems
        from monitor.digest.deliver import MESSAGE_ID_DOMAIN, destinations

        c = counts(self.db)
        twice = self._query(
            "SELECT count(*) FROM (SELECT url FROM article GROUP BY url HAVING count(*) > 1) t"
        )[0][0]
        built_twice = self._query(
            "SELECT count(*) FROM (SELECT subscription, period_start FROM digest"
            " WHERE kind = 'digest' GROUP BY 1, 2 HAVING count(*) > 1) t"
        )[0][0]
        sent = self._query(
            "SELECT coalesce(g.key, 'digest-' || g.id), d.destination FROM delivery d"
            " JOIN digest g ON g.id = d.digest_id"
        )
        [hook_dest] = destinations([self.hook.url()], Path("/unused"))
        [mail_dest] = destinations([self.mail.url()], Path("/unused"))
        expected_hook = {f"{k}.{d[:12]}" for k, d in sent if d == hook_dest.key}
        expected_mail = {
            f"<{k}.{d[:12]}@{MESSAGE_ID_DOMAIN}>" for k, d in sent if d == mail_dest.key
        }
        webhook = received_parts(
            [h.get("idempotency-key", "") for h in self.hook.headers], expected_hook
        )
        email = received_parts(self.mail.ids, expected_mail)
        audit = self._audit()
        self._leases_passed()
        self._back_polling()
        self._victim_logs()
        logs = [ln for d in self.daemons.values() for ln in d.log.read_text().splitlines()]
        problems = [log_problems(d.log) for d in self.daemons.values()]
        refused = {k: sum(pat in ln for ln in logs) for k, pat in REFUSALS.items()}
        refused["poll_results_dropped"] = sum(
            json.loads(ln).get("dropped", 0)
            for ln in logs
            if REFUSALS["poll_results"] in ln and ln.startswith("{")
        )
        pglog = (self.pg.folder / "log").read_text(errors="replace").splitlines()
        repeats = webhook["repeats"] + email["repeats"]
        parts = self.partitions
        backs = [p.back_polling_s for p in parts if p.back_polling_s is not None]
        return {
            "daemons": DAEMONS,
            "partitions": len(parts),
            "cut_s": self.args.cut_s,
            "most_daemons_cut_at_once": self.most_cut,
            "moments": {
                k: sum(p.kind == k and (k == "random" or "at once" not in p.moment) for p in parts)
                for k in KINDS
            },
            "moments_missed": sum(p.kind != "random" and "at once" in p.moment for p in parts),
            "settled": settled,
            "settle_s": round(settle_s, 1),
            "clean_exits": sum(e == 0 for e in exits.values()),
            "items_served": self.site.items,
            "hits": c["hits"],
            "hits_lost": self.site.items - c["hits"],
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
            "fenced_writes_metric": {i: v for i, v in self.fenced.items()},
            "fenced_writes_metric_sum": sum(v or 0 for v in self.fenced.values()),
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
                fetched_twice(self.site, self.args.every / 2)
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
            "per_partition": [
                {k: v for k, v in asdict(p).items() if k != "samples"} for p in parts
            ],
        }

    def _audit(self) -> dict[str, Any]:
        """From the trigger's table: writes by a daemon while the lease was another's."""
        rows = self._query(
            "SELECT host(addr), what, feed_id, holder, new_owner, expired, at"
            " FROM bench_audit ORDER BY at"
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
        self.audit_rows = rows
        self.who = who
        return {
            "writes": writes,
            "claims": sum(r[1] == "claim" for r in rows),
            "after_lost": len(after_lost),
            "after_lost_examples": after_lost[:10],
            "expired_not_taken": expired,
        }

    def _leases_passed(self) -> None:
        """Each partition: its victim's feeds claimed by another while it was cut."""
        for p in self.partitions:
            owner = self.owners[p.daemon]
            start = p.cut_at
            end = p.healed_at if p.healed_at is not None else float("inf")
            for addr, what, _, holder, _, _, at in self.audit_rows:
                if what != "claim" or holder != owner or addr == self.nets.addr(p.daemon):
                    continue
                t = self._since_start(at)
                if start <= t <= end:
                    p.leases_passed += 1

    def _since_start(self, at: Any) -> float:
        """A database time as seconds since this run's start (same machine's clock)."""
        if not hasattr(self, "_wall0"):
            self._wall0 = time.time() - (time.monotonic() - self.t0)
        return float(at.timestamp()) - self._wall0

    def _back_polling(self) -> None:
        """From each heal to the victim's next feed fetch (None: cut again first)."""
        for p in self.partitions:
            if p.healed_at is None:
                continue
            addr = self.nets.addr(p.daemon)
            until = min(
                (q.cut_at for q in self.partitions if q.daemon == p.daemon and q.cut_at > p.cut_at),
                default=float("inf"),
            )
            after = [
                t - self.t0 - p.healed_at
                for t, peer, path in self.site.clients
                if peer == addr and path.startswith("/f/") and p.healed_at <= t - self.t0 < until
            ]
            p.back_polling_s = round(min(after), 1) if after else None

    def _victim_logs(self) -> None:
        for p in self.partitions:
            end = _later(p.healed_utc, 120) if p.healed_utc else "9"
            for line in self.daemons[p.daemon].log.read_text(errors="replace").splitlines():
                if not line.startswith("{") or '"level": "info"' in line:
                    continue
                with contextlib.suppress(ValueError):
                    e = json.loads(line)
                    if p.cut_utc <= e.get("timestamp", "") <= end:
                        event = _JOB.sub(r"job \1", e.get("event", ""))
                        what = f"{e.get('level')}: {event}"
                        p.victim_log[what[:150]] = p.victim_log.get(what[:150], 0) + 1

    def stop_all(self) -> None:
        self.stopping.set()
        for d in self.daemons.values():
            with contextlib.suppress(Exception):
                d.kill()


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


def _utc(after_s: float = 0) -> str:
    """Now (or `after_s` later) as the daemons' log lines write it."""
    return (datetime.now(UTC) + timedelta(seconds=after_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _later(stamp: str, seconds: float) -> str:
    t = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ") + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def report(result: dict[str, Any], as_json: bool) -> None:
    from benchmarks.chaoslib import print_table

    if as_json:
        print(json.dumps(result, default=str))
        return
    r = result
    n = r["partitions"]
    w, e, ref = r["webhook"], r["email"], r["refused"]

    def msgs(x: dict[str, int]) -> str:
        return f"{x['messages']} / {x['expected']} / {x['lost']} / {x['repeats']} / " + str(
            x["repeats_not_droppable"]
        )

    back = r["back_polling_after_heal_s"]
    rows: list[tuple[str, object, str]] = [
        ("partitions × cut seconds", f"{n} × {r['cut_s']:g}", "20 × 240 (2× the lease)"),
        ("most daemons cut at once", r["most_daemons_cut_at_once"], f"< {r['daemons']}"),
        ("moments: " + " / ".join(KINDS), " / ".join(str(v) for v in r["moments"].values()), ""),
        ("moments aimed at, not seen (cut at once)", r["moments_missed"], ""),
        ("leases held at the cuts / passed to the others",
         f"{r['leases_held_at_cuts']} / {r['leases_passed']}", "all passed"),
        ("partitions whose victim held leases / passed",
         f"{sum(p['held_at_cut'] > 0 for p in r['per_partition'] if p['held_at_cut'])}"
         f" / {r['partitions_whose_leases_passed']}", ""),
        ("items served / hits / lost", f"{r['items_served']} / {r['hits']} / {r['hits_lost']}",
         "0 lost"),
        ("articles stored twice", r["articles_stored_twice"], "0"),
        ("hits in two digests / digests built twice",
         f"{r['hits_in_two_digests']} / {r['digests_built_twice']}", "0 / 0"),
        ("webhook: posts/expected/lost/repeats/other key", msgs(w), "0 lost, 0 other"),
        ("... digests sent to it in parts", w["sent_in_parts"], ""),
        ("mail: messages/expected/lost/repeats/other id", msgs(e), "0 lost, 0 other"),
        ("repeats, per partition", f"{r['repeats']}, {r['repeats_per_partition']}", "≤ 1"),
        ("writes after a lost lease (database audit)", r["writes_after_a_lost_lease"], "0"),
        ("writes under an expired lease nobody took",
         r["writes_under_an_expired_lease_not_taken"], ""),
        ("fenced writes (metric, sum of daemons)", r["fenced_writes_metric_sum"], ""),
        ("refused: entries / poll results / deliveries",
         f"{ref['entries']} / {ref['poll_results_dropped']} / {ref['deliveries']}", ""),
        ("sent after the claim expired (log)", ref["sent_after_claim_expired"], ""),
        ("cut with a transaction open (partitions)", r["open_transaction_while_cut"], ""),
        ("feeds stuck: expired leases not taken (most)", r["stuck_feeds_most"], "0"),
        ("sessions waiting on a lock while cut (most)", r["lock_waiters_most"], "0"),
        ("lock waits > 1 s in PostgreSQL's log", r["postgres_log"]["lock_waits"], ""),
        ("back polling after heal: median / slowest s",
         f"{back['median']} / {back['slowest']}", ""),
        ("settled after the last heal (s)", f"{r['settled']} ({r['settle_s']})", "True"),
        ("tracebacks / error lines in the logs",
         f"{r['log']['tracebacks']} / {r['log']['error_lines']}", "0 / 0"),
        ("clean exits", r["clean_exits"], f"{r['daemons']}"),
        ("namespaces, links, database left behind", len(r.get("left_behind", [])), "0"),
    ]  # fmt: skip
    print_table("partition", rows)
    print("\n  #  daemon  cut (UTC)     healed        leases passed  stuck  back s  moment")
    for k, p in enumerate(r["per_partition"], 1):
        print(
            f"  {k:>2}  {p['daemon']:>6}  {p['cut_utc'][11:23]}  {(p['healed_utc'] or '')[11:23]}  "
            f"{p['leases_passed']:>13}  {p['stuck_most']:>5}  {p['back_polling_s']!s:>6}  "
            f"{p['moment'][:70]}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    add_parser(sub)
    args = ap.parse_args(["partition", *sys.argv[1:]])
    report(run(args), args.json)


if __name__ == "__main__":
    main()
