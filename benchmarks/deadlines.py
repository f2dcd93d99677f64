"""How long a hanging feed or a pathological document holds a request or a parser worker
past its deadline (RELIABILITY, figure 4: at most the deadline + 1 s).

Each case is measured with news-monitor's deadline and, as the baseline in the same
run, without it (stopped at --cap seconds):

  slowloris feed  a server that sends one byte every 0.2 s: the fetch deadline
                  (fetch.timeout) against httpx's per-read timeouts alone
  author regex    tests/fixtures/feeds/slow_author_regex.xml, which holds
                  feedparser's author-email regex: the parse deadline against
                  feedparser in a plain process
  deep page       3 MB of paragraphs: the parse deadline against trafilatura
                  in a plain process

    python benchmarks/deadlines.py [--deadline 2] [--cap 30] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.errors import FetchError, SandboxError
from monitor.extract.maintext import extract_page
from monitor.extract.sandbox import Sandbox, SandboxLimits
from monitor.feeds.parse import parse_feed
from monitor.fetch.aio import AioFetcher
from monitor.fetch.client import FetchPolicy
from tests.support.net import DripServer

SLOW_AUTHOR = Path(__file__).resolve().parent.parent / "tests/fixtures/feeds/slow_author_regex.xml"
DEEP = (
    b"<html><body>" + b"<p>Putin said words about the matter at hand. " * 60000 + b"</body></html>"
)


def slowloris(url: str, deadline: float) -> float:
    async def go() -> float:
        async with AioFetcher(FetchPolicy(timeout_s=deadline, allow_private_networks=True)) as f:
            t0 = time.perf_counter()
            try:
                await f.get(url)
            except FetchError:
                return time.perf_counter() - t0
        raise SystemExit("the slow server was read to the end within the deadline")

    return asyncio.run(go())


def slowloris_baseline(url: str, deadline: float, cap: float) -> float | None:
    """httpx with a per-read timeout only; None when still reading at `cap`."""
    import httpx

    done = threading.Event()
    t0 = time.perf_counter()
    took: list[float] = []

    def read() -> None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=httpx.Timeout(deadline))
        took.append(time.perf_counter() - t0)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    return took[0] if done.wait(cap) else None


def sandboxed(fn: Callable[..., Any], args: tuple[Any, ...], deadline: float) -> float:
    async def go() -> float:
        with Sandbox(SandboxLimits(workers=1, deadline_s=deadline)) as sb:
            await sb.run(len, b"")  # the worker is up before the clock starts
            t0 = time.perf_counter()
            try:
                await sb.run(fn, *args)
            except SandboxError:
                return time.perf_counter() - t0
        raise SystemExit(f"{fn.__name__} finished within the deadline")

    return asyncio.run(go())


def plain(fn: Callable[..., Any], args: tuple[Any, ...], cap: float) -> float | None:
    """The same work in a plain process; None when still running at `cap`."""
    p = multiprocessing.get_context("spawn").Process(target=fn, args=args)
    t0 = time.perf_counter()
    p.start()
    p.join(cap)
    took = time.perf_counter() - t0
    if p.is_alive():
        p.kill()
        p.join()
        return None
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deadline", type=float, default=2.0, help="seconds, for every case")
    ap.add_argument("--cap", type=float, default=30.0, help="when a baseline is stopped")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    d, cap = args.deadline, args.cap

    with DripServer() as drip:
        slow = ("slowloris feed", slowloris(drip.url, d), slowloris_baseline(drip.url, d, cap))
    rows = [
        slow,
        (
            "author regex feed",
            sandboxed(parse_feed, (SLOW_AUTHOR.read_bytes(), "http://x/"), d),
            plain(parse_feed, (SLOW_AUTHOR.read_bytes(), "http://x/"), cap),
        ),
        (
            "deep page",
            sandboxed(extract_page, (DEEP, "http://x/"), d),
            plain(extract_page, (DEEP, "http://x/"), cap),
        ),
    ]
    result = {
        "deadline_s": d,
        "cap_s": cap,
        "cases": {
            name: {"held_s": round(held, 2), "over_s": round(held - d, 2), "baseline_s": base}
            for name, held, base in rows
        },
        "max_over_s": round(max(held - d for _, held, _ in rows), 2),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"deadline {d:g} s; baselines stopped at {cap:g} s")
    print(f"{'case':<20} {'held s':>8} {'over s':>8} {'without the deadline':>22}")
    for name, held, base in rows:
        shown = f"{base:.1f} s" if base is not None else f"> {cap:g} s"
        print(f"{name:<20} {held:>8.2f} {held - d:>8.2f} {shown:>22}")
    print(f"longest over the deadline: {result['max_over_s']} s (target: at most 1 s)")


if __name__ == "__main__":
    main()
