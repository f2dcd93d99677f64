"""Articles being processed now, by canonical URL, across the feeds of one process: a
story listed by two feeds polled at the same moment is fetched once. The second
feed waits for the first, then finds the article stored (or, if the first failed,
processes it itself)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Claim(Generic[T]):
    mine: dict[str, T]  # URLs this caller holds now
    later: list[tuple[str, T]]  # held by others (or listed twice): try again after `waits`
    waits: list[asyncio.Event]

    async def wait(self) -> None:
        for ev in self.waits:
            await ev.wait()


class InFlight:
    def __init__(self) -> None:
        self._busy: dict[str, asyncio.Event] = {}

    def claim(self, pending: Sequence[tuple[str, T]]) -> Claim[T]:
        """Take the URLs nobody holds. No await inside: claiming is atomic on the loop."""
        mine: dict[str, T] = {}
        later: list[tuple[str, T]] = []
        waits: list[asyncio.Event] = []
        for url, value in pending:
            busy = self._busy.get(url)
            if busy is not None or url in mine:
                later.append((url, value))
                if busy is not None:
                    waits.append(busy)
                continue
            mine[url] = value
            self._busy[url] = asyncio.Event()
        return Claim(mine, later, waits)

    def release(self, urls: Iterable[str]) -> None:
        for url in urls:
            self._busy.pop(url).set()
