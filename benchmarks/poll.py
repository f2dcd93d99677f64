"""Polling throughput against feeds served on 127.0.0.1, with rss2email as the baseline.

(a) N feeds that answer 304 (the daemon's steady state): feeds/s.
(b) M feeds with K new items each, the items' pages taken from the corpus
    pages: feeds/s and pages/s (fetch + extract in the parser workers + match +
    store), and the polling process's CPU per page, split by stage with the shares
    of a profile of 50 of the feeds (benchmarks/stages.py); bare trafilatura
    (`trafilatura.extract`, precision mode, the mode the daemon uses) and
    news-monitor's extraction alone (`extract_page`), each in a pool of the same
    number of processes, on the same pages. (b) and the two baselines take turns
    (--rounds), each its best round.
(c) the same M feeds polled by rss2email (sending to a local SMTP sink): feeds/s;
    and news-monitor doing the same job (entries only: `pages: false`) on them.

The feed server runs in its own process (asyncio, keep-alive) and can add
latency to each answer. Peak memory is the polling process's own (the parser
workers apart). Needs the bench extra: pip install -e '.[bench]'.

    python benchmarks/poll.py [--feeds-304 10000] [--feeds 1000] [--items 20]
                              [--latency-ms 0] [--fetcher aiohttp|httpx] [--json]
                              [--rounds 2] [--baseline-pages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.stages import profiled

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages"
HOSTS = 1  # loopback addresses the feeds are spread over (--hosts)
FETCHER = "aiohttp"  # the pipeline's client (--fetcher)


def corpus_pages() -> list[bytes]:
    return [p.read_bytes() for p in sorted(CORPUS.glob("sh-*.html"))]


# -- the feed server (its own process) -------------------------------------------


def corpus_summaries() -> list[str]:
    """The first 40 words of each corpus page's text: summaries as feeds give them."""
    out = []
    for p in sorted(CORPUS.glob("sh-*.json")):
        words = (json.loads(p.read_text()).get("text") or "").split()[:40]
        out.append(escape(" ".join(words)))
    return out


SUMMARIES: list[str] = []


def feed_xml(base: str, i: int, items: int) -> bytes:
    entries = "".join(
        f"<item><title>Story {i}-{j}</title><link>{base}/p/{i}/{j}</link>"
        f"<guid>{base}/p/{i}/{j}</guid>"
        f"<description>{SUMMARIES[(i * items + j) % len(SUMMARIES)]}</description>"
        f"<pubDate>Mon, 23 Nov 2026 08:{j % 60:02d}:00 GMT</pubDate></item>"
        for j in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {i}</title>'
        f"<link>{base}/</link><description>d</description>{entries}</channel></rss>"
    ).encode()


def serve(port_file: str, items: int, latency_s: float) -> None:
    pages = corpus_pages()
    SUMMARIES.extend(corpus_summaries())

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = writer.get_extra_info("sockname")[:2]
        base = f"http://{host}:{port}"
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                line, *hdrs = head.decode("latin-1").split("\r\n")
                path = line.split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (h.partition(":") for h in hdrs if h)
                }
                if latency_s:
                    await asyncio.sleep(latency_s)
                status, ctype, body, extra = 404, "text/plain", b"", ""
                if path.startswith("/f/"):
                    i = int(path[3:].split(".")[0])
                    etag = f'"e{i}"'
                    if headers.get("if-none-match") == etag:
                        status = 304
                    else:
                        status, ctype = 200, "application/rss+xml"
                        body = feed_xml(base, i, items)
                    extra = f"ETag: {etag}\r\n"
                elif path.startswith("/p/"):
                    _, _, i, j = path.split("/")
                    status, ctype = 200, "text/html; charset=utf-8"
                    body = pages[(int(i) * items + int(j)) % len(pages)]
                reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
                writer.write(
                    (
                        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\n{extra}"
                        f"Content-Length: {len(body)}\r\n\r\n"
                    ).encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        # One port on HOSTS loopback addresses: feeds spread over many "hosts", as in life,
        # so the per-host limit is not the only limit measured.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = await asyncio.start_server(
            handle, [f"127.0.0.{h}" for h in range(1, HOSTS + 1)], port, backlog=1024
        )
        Path(port_file).write_text(str(port))
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class FeedServer:
    def __init__(self, items: int, latency_s: float) -> None:
        self.tmp = tempfile.mkdtemp()
        port_file = os.path.join(self.tmp, "port")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", port_file, "--items", str(items),
             "--latency-ms", str(latency_s * 1000), "--hosts", str(HOSTS)]
        )  # fmt: skip
        for _ in range(200):
            if os.path.exists(port_file) and Path(port_file).read_text():
                break
            time.sleep(0.05)
        self.port = int(Path(port_file).read_text())

    def url(self, i: int) -> str:
        return f"http://127.0.0.{1 + i % HOSTS}:{self.port}/f/{i}.xml"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


# -- news-monitor ------------------------------------------------------------------


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU time of the polling process (all its threads; the parser workers apart)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_s: float  # of the polling process
    articles: int
    shares: dict[str, float] | None = None  # of that CPU by stage, when profiled


PROFILED_FEEDS = 50  # feeds of (b) polled again under the profiler, for the stages


async def poll(
    db: str, urls: list[str], etags: bool, workers: int, pages: bool = True, profile: bool = False
) -> Run:
    """Poll every URL once with the daemon's pipeline (`profile`: under the profiler,
    for the shares of its CPU by stage)."""
    from monitor.app import LEASE
    from monitor.extract.sandbox import Sandbox, SandboxLimits
    from monitor.fetch.aio import AioFetcher
    from monitor.fetch.client import Fetcher, FetchPolicy
    from monitor.match.matcher import Matcher
    from monitor.pipeline.refresh import Pipeline
    from monitor.store import open_store
    from monitor.types import FeedSource, PollRecord, PollState
    from monitor.watchlists.load import BUNDLED, load_watchlists

    store = open_store(db)
    store.sync_feeds([FeedSource(u, None, 900, pages) for u in urls])
    # Taken as the daemon takes them: leased, and each result fenced by its lease.
    feeds = store.claim_feeds("bench", LEASE, due=False)
    if etags:  # the state after an earlier poll
        store.record_polls(
            [
                PollRecord(
                    f.id,
                    True,
                    store_now(),
                    PollState(f'"e{etag_of(f.source.url)}"', None),
                    lease=f.lease,
                )
                for f in feeds
            ]
        )
        feeds = store.claim_feeds("bench", LEASE, due=False)
    lists, _ = load_watchlists([BUNDLED])
    matcher = Matcher(lists)
    with Sandbox(SandboxLimits(workers=workers)) as sandbox:
        await sandbox.run(len, b"")  # workers up before the clock starts
        # The daemon's guarded client (or the httpx one, --fetcher httpx), with the
        # loopback feed server let through.
        client = Fetcher if FETCHER == "httpx" else AioFetcher
        async with client(FetchPolicy(), allowed=lambda addr: addr.startswith("127.")) as fetcher:
            pipe = Pipeline(store, fetcher, lambda: matcher, sandbox, respect_robots=False)
            with profiled() if profile else nullcontext() as prof:
                t0, cpu0 = time.perf_counter(), cpu_s()
                results = await asyncio.gather(*(pipe.refresh(f) for f in feeds))
                took, cpu = time.perf_counter() - t0, cpu_s() - cpu0
    bad = [r for r in results if r.failed]
    if bad:
        raise SystemExit(f"{len(bad)} feeds failed, first: {bad[0].error}")
    with store.engine.connect() as c:
        from sqlalchemy import text

        query = text("SELECT count(*) FROM article WHERE source = :s")
        articles = int(c.execute(query, {"s": "page" if pages else "feed"}).scalar() or 0)
    store.engine.dispose()
    return Run(took, cpu, articles, prof.shares() if prof is not None else None)


def etag_of(url: str) -> str:
    return url.rsplit("/", 1)[1].split(".")[0]


def store_now(plus_s: float = 0):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from monitor.clock import utcnow

    return utcnow() + timedelta(seconds=plus_s)


def extraction_alone(pages: list[bytes], workers: int, job: Callable[[bytes], int]) -> float:
    """Pages/s of `job` over the pages in a pool of `workers` processes."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["monitor.extract.maintext", "trafilatura"])
    with ctx.Pool(workers) as pool:
        pool.map(job, pages[:workers])  # warm
        t0 = time.perf_counter()
        pool.map(job, pages, chunksize=1)
        return len(pages) / (time.perf_counter() - t0)


def _bare(body: bytes) -> int:
    import trafilatura

    from monitor.extract.document import decode_html

    text = trafilatura.extract(
        decode_html(body, "text/html; charset=utf-8"),
        url="http://127.0.0.1/p",
        favor_precision=True,
    )
    return len(text or "")


def _extract_page(body: bytes) -> int:
    from monitor.extract.maintext import extract_page

    return len(extract_page(body, "http://127.0.0.1/p", "text/html; charset=utf-8").text)


# -- rss2email -----------------------------------------------------------------------


def rss2email(urls: list[str], tmp: str) -> float:
    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            Sink.count += 1
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        r2e = shutil.which("r2e", path=os.path.dirname(sys.executable))
        if r2e is None:
            raise SystemExit("rss2email is not installed: pip install -e '.[bench]'")
        cfg, data = os.path.join(tmp, "r2e.cfg"), os.path.join(tmp, "r2e.json")
        subprocess.run(
            [r2e, "-c", cfg, "-d", data, "new", "desk@example.org"], check=True, capture_output=True
        )
        text = Path(cfg).read_text()
        text = text.replace("email-protocol = sendmail", "email-protocol = smtp")
        text = text.replace("smtp-server = smtp.example.net", "smtp-server = 127.0.0.1")
        text = text.replace("smtp-port = 465", f"smtp-port = {port}")
        text = text.replace("verbose = info", "verbose = error")
        text += "".join(f"\n[feed.f{i}]\nurl = {u}\n" for i, u in enumerate(urls))
        Path(cfg).write_text(text)
        t0 = time.perf_counter()
        subprocess.run([r2e, "-c", cfg, "-d", data, "run"], check=True, capture_output=True)
        took = time.perf_counter() - t0
        if Sink.count == 0:
            raise SystemExit("rss2email sent nothing: the baseline did not run")
        return len(urls) / took
    finally:
        smtp.stop()


# -- main ------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds-304", type=int, default=10000)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument(
        "--rounds", type=int, default=2, help="(b) and the baselines take turns this many times"
    )
    ap.add_argument(
        "--baseline-pages",
        type=int,
        default=2000,
        help="corpus pages (repeated) each extraction baseline works through in a round",
    )
    ap.add_argument(
        "--hosts",
        type=int,
        default=1,
        help="spread the feeds over this many loopback addresses (1-250): more hosts, "
        "fewer reused connections",
    )
    ap.add_argument(
        "--fetcher",
        choices=("aiohttp", "httpx"),
        default="aiohttp",
        help="the daemon's fetcher (aiohttp), or the httpx one it replaced",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rounds < 1 or args.baseline_pages < 1:
        ap.error("--rounds and --baseline-pages must be at least 1")
    global HOSTS, FETCHER
    HOSTS = args.hosts
    FETCHER = args.fetcher
    if args.serve:
        serve(args.serve, args.items, args.latency_ms / 1000)
        return
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    tmp = tempfile.mkdtemp()
    server = FeedServer(args.items, args.latency_ms / 1000)
    try:
        urls_304 = [server.url(i) for i in range(args.feeds_304)]
        a = asyncio.run(poll(f"sqlite:///{tmp}/a.db", urls_304, True, args.workers))
        urls = [server.url(i) for i in range(args.feeds)]
        corpus = corpus_pages()
        sample = (corpus * (1 + args.baseline_pages // len(corpus)))[: args.baseline_pages]
        # (b) and the baselines take turns, each its best of the rounds: a machine that
        # gets busier, or quieter, for a while weighs on them alike.
        runs: list[Run] = []
        bare = alone = peak = 0.0
        for r in range(args.rounds):
            runs.append(asyncio.run(poll(f"sqlite:///{tmp}/b{r}.db", urls, False, args.workers)))
            if r == 0:  # a high-water mark: a later round starts from the first's heap
                peak = rss_mb()
            bare = max(bare, extraction_alone(sample, args.workers, _bare))
            alone = max(alone, extraction_alone(sample, args.workers, _extract_page))
        b = min(runs, key=lambda run: run.seconds / run.articles)
        few = urls[:PROFILED_FEEDS]
        staged = asyncio.run(poll(f"sqlite:///{tmp}/s.db", few, False, args.workers, profile=True))
        # (c) rss2email's job: entries to mail, no pages. news-monitor does the same job
        # with feeds[].pages: false, on a fresh database.
        c = asyncio.run(poll(f"sqlite:///{tmp}/c.db", urls, False, args.workers, pages=False))
        if c.articles == 0:
            raise SystemExit("no entries stored in (c)")
        r2e = rss2email(urls, tmp)
    finally:
        server.close()
        shutil.rmtree(tmp, ignore_errors=True)
    out = {
        "feeds_304_per_s": round(args.feeds_304 / a.seconds, 1),
        "pages_per_s": round(b.articles / b.seconds, 1),
        "trafilatura_pages_per_s": round(bare, 1),
        "extract_page_pages_per_s": round(alone, 1),
        "rss2email_feeds_per_s": round(r2e, 2),
        "monitor_feeds_per_s": round(args.feeds / c.seconds, 2),
        "monitor_feeds_with_pages_per_s": round(args.feeds / b.seconds, 2),
        "peak_rss_mb": round(peak, 1),
        # CPU of the polling process per feed: steadier than rates on a shared machine.
        "cpu_ms_per_304_feed": round(a.cpu_s * 1000 / args.feeds_304, 3),
        "cpu_ms_per_feed_entries_only": round(c.cpu_s * 1000 / args.feeds, 2),
        "cpu_ms_per_page": round(b.cpu_s * 1000 / b.articles, 2),
        # Bare trafilatura's pool keeps every worker busy: its CPU per page is the
        # workers' time over its rate. The polling process's share of it is the same
        # on a slow day as on a fast one, where milliseconds are not.
        "cpu_per_page_share_of_bare": round((b.cpu_s / b.articles) / (args.workers / bare), 3),
        "cpu_ms_per_page_by_stage": {
            stage: round(share * b.cpu_s * 1000 / b.articles, 2)
            for stage, share in (staged.shares or {}).items()
        },
        "pages": b.articles,
        "rounds": args.rounds,
        "pages_per_s_each_round": [round(run.articles / run.seconds, 1) for run in runs],
        "workers": args.workers,
        "latency_ms": args.latency_ms,
        "hosts": args.hosts,
    }
    if args.json:
        print(json.dumps(out))
        return
    print(f"{'measure':<44} {'value':>10}")
    rows = [
        (f"(a) feeds/s, {args.feeds_304} feeds answering 304", out["feeds_304_per_s"]),
        (
            f"(b) feeds/s, {args.feeds} feeds x {args.items} new items",
            out["monitor_feeds_with_pages_per_s"],
        ),
        ("(b) pages/s (fetch, extract, match, store)", out["pages_per_s"]),
        ("    each round", " / ".join(map(str, out["pages_per_s_each_round"]))),
        (f"    bare trafilatura pages/s, {args.workers} processes", out["trafilatura_pages_per_s"]),
        ("    ratio to bare trafilatura", round(out["pages_per_s"] / bare, 2)),
        (f"    extract_page alone, {args.workers} processes", out["extract_page_pages_per_s"]),
        ("(c) rss2email feeds/s, same feeds (entries only)", out["rss2email_feeds_per_s"]),
        ("    news-monitor feeds/s, same job (pages: false)", out["monitor_feeds_per_s"]),
        ("    news-monitor / rss2email", round(out["monitor_feeds_per_s"] / r2e, 1)),
        ("    polling process CPU ms per feed", out["cpu_ms_per_feed_entries_only"]),
        ("(b) polling process CPU ms per page", out["cpu_ms_per_page"]),
        ("    share of bare trafilatura's CPU per page", out["cpu_per_page_share_of_bare"]),
        *((f"    {stage}", ms) for stage, ms in out["cpu_ms_per_page_by_stage"].items()),
        ("peak RSS of the polling process, MB", out["peak_rss_mb"]),
    ]
    for name, value in rows:
        print(f"{name:<44} {value:>10}")


if __name__ == "__main__":
    main()
