"""The in-memory story index: lookups, one entry per story and key, merges, pruning,
and a bulk build equal to adding one by one."""

from __future__ import annotations

import random
from collections.abc import Iterable

import numpy as np
import pytest

from monitor.identity.bandindex import BandIndex, Indexed
from monitor.identity.minhash import BAND_ROWS, BANDS, band_key_matrix, minhash_matrix, signature
from monitor.types import Signature


def lookup(idx: BandIndex, keys: Iterable[int]) -> dict[int, list[int]]:
    """The article ids under each key that has any, from BandIndex.matches."""
    q = np.fromiter(dict.fromkeys(keys), dtype=np.int64)
    out: dict[int, list[int]] = {}
    for i, a in zip(*(x.tolist() for x in idx.matches(q)), strict=True):
        out.setdefault(int(q[i]), []).append(a)
    return out


def sig(seed: int) -> Signature:
    rnd = random.Random(seed)
    words = [f"w{rnd.randrange(5000)}" for _ in range(200)]
    s = signature(" ".join(words))
    assert s is not None
    return s


def band_keys(s: Signature) -> list[int]:
    return band_key_matrix(minhash_matrix([s.values]))[0].tolist()


def test_band_keys_are_equal_exactly_where_the_bands_minima_are() -> None:
    a = np.frombuffer(sig(1).values, dtype="<u4").copy()
    b = np.frombuffer(sig(2).values, dtype="<u4").copy()
    b[3 * BAND_ROWS : 4 * BAND_ROWS] = a[3 * BAND_ROWS : 4 * BAND_ROWS]  # band 3 shared
    b[5 * BAND_ROWS] = a[5 * BAND_ROWS]  # one of band 5's two minima: not enough
    keys = band_key_matrix(np.stack([a, b]))
    assert keys.shape == (2, BANDS)
    assert np.flatnonzero(keys[0] == keys[1]).tolist() == [3]
    assert len(set(keys[0].tolist())) == BANDS  # bands do not collide with one another
    assert band_key_matrix(a[None, :]).tolist() == keys[:1].tolist()  # rows are independent


def test_lookup_finds_every_article_under_a_key_and_nothing_else() -> None:
    idx = BandIndex()
    idx.add([Indexed(1, "s1", 0.0, [10, 11]), Indexed(2, "s2", 0.0, [11, 12])])
    assert lookup(idx, [11, 10, 99]) == {11: [1, 2], 10: [1]}
    assert lookup(idx, []) == {}
    assert len(idx) == 2 and idx.entries == 4


def test_a_story_keeps_one_entry_per_key_its_first_article() -> None:
    idx = BandIndex()
    idx.add([Indexed(1, "s", 0.0, [10, 11])])
    idx.add([Indexed(2, "s", 0.0, [11, 12]), Indexed(3, "t", 0.0, [11])])
    assert lookup(idx, [10, 11, 12]) == {10: [1], 11: [1, 3], 12: [2]}
    idx.add([Indexed(2, "s", 0.0, [13])])  # the same article again (caught up, then committed)
    assert lookup(idx, [13]) == {}


@pytest.mark.parametrize(("merge_at", "max_runs"), [(50, 1000), (10**9, 3)])
def test_entries_stay_found_across_merges(merge_at: int, max_runs: int) -> None:
    """Recent runs merged into the base, or into one another."""
    idx = BandIndex(merge_at=merge_at, max_runs=max_runs)
    rnd = random.Random(1)
    added = {i: [rnd.getrandbits(63) for _ in range(8)] for i in range(1, 200)}
    for i, ks in added.items():
        idx.add([Indexed(i, f"s{i}", float(i), ks)])
    base, *recent = idx.levels
    if merge_at == 50:
        assert base > 50 and sum(recent) < 50  # merged into the base as they grew
    else:
        assert base == 0 and len(recent) <= max_runs and max(recent) > 50  # into one another
    assert idx.entries == 8 * 199
    for i, ks in added.items():
        assert all(i in lookup(idx, [k])[k] for k in ks)


def test_prune_drops_articles_older_than_the_cutoff_from_both_levels() -> None:
    idx = BandIndex(merge_at=4)
    idx.add([Indexed(1, "a", 100.0, [1, 2, 3, 4])])  # merged into the base
    assert idx.levels == (4,)
    idx.add([Indexed(2, "b", 200.0, [1, 5])])  # recent
    idx.add([Indexed(3, "c", 300.0, [1])])
    assert idx.prune(250.0) == 2
    assert lookup(idx, [1, 2, 5]) == {1: [3]}
    assert len(idx) == 1 and idx.entries == 1
    assert idx.prune(250.0) == 0


def test_a_bulk_build_equals_adding_one_by_one() -> None:
    rnd = random.Random(2)
    sigs = [sig(rnd.randrange(40)) for _ in range(120)]  # repeats: copies in one story
    stories = [f"s{rnd.randrange(30)}" for _ in sigs]
    one = BandIndex()
    one.add(
        Indexed(i + 1, st, float(i), band_keys(s))
        for i, (s, st) in enumerate(zip(sigs, stories, strict=True))
    )
    bulk = BandIndex()
    bulk.build(
        np.arange(1, len(sigs) + 1),
        stories,
        np.arange(len(sigs), dtype=np.float64),
        minhash_matrix([s.values for s in sigs]),
    )
    keys = {k for s in sigs for k in band_keys(s)}
    assert lookup(bulk, keys) == lookup(one, keys)
    assert bulk.entries == one.entries and len(bulk) == len(one)
    ids = np.arange(1, len(sigs) + 1)
    bulk.build(  # the same articles again (read twice by a catch-up): nothing added
        ids, stories, ids.astype(np.float64), minhash_matrix([s.values for s in sigs])
    )
    assert bulk.entries == one.entries and len(bulk) == len(one)
