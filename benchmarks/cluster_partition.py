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
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.partition_plan import DAEMONS, HOLD_S, KINDS


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
    from benchmarks.partition_bench import Bench
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
