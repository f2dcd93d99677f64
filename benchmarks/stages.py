"""Where the polling process's CPU goes, by stage: a profile of a poll (yappi, CPU
clock, every thread), each function's own time given to the stage its module is in.

The profile's shares split the CPU a poll took without the profiler, which slows
small functions more than large ones: the split is an estimate, the total is not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

# A function's own time belongs to the first stage one of whose names is in its module.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "HTTP and the event loop",
        (
            "httpx",
            "httpcore",
            "h11",
            "anyio",
            "sniffio",
            "asyncio",
            "ssl",
            "socket",
            "selectors",
            "monitor/fetch",
            "aiohttp",
            "aiohappyeyeballs",
            "yarl",
            "multidict",
            "propcache",
        ),
    ),
    (
        "handing pages to the workers",
        ("pebble", "multiprocessing", "pickle", "concurrent/futures", "monitor/extract/sandbox"),
    ),
    ("matching", ("monitor/match", "ahocorasick")),
    (
        "storing (and story assignment)",
        (
            "sqlalchemy",
            "sqlmodel",
            "sqlite3",
            "monitor/store",
            "monitor/identity/assign",
            "monitor/identity/bandindex",
            "monitor/identity/minhash",
            "numpy",
        ),
    ),
)
OTHER = "other (URLs, articles, feeds' entries, logs)"


def stage_of(module: str) -> str:
    for stage, names in STAGES:
        if any(n in module for n in names):
            return stage
    return OTHER


class Profile:
    """The shares of the profiled CPU by stage, once `profiled` has ended."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()

    def shares(self) -> dict[str, float]:
        total = sum(self.seconds.values()) or 1.0
        return {s: self.seconds[s] / total for s, _ in (*STAGES, (OTHER, ()))}


@contextmanager
def profiled() -> Iterator[Profile]:
    import yappi  # the bench extra

    out = Profile()
    yappi.clear_stats()
    yappi.set_clock_type("cpu")
    yappi.start(builtins=False)
    try:
        yield out
    finally:
        yappi.stop()
        for f in yappi.get_func_stats():
            out.seconds[stage_of(f.module or f.name)] += f.tsub
        yappi.clear_stats()
