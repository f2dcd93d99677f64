"""Sources beyond feeds: what a poll of each kind costs, what hostile inputs cost, and how
soon a WebSub push becomes an immediate alert.

(a) Polls of each kind (a news sitemap, a Telegram channel preview, a section page)
    against an RSS feed of the same size, in the same run: SOURCES sources of each
    kind, ROUNDS polls each, ITEMS entries a document of which NEW are new at each
    poll (`pages: false`, so the source's own cost is measured: fetch, parse, what
    is new, match, store). Parsing runs in threads of this process, so its CPU time
    (getrusage) covers everything but the server, which runs in its own process.
(b) Hostile inputs, each parsed in a fresh process: its peak RSS and wall time,
    against the same process parsing a plain 50-item feed.
(c) WebSub: a daemon subscribed at a local hub; seconds from the hub's push to the
    immediate alert at a local webhook, against a polled feed (from publication to
    the alert when the poll comes at once, plus the wait for the poll: half the
    default interval on average, all of it at worst).
(d) One story published by five routes, the push first or last: the articles,
    stories, alerts and page fetches it became (each should be 1).

    python benchmarks/sources.py [--sources 20] [--rounds 10] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import hostile

ITEMS, NEW = 50, 5
KINDS = ("feed", "sitemap", "telegram", "page")
SENTENCE = (
    "Officials in Yerevan discussed the border commission's next meeting and the "
    "timetable of the talks on Thursday, with experts from both sides present."
)


def document(kind: str, source: int, poll: int) -> bytes:
    """Source `source`'s document at its `poll`th request: ITEMS entries, NEW new."""
    first = poll * NEW
    ids = range(first, first + ITEMS)
    return hostile.plain(kind, source, ids, SENTENCE)


def serve(port_out: Any) -> None:  # the server's own process
    counts: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            _, kind, source = self.path.split("/")[:3]
            n = counts[self.path] = counts.get(self.path, -1) + 1
            body = document(kind, int(source), n) if kind in KINDS else b""
            self.send_response(200 if body else 404)
            self.send_header(
                "Content-Type", "text/html" if kind in ("telegram", "page") else "application/xml"
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.send(httpd.server_address[1])
    httpd.serve_forever()


def polls(base: str, kind: str, sources: int, rounds: int, tmp: Path) -> dict[str, float]:
    from monitor.fetch.aio import AioFetcher
    from monitor.fetch.client import FetchPolicy
    from monitor.match.matcher import Matcher
    from monitor.pipeline.refresh import Pipeline
    from monitor.store import open_store
    from monitor.types import FeedSource
    from monitor.watchlists.load import BUNDLED, load_watchlists

    store = open_store(f"sqlite:///{tmp / f'{kind}.db'}")
    urls = [f"{base}/{kind}/{i}" for i in range(sources)]
    store.sync_feeds([FeedSource(u, None, 900, False, kind) for u in urls])  # type: ignore[arg-type]
    matcher = Matcher(load_watchlists([BUNDLED])[0])
    n = 0

    async def go() -> None:
        nonlocal n
        async with AioFetcher(FetchPolicy(timeout_s=60, allow_private_networks=True)) as f:
            pipe = Pipeline(store, f, lambda: matcher, respect_robots=False)
            for _ in range(rounds):
                feeds = store.active_feeds()
                results = await asyncio.gather(*(pipe.refresh(feed) for feed in feeds))
                bad = [r.error for r in results if r.failed]
                assert not bad, bad
                n += len(results)

    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    asyncio.run(go())
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    store.engine.dispose()
    return {"polls": n, "polls_per_s": n / wall, "cpu_ms_per_poll": 1000 * cpu / n}


def hostile_inputs() -> dict[str, dict[str, Any]]:
    out = {}
    for name in hostile.CASES:
        proc = subprocess.run(
            [sys.executable, hostile.__file__, name], capture_output=True, text=True, timeout=600
        )
        if proc.returncode != 0:
            raise SystemExit(f"{name}: {proc.stderr[-2000:]}")
        out[name] = json.loads(proc.stdout)
    return out


def push_latency(pushes: int, tmp: Path) -> dict[str, Any]:
    from benchmarks.pushbench import measure

    return measure(pushes, tmp)


def five_routes(tmp: Path) -> dict[str, dict[str, int]]:
    from benchmarks.pushbench import routes

    return {
        order: routes(tmp, order == "pushed first") for order in ("polled first", "pushed first")
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--pushes", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    tmp = Path(tempfile.mkdtemp(prefix="sources-bench-"))
    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    server = ctx.Process(target=serve, args=(send,), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{recv.recv()}"
    try:
        cost = {k: polls(base, k, args.sources, args.rounds, tmp) for k in KINDS}
        memory = hostile_inputs()
        latency = push_latency(args.pushes, tmp)
        dedup = five_routes(tmp)
    finally:
        server.terminate()
        shutil.rmtree(tmp, ignore_errors=True)
    feed = cost["feed"]
    for r in cost.values():
        r["cpu_x_feed"] = r["cpu_ms_per_poll"] / feed["cpu_ms_per_poll"]
        r["polls_per_s_x_feed"] = r["polls_per_s"] / feed["polls_per_s"]
    if args.json:
        out = {"polls": cost, "hostile": memory, "latency": latency, "routes": dedup}
        print(json.dumps(out, indent=2))
        return
    print(f"\n(a) polls of {ITEMS} entries, {NEW} new each time; {args.sources} sources x "
          f"{args.rounds} rounds of each kind; pages: false")  # fmt: skip
    print(f"{'kind':<10}{'polls/s':>9}{'x feed':>8}{'CPU ms/poll':>13}{'x feed':>8}")
    for k, r in cost.items():
        print(
            f"{k:<10}{r['polls_per_s']:>9.1f}{r['polls_per_s_x_feed']:>8.2f}"
            f"{r['cpu_ms_per_poll']:>13.2f}{r['cpu_x_feed']:>8.2f}"
        )
    print("\n(b) hostile inputs, each parsed in a fresh process")
    base_mb = memory["baseline: a 50-item feed"]["peak_mb"]
    print(f"{'input':<50}{'peak MB':>9}{'over base':>10}{'s':>7}  outcome")
    for name, r in memory.items():
        print(
            f"{name:<50}{r['peak_mb']:>9.1f}{r['peak_mb'] - base_mb:>10.1f}"
            f"{r['seconds']:>7.2f}  {r['outcome'][:70]}"
        )
    print("\n(c) publication to immediate alert, seconds")
    for name, r in latency.items():
        print(f"{name:<52}{r}")
    print("\n(d) one story by five routes (feed, sitemap, page, Telegram, WebSub push)")
    print(f"{'order':<16}{'articles':>9}{'stories':>9}{'alerts':>8}{'page fetches':>14}")
    for order, r in dedup.items():
        print(
            f"{order:<16}{r['articles']:>9}{r['stories']:>9}{r['alerts']:>8}{r['page fetches']:>14}"
        )


if __name__ == "__main__":
    main()
