"""The polling process's CPU per page fetched, by HTTP client, in one run: the daemon's
guarded fetcher (httpx with the connect-time address check, the per-host and global
limits, the size cap and the deadline), bare httpx, bare aiohttp, and the same guarded
fetcher on aiohttp (monitor/fetch/aio.py), which is what a switch would actually save.

The pages are the corpus pages, served by benchmarks/poll.py's feed server (its own
process) over HOSTS loopback addresses, each client with the same number of requests
in flight. Bare clients have no guard: their figures bound what another client could
save, before a guard of the same strength is added to it. Needs the bench extra.

    python benchmarks/http_clients.py [--pages 2000] [--hosts 100] [--in-flight 16]
                                      [--latency-ms 0] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import poll
from benchmarks.poll import FeedServer, cpu_s

Get = Callable[[str], Awaitable[int]]  # a URL -> the body's length


async def timed(urls: list[str], in_flight: int, get: Get) -> tuple[float, float]:
    """(CPU ms per page, pages/s) of fetching every URL, `in_flight` at a time."""
    slots = asyncio.Semaphore(in_flight)

    async def one(url: str) -> int:
        async with slots:
            return await get(url)

    await asyncio.gather(*(one(u) for u in urls[:in_flight]))  # connections warm
    t0, c0 = time.perf_counter(), cpu_s()
    sizes = await asyncio.gather(*(one(u) for u in urls))
    took, cpu = time.perf_counter() - t0, cpu_s() - c0
    if not all(sizes):
        raise SystemExit("a page came back empty")
    return cpu * 1000 / len(urls), len(urls) / took


async def guarded(urls: list[str], in_flight: int) -> tuple[float, float]:
    from monitor.fetch.client import Fetcher, FetchPolicy
    from monitor.types import FetchResult

    policy = FetchPolicy(concurrency=in_flight, per_host=in_flight)
    async with Fetcher(policy, allowed=lambda addr: addr.startswith("127.")) as f:

        async def get(url: str) -> int:
            r = await f.get(url)
            return len(r.body) if isinstance(r, FetchResult) else 0

        return await timed(urls, in_flight, get)


async def guarded_aiohttp(urls: list[str], in_flight: int) -> tuple[float, float]:
    from monitor.fetch.aio import AioFetcher
    from monitor.fetch.client import FetchPolicy
    from monitor.types import FetchResult

    policy = FetchPolicy(concurrency=in_flight, per_host=in_flight)  # as the httpx row
    async with AioFetcher(policy, allowed=lambda addr: addr.startswith("127.")) as f:

        async def get(url: str) -> int:
            r = await f.get(url)
            return len(r.body) if isinstance(r, FetchResult) else 0

        return await timed(urls, in_flight, get)


async def bare_httpx(urls: list[str], in_flight: int) -> tuple[float, float]:
    import httpx

    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def get(url: str) -> int:
            return len((await client.get(url)).content)

        return await timed(urls, in_flight, get)


async def bare_aiohttp(urls: list[str], in_flight: int) -> tuple[float, float]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(url: str) -> int:
            async with session.get(url) as r:
                return len(await r.read())

        return await timed(urls, in_flight, get)


CLIENTS = {
    "news-monitor's fetcher (httpx, guarded)": guarded,
    "bare httpx": bare_httpx,
    "bare aiohttp": bare_aiohttp,
    "guarded aiohttp": guarded_aiohttp,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--in-flight", type=int, default=16)
    ap.add_argument("--latency-ms", type=float, default=0.0)
    ap.add_argument("--rounds", type=int, default=3, help="clients take turns; each its best")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    poll.HOSTS = args.hosts
    items = 20
    server = FeedServer(items, args.latency_ms / 1000)
    try:
        urls = [
            f"http://127.0.0.{1 + i % args.hosts}:{server.port}/p/{i // items}/{i % items}"
            for i in range(args.pages)
        ]
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.rounds):  # taking turns: a machine that gets busier slows all
            for name, run in CLIENTS.items():
                cpu, rate = asyncio.run(run(urls, args.in_flight))
                old = best.get(name)
                best[name] = (min(cpu, old[0]), max(rate, old[1])) if old else (cpu, rate)
    finally:
        server.close()
    base_cpu = best["news-monitor's fetcher (httpx, guarded)"][0]
    out = {
        name: {
            "cpu_ms_per_page": round(c, 3),
            "pages_per_s": round(r, 1),
            "cpu_x": round(c / base_cpu, 2),
        }
        for name, (c, r) in best.items()
    }
    if args.json:
        print(json.dumps(out))
        return
    print(f"{args.pages} pages over {args.hosts} hosts, {args.in_flight} in flight, "
          f"{args.latency_ms:g} ms latency; each client its best of {args.rounds}")  # fmt: skip
    print(f"{'client':<42} {'CPU ms/page':>12} {'× fetcher':>10} {'pages/s':>9}")
    for name, v in out.items():
        print(f"{name:<42} {v['cpu_ms_per_page']:>12} {v['cpu_x']:>10} {v['pages_per_s']:>9}")


if __name__ == "__main__":
    main()
