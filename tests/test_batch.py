"""Coalesced writes: many concurrent callers, few transactions, nobody left waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from monitor.clock import utcnow
from monitor.pipeline.batch import MAX_BATCH, Batcher
from monitor.store import Store
from monitor.types import FeedSource, PollRecord, PollState
from tests.support.store import feed


def test_concurrent_writes_share_transactions_and_each_caller_waits_for_its_own() -> None:
    batches: list[list[int]] = []

    def write(items: Sequence[int]) -> None:
        batches.append(list(items))

    async def go() -> None:
        b: Batcher[int, None] = Batcher(write)
        await asyncio.gather(*(b.put(i) for i in range(1200)))
        # after put returns, the item has been written
        await b.put(5000)
        assert batches[-1] == [5000]

    asyncio.run(go())
    written = [i for batch in batches for i in batch]
    assert sorted(written) == [*range(1200), 5000]
    assert len(batches) <= 4 and max(len(b) for b in batches) <= MAX_BATCH


def test_a_failed_write_fails_every_caller_of_that_batch_and_the_next_batch_works() -> None:
    calls = 0

    def write(items: Sequence[int]) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("disk full")

    async def go() -> None:
        b: Batcher[int, None] = Batcher(write)
        results = await asyncio.gather(*(b.put(i) for i in range(10)), return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results)
        await b.put(99)  # the batcher recovers

    asyncio.run(go())
    assert calls == 2


def test_store_record_polls_matches_one_by_one(sqlite_store: Store) -> None:
    store = sqlite_store
    store.sync_feeds([FeedSource(f"https://f{i}.example/", None, 60) for i in range(4)])
    ids = {f.source.url: f.id for f in store.active_feeds()}
    now = utcnow()
    store.record_polls(
        [
            PollRecord(ids["https://f0.example/"], True, now, PollState('"a"', "Mon"), new_items=3),
            PollRecord(ids["https://f1.example/"], True, now),
            PollRecord(ids["https://f2.example/"], False, now, error="HTTP 500"),
        ]
    )
    store.record_polls([PollRecord(ids["https://f0.example/"], True, now, new_items=2)])
    st = {s.url: s for s in store.feed_statuses()}
    assert st["https://f0.example/"].items_seen == 5
    f0 = feed(store, "https://f0.example/")
    assert f0.state == PollState('"a"', "Mon")  # kept when not given
    assert st["https://f1.example/"].last_success_at is not None
    assert st["https://f2.example/"].error_count == 1 and st["https://f2.example/"].failing_since
    assert st["https://f3.example/"].last_polled_at is None


@pytest.mark.parametrize("n", [1, MAX_BATCH + 1])
def test_batches_never_exceed_the_maximum(n: int) -> None:
    sizes: list[int] = []

    async def go() -> None:
        b: Batcher[int, None] = Batcher(lambda items: sizes.append(len(items)))
        await asyncio.gather(*(b.put(i) for i in range(n)))

    asyncio.run(go())
    assert sum(sizes) == n and max(sizes) <= MAX_BATCH


def test_an_item_that_failed_fails_its_own_caller_only() -> None:
    def write(items: Sequence[int]) -> list[int | Exception]:
        return [ValueError(f"item {i} refused") if i % 2 else i * 10 for i in items]

    async def go() -> list[int | BaseException | None]:
        b: Batcher[int, int] = Batcher(write)
        return await asyncio.gather(*(b.put(i) for i in range(6)), return_exceptions=True)

    results = asyncio.run(go())
    assert results[0::2] == [0, 20, 40]
    assert [str(e) for e in results[1::2]] == ["item 1 refused", "item 3 refused", "item 5 refused"]
