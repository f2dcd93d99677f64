"""Untrusted bytes are parsed in worker processes with a deadline and a memory limit.

feedparser and trafilatura are pure Python/lxml over whatever a server sends: a
93 KB feed can hold feedparser's author regex for 13 s, a 16 MB page can take
trafilatura 80 s and 3 GB. In a worker, such a document costs its own task: the
worker is killed at the deadline (pebble restarts it), an allocation over the
limit fails inside the worker only, and the daemon goes on polling.

Workers come from a forkserver that has already imported the parsers, so a
restart is cheap and never forks the daemon's threads.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pebble

from monitor.errors import SandboxError

if TYPE_CHECKING:
    from monitor.metrics import Metrics

T = TypeVar("T")

PRELOAD = ["monitor.feeds.kinds", "monitor.extract.maintext"]  # every source kind's parser
TASKS_PER_WORKER = 500  # lxml and trafilatura caches grow; a fresh worker now and then


@dataclass(frozen=True)
class SandboxLimits:
    workers: int = max(1, os.cpu_count() or 1)
    deadline_s: float = 15.0
    memory_bytes: int = 1024 * 1024 * 1024


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Sandbox:
    """A pool of parser workers. `run` is awaited from the event loop."""

    def __init__(self, limits: SandboxLimits | None = None, metrics: Metrics | None = None) -> None:
        self.limits = limits or SandboxLimits()
        self.metrics = metrics
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        self._pool = pebble.ProcessPool(
            max_workers=self.limits.workers,
            max_tasks=TASKS_PER_WORKER,
            initializer=_limit_memory,
            initargs=(self.limits.memory_bytes,),
            context=ctx,
        )

    async def run(self, fn: Callable[..., T], *args: Any, what: str = "task") -> T:
        future = self._pool.schedule(fn, args=args, timeout=self.limits.deadline_s)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout as exc:
            self._restarted("deadline")
            raise SandboxError(
                f"{what} took over {self.limits.deadline_s:g}s and was stopped"
            ) from exc
        except MemoryError as exc:
            raise SandboxError(
                f"{what} needed over {self.limits.memory_bytes // 2**20} MB and was stopped"
            ) from exc
        except pebble.ProcessExpired as exc:
            self._restarted("crash")
            raise SandboxError(f"{what} ended its worker (exit code {exc.exitcode})") from exc
        except asyncio.CancelledError:
            future.cancel()  # pebble stops the worker running it
            raise

    def _restarted(self, reason: str) -> None:
        # pebble replaces a worker stopped at the deadline or one that died
        if self.metrics is not None:
            self.metrics.worker_restarts.labels(reason).inc()

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
