"""cluster_scale's figures as a table (or `--json`), with the targets beside them."""

from __future__ import annotations

import argparse
import json
from typing import Any


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
