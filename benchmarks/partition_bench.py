"""partition's run (benchmarks/cluster_partition.py): the daemons set up and started, links
cut at the moments aimed at and healed, what a victim holds looked at while it is cut, and
the wait for everything to settle before the figures (benchmarks/partition_audit.py)."""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.partition_audit import AUDIT, figures, query
from benchmarks.partition_plan import DAEMONS, Partition

PORT = 8089  # each daemon's listener, inside its own namespace
TOKEN = "partition-bench-token"
WAIT_S = 120  # for the moment a cut is aimed at; then at once
# A transaction storing a feed's entries (not the search indexer's, which reads articles)
STORE_SQL = re.compile(r"feed_entry|INSERT INTO (article|hit|story)|pg_advisory_xact_lock", re.I)


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
        return figures(self, settled, settle_s, exits)

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
            and _unsent_hits(self.db) == 0
            and c["deliveries_pending"] == 0
        )

    def stop_all(self) -> None:
        self.stopping.set()
        for d in self.daemons.values():
            with contextlib.suppress(Exception):
                d.kill()


def _unsent_hits(db: str) -> int:
    """Hits not yet in a digest of each subscription."""
    return int(
        query(
            db,
            "SELECT count(*) FROM hit h CROSS JOIN (VALUES ('desk'), ('morning')) s(name)"
            " WHERE NOT EXISTS (SELECT 1 FROM digest_item d"
            " WHERE d.hit_id = h.id AND d.subscription = s.name)",
        )[0][0]
    )


def _utc(after_s: float = 0) -> str:
    """Now (or `after_s` later) as the daemons' log lines write it."""
    return (datetime.now(UTC) + timedelta(seconds=after_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
