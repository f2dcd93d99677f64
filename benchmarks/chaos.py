"""Crashes, several daemons and a database restart, measured from outside (RELIABILITY
rows 20-27; figures to publish 2, 3 and 6). Loopback servers only; bounded in count
and time.

    python benchmarks/chaos.py delivery   [--kills 100] [--db URL]
    python benchmarks/chaos.py daemons    [--daemons 3] [--feeds 100] [--minutes 4] [--db URL]
    python benchmarks/chaos.py writers    [--writers 8] [--kills 20]
    python benchmarks/chaos.py pg-restart [--db URL]
    ... [--json]

delivery: one daemon, an immediate subscription to a real SMTP server and a slow
  webhook, new hits arriving, killed -9 at random while it sends, restarted each time.
daemons: several daemons on one PostgreSQL database, feeds polled every 30 s, one of
  them killed -9 at random and restarted; then the same with one daemon, no kills,
  for the work done. The site counts every fetch of every feed and page.
writers: SQLite with 8 processes writing at once; then a writer killed -9 mid-write.
pg-restart: a daemon on PostgreSQL while the server restarts (-m immediate).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email import message_from_bytes
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from aiosmtpd.controller import Controller
from sqlalchemy import text

from benchmarks.chaoslib import (
    Daemon,
    NewsSite,
    fetched_twice,
    grow_every,
    log_problems,
    print_table,
    wait_until,
    write_config,
)
from monitor.digest.deliver import MESSAGE_ID_DOMAIN, destinations, identity
from monitor.store import open_store
from tests.support.net import WebhookReceiver, free_port

PG_ADMIN = os.environ.get("MONITOR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


# -- receivers ----------------------------------------------------------------------------


class Mailbox:
    """A real SMTP server on `host` keeping each message's Message-ID, and (in `arrivals`)
    when and from whom each came; it answers `delay_s` after a message has come."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.ids: list[str] = []
        self.arrivals: list[tuple[float, str]] = []
        self.delay_s = 0.0
        box = self

        class Handler:
            async def handle_DATA(self, server: object, session: Any, envelope: Any) -> str:
                box.ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
                box.arrivals.append((time.monotonic(), str(session.peer[0])))
                if box.delay_s:
                    await asyncio.sleep(box.delay_s)
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname=host, port=self.port)
        self.controller.start()

    def url(self) -> str:
        return (
            f"mailto://{self.host}:{self.port}?from=m@example.org&to=desk@example.org&mode=insecure"
        )


def received(ids: list[str], expected: set[str]) -> dict[str, int]:
    """Messages a receiver got, against the identities the database says it should. A
    digest sent in parts carries its identity with the part's number (`.2`): each part
    is its own message, and all of them are that delivery's."""
    unique = set(ids)
    delivered = {_delivery(i, expected) for i in unique}
    return {
        "messages": len(ids),
        "expected": len(expected),
        "lost": len(expected - delivered),
        "repeats": len(ids) - len(unique),
        "repeats_not_droppable": len(delivered - expected),  # a repeat under another identity
    }


def _delivery(ident: str, expected: set[str]) -> str:
    """The delivery a message's identity names: itself, or without its part number."""
    base = re.sub(r"\.\d+(?=(@[^>]*>)?$)", "", ident)
    return base if ident not in expected and base in expected else ident


def fresh_pg_database() -> str:
    import psycopg

    name = f"monitor_chaos_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def counts(db: str) -> dict[str, int]:
    store = open_store(db)
    q = {
        "articles": "SELECT count(*) FROM article",
        "hits": "SELECT count(*) FROM hit",
        "hits_not_in_a_digest": "SELECT count(*) FROM hit WHERE id NOT IN (SELECT hit_id FROM digest_item)",
        "hits_in_two_digests": "SELECT count(*) FROM (SELECT hit_id FROM digest_item GROUP BY subscription, hit_id HAVING count(*) > 1) t",
        "digests": "SELECT count(*) FROM digest",
        "deliveries_pending": "SELECT count(*) FROM delivery WHERE status != 'sent'",
    }
    with store.engine.connect() as c:
        out = {k: int(c.execute(text(v)).scalar() or 0) for k, v in q.items()}
    store.engine.dispose()
    return out


def expected_ids(db: str, urls: list[str]) -> dict[str, set[str]]:
    """Each destination's identities, from the digests the database holds."""
    store = open_store(db)
    with store.engine.connect() as c:
        keys = [k or f"digest-{i}" for i, k in c.execute(text("SELECT id, key FROM digest")).all()]
    store.engine.dispose()
    return {
        d.url or "": {identity(k, d) for k in keys} for d in destinations(urls, Path("/unused"))
    }


def settled(db: str, site: NewsSite) -> bool:
    c = counts(db)
    return (
        c["articles"] >= site.items
        and c["hits_not_in_a_digest"] == 0
        and c["deliveries_pending"] == 0
    )


# -- delivery -------------------------------------------------------------------------------


def delivery(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="chaos-delivery-"))
    db = args.db or f"sqlite:///{tmp / 'chaos.db'}"
    site, mail, hook = NewsSite(args.feeds), Mailbox(), WebhookReceiver()
    hook.delay_s = 0.3  # sends take a while: kills land during them
    urls = [mail.url(), hook.url()]
    cfg = write_config(tmp / "monitor.yaml", db, site, "5s", urls, pages=False)
    daemon, rnd = Daemon(cfg, tmp / "daemon.log"), random.Random(args.seed)
    growing = threading.Event()
    threading.Thread(target=grow_every, args=(site, growing, 4.0), daemon=True).start()
    for _ in range(args.kills):
        # Killed while it sends: soon after a post reaches the (slow) webhook, or at a
        # random moment when none comes.
        daemon.start()
        posts = len(hook.headers)
        wait_until(lambda: len(hook.headers) > posts, rnd.uniform(2.0, 8.0), 0.05)  # noqa: B023
        time.sleep(rnd.uniform(0.0, 0.4))
        daemon.kill()
    growing.set()
    daemon.start()
    ok = wait_until(lambda: settled(db, site), 600, 2)
    exit_code = daemon.stop()
    mail.controller.stop()
    expected = expected_ids(db, urls)
    c = counts(db)
    result = {
        "kills": args.kills,
        "items_served": site.items,
        "settled": ok,
        "clean_exit": exit_code == 0,
        "hits_lost": site.items - c["hits"],
        **{k: c[k] for k in ("hits", "digests", "hits_not_in_a_digest")},
        "email": received(mail.ids, {f"<{i}@{MESSAGE_ID_DOMAIN}>" for i in expected[urls[0]]}),
        "webhook": received(
            [h.get("idempotency-key", "") for h in hook.headers], expected[urls[1]]
        ),
        "log": log_problems(daemon.log),
    }
    repeats = result["email"]["repeats"] + result["webhook"]["repeats"]
    result["repeats_per_kill"] = round(repeats / max(1, args.kills), 3)
    site.close()
    hook.close()
    return result


# -- daemons --------------------------------------------------------------------------------


def daemons(args: argparse.Namespace) -> dict[str, Any]:
    several = _daemons_run(args, args.daemons, kills=True)
    one = _daemons_run(args, 1, kills=False)
    keys = ("feed_fetches", "polls_per_interval", "page_fetches", "hits")
    several["one_daemon"] = {k: one[k] for k in keys}
    several["work_ratio"] = round(several["polls_per_interval"] / one["polls_per_interval"], 2)
    return several


def _daemons_run(args: argparse.Namespace, n: int, kills: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"chaos-daemons-{n}-"))
    db = args.db or fresh_pg_database()
    site, hook = NewsSite(args.feeds), WebhookReceiver()
    cfg = write_config(tmp / "monitor.yaml", db, site, f"{args.every}s", [hook.url()])
    ds = [Daemon(cfg, tmp / f"daemon-{i}.log") for i in range(n)]
    started = time.monotonic()
    for d in ds:
        d.start()
    rnd = random.Random(args.seed)
    growing = threading.Event()
    threading.Thread(target=grow_every, args=(site, growing, 45.0), daemon=True).start()
    end, kill_times = time.monotonic() + args.minutes * 60, []
    while time.monotonic() < end:
        time.sleep(rnd.uniform(20, 40) if kills else 5)
        if kills and time.monotonic() < end:
            victim = rnd.choice(ds)
            victim.kill()
            kill_times.append(time.monotonic())
            victim.start()
    growing.set()
    ok = wait_until(lambda: settled(db, site), 900, 5)
    exits = [d.stop() for d in ds]
    elapsed = time.monotonic() - started
    expected = expected_ids(db, [hook.url()])
    c = counts(db)
    feeds = {p: t for p, t in site.fetches.items() if p.startswith("/f/")}
    pages = {p: t for p, t in site.fetches.items() if p.startswith("/p/")}
    too_soon = fetched_twice(site, args.every / 2)
    # A poll cut off by a kill is done again: its result (the new ETag) was never written.
    after_kill = sum(1 for a, b in too_soon if any(a <= k <= b for k in kill_times))
    result = {
        "daemons": n,
        "kills": len(kill_times),
        "minutes": args.minutes,
        "settled": ok,
        "clean_exits": sum(e == 0 for e in exits),
        "feed_fetches": sum(map(len, feeds.values())),
        # polls per feed and interval, over the whole run: 1.0 is one poll each interval
        "polls_per_interval": round(
            sum(map(len, feeds.values())) / (args.feeds * elapsed / args.every), 2
        ),
        "feed_fetches_within_an_interval": len(too_soon),
        "of_them_a_poll_cut_off_by_a_kill": after_kill,
        "page_fetches": sum(map(len, pages.values())),
        "pages_fetched_twice": sum(len(t) - 1 for t in pages.values()),
        "items_served": site.items,
        "hits": c["hits"],
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


# -- writers --------------------------------------------------------------------------------


def writers(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="chaos-writers-"))
    db = f"sqlite:///{tmp / 'w.db'}"
    open_store(db).engine.dispose()  # migrated once
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", "write", "--db", db, "--name", f"w{i}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(args.writers)
    ]
    locked = sum(json.loads(p.communicate()[0])["locked"] for p in procs)
    written = counts(db)["articles"]
    # Killed mid-write: every commit acknowledged on stdout must be there afterwards.
    acknowledged: list[str] = []
    rnd = random.Random(args.seed)
    for k in range(args.kills):
        p = subprocess.Popen(
            [sys.executable, __file__, "--child", "ack", "--db", db, "--name", f"k{k}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(rnd.uniform(1.0, 3.0))
        p.kill()
        out, _ = p.communicate()
        acknowledged += out.split()
    store = open_store(db)
    with store.engine.connect() as c:
        integrity = c.exec_driver_sql("PRAGMA integrity_check").scalar()
    missing = set(acknowledged) - set(store.known_articles(acknowledged))
    store.engine.dispose()
    return {
        "writers": args.writers,
        "articles_written_at_once": written,
        "database_is_locked": locked,
        "kills": args.kills,
        "acknowledged_commits": len(acknowledged),
        "acknowledged_commits_lost": len(missing),
        "integrity_check": integrity,
    }


def child(args: argparse.Namespace) -> None:
    """A writing process: `write` stores 60 feeds' worth and says how often the database
    was locked; `ack` stores one article per commit and prints each once committed."""
    from monitor.identity.fingerprint import content_hash
    from monitor.types import Article, FeedBatch, NewEntry

    store = open_store(args.db, migrate=False)
    locked = 0
    for i in range(10_000 if args.child == "ack" else 60):
        url = f"https://{args.name}.example/{i}"
        a = Article(url, url, f"T{i}", f"Text {args.name} {i}", "W", None, None, None, "feed",
                    content_hash(url, ""))  # fmt: skip
        [result] = store.save_feeds([FeedBatch(None, [NewEntry(a, ())])])
        if isinstance(result, Exception):
            locked += "locked" in str(result)
            continue
        if args.child == "ack":
            print(url, flush=True)
    if args.child == "write":
        print(json.dumps({"locked": locked}))


# -- pg-restart ----------------------------------------------------------------------------


def pg_restart(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
    db = args.db or fresh_pg_database()
    site, hook = NewsSite(40), WebhookReceiver()
    cfg = write_config(tmp / "monitor.yaml", db, site, "5s", [hook.url()])
    daemon, rnd = Daemon(cfg, tmp / "daemon.log"), random.Random(args.seed)
    daemon.start()
    wait_until(lambda: counts(db)["articles"] >= site.items, 120, 1)
    growing = threading.Event()
    threading.Thread(target=grow_every, args=(site, growing, 2.0), daemon=True).start()
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    restarts = 0
    for _ in range(args.kills):  # while it polls, stores and sends
        time.sleep(rnd.uniform(3.0, 10.0))
        done = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart",
             "-m", "immediate"],
            capture_output=True,
        )  # fmt: skip
        restarts += done.returncode == 0
        wait_until(_pg_ready, 60, 0.5)
    after = time.monotonic()
    growing.set()
    ok = wait_until(lambda: settled(db, site), 600, 2)
    polled_after = sum(
        1 for p, t in site.fetches.items() if p.startswith("/f/") and t and t[-1] > after
    )
    alive = daemon.alive
    exit_code = daemon.stop()
    lines = daemon.log.read_text().splitlines()
    c = counts(db)
    site.close()
    hook.close()
    return {
        "restarts": restarts,
        "daemon_alive_after": alive,
        "clean_exit": exit_code == 0,
        "feeds_polled_after": polled_after,
        "feeds": site.feeds,
        "items_served": site.items,
        "hits_lost": site.items - c["hits"],
        "hits_not_in_a_digest": c["hits_not_in_a_digest"],
        "settled": ok,
        "warnings": sum('"level": "warning"' in line for line in lines),
        **log_problems(daemon.log),
    }


def _pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario", nargs="?", choices=["delivery", "daemons", "writers", "pg-restart"])
    ap.add_argument("--db", help="database URL (default: a fresh one)")
    ap.add_argument("--kills", type=int, default=None)
    ap.add_argument("--feeds", type=int, default=None)
    ap.add_argument("--daemons", type=int, default=3)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--minutes", type=float, default=4.0)
    ap.add_argument("--every", type=int, default=30, help="feed interval, seconds (daemons)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", choices=["write", "ack"], help=argparse.SUPPRESS)
    ap.add_argument("--name", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if args.scenario == "delivery":
        args.kills, args.feeds = args.kills or 100, args.feeds or 10
        result = delivery(args)
    elif args.scenario == "daemons":
        args.feeds = args.feeds or 100
        result = daemons(args)
    elif args.scenario == "writers":
        args.kills = args.kills or 20
        result = writers(args)
    elif args.scenario == "pg-restart":
        args.kills = args.kills or 3
        result = pg_restart(args)
    else:
        ap.error("name a scenario")
    if args.json:
        print(json.dumps(result))
    else:
        print_table(args.scenario, [(k, v, "") for k, v in _flat(result)])


def _flat(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        if isinstance(v, dict):
            out += _flat(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", v))
    return out


if __name__ == "__main__":
    main()
