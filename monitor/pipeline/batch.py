"""Coalesce small database writes from many concurrent tasks into one transaction.

Thousands of feeds answering 304 each end in one small UPDATE; committed one by
one, the commits (an fsync each on SQLite) cap polling at a few hundred feeds/s.
Each caller still waits until its own write is committed, and learns of its own
failure: `write` returns one result per item, an exception where that item failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WAIT_S = 0.02  # how long a write may wait for company
MAX_BATCH = 500


class Batcher(Generic[T, R]):
    """`write` gets a batch of items and returns one result (or exception) per item, or
    None when the items have no results."""

    def __init__(
        self,
        write: Callable[[Sequence[T]], Sequence[R | Exception] | None],
        max_wait_s: float = MAX_WAIT_S,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.write = write
        self.max_wait_s = max_wait_s
        self.max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[R | None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def put(self, item: T) -> R | None:
        """Queue the item; returns its result once its batch is committed, or raises
        what kept it from being written."""
        fut: asyncio.Future[R | None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        n = self.max_batch
        while self._pending:
            if len(self._pending) < n:
                await asyncio.sleep(self.max_wait_s)
            batch, self._pending = self._pending[:n], self._pending[n:]
            try:
                results = await asyncio.to_thread(self.write, [item for item, _ in batch])
            except Exception as exc:  # every waiter learns of it; none is left hanging
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for i, (_, fut) in enumerate(batch):
                if fut.done():
                    continue
                result = None if results is None else results[i]
                if isinstance(result, Exception):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)
