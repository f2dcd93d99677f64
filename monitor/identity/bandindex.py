"""The LSH buckets of the clustering window, held in memory. Pure: no I/O.

What they are built from is in the database (each article's signature, story,
first-seen time and whether it was banded); the store keeps this index in step:
built from the database on first use, caught up with articles other daemons
stored before each story assignment, given this process's own articles once
their transaction has committed.

In memory rather than in a table: a bucket table costs 32 random B-tree
insertions per article, and on SQLite their pages dominated every commit (13 MB
of WAL per 100 articles with 100,000 in the window).

A bucket holds one entry per story (its first article with that key), so a story
copied a thousand times costs a lookup no more than one copied once. Entries are
numpy arrays sorted by key (12 bytes an entry), searched for a whole batch of
keys at once: a large base, and a few recent runs (one per batch added) that
are merged into it as they grow. Articles are added in id order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from monitor.identity.minhash import band_key_matrix, story_key

MERGE_AT = 65_536  # entries in recent runs (about 2,000 articles) before a merge into the base
MAX_RUNS = 8  # recent runs before they are merged into one
_PAIR = np.int64(0x5851F42D4C957F2D)  # mixes a story into a key: one number per (key, story)


@dataclass(frozen=True)
class Indexed:
    """An article to index: its id, story, first-seen time (epoch seconds) and band keys."""

    article_id: int
    story: str
    first_seen: float
    keys: Sequence[int]


@dataclass(frozen=True)
class _Run:
    """Entries sorted by key, and the articles they belong to (in id order)."""

    keys: np.ndarray  # int64
    arts: np.ndarray  # int32, the article of each entry
    ids: np.ndarray  # int32
    stories: np.ndarray  # int64 story keys, per article
    seen: np.ndarray  # float64 first-seen times, per article


def _empty() -> _Run:
    i64, i32 = np.empty(0, np.int64), np.empty(0, np.int32)
    return _Run(i64, i32, i32, i64, np.empty(0, np.float64))


class BandIndex:
    def __init__(self, merge_at: int = MERGE_AT, max_runs: int = MAX_RUNS) -> None:
        self.merge_at = merge_at
        self.max_runs = max_runs
        self._base = _empty()
        self._recent: list[_Run] = []

    def _runs(self) -> list[_Run]:
        return [self._base, *self._recent]

    def __len__(self) -> int:
        """Articles indexed."""
        return sum(r.ids.size for r in self._runs())

    @property
    def entries(self) -> int:
        return sum(r.keys.size for r in self._runs())

    @property
    def levels(self) -> tuple[int, ...]:
        """Entries in the base, then in each recent run: how the merges have gone."""
        return tuple(r.keys.size for r in self._runs())

    def matches(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (i, article id) such that the article is indexed under keys[i]."""
        order = np.argsort(keys, kind="stable")
        q = keys[order]
        where: list[np.ndarray] = []
        arts: list[np.ndarray] = []
        for run in self._runs():
            if not (run.keys.size and q.size):
                continue
            # Sorted queries walk the run in order, and only the keys found need
            # the end of their range.
            lo = np.searchsorted(run.keys, q, "left")
            found = lo < run.keys.size
            found[found] = run.keys[lo[found]] == q[found]
            fi = np.flatnonzero(found)
            n = np.searchsorted(run.keys, q[fi], "right") - lo[fi]
            # Each found key's range of entries, laid end to end.
            at = np.repeat(lo[fi] - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
            where.append(order[np.repeat(fi, n)])
            arts.append(run.arts[at])
        if not where:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        return np.concatenate(where), np.concatenate(arts)

    def add(self, items: Iterable[Indexed]) -> None:
        """Index articles under their band keys, except keys their story already has."""
        top = self._top()
        fresh = sorted(
            (it for it in items if it.article_id > top),  # never the same article twice
            key=lambda it: it.article_id,
        )
        if not fresh:
            return
        self._add(
            np.fromiter((it.article_id for it in fresh), np.int32, len(fresh)),
            np.fromiter((story_key(it.story) for it in fresh), np.int64, len(fresh)),
            np.fromiter((it.first_seen for it in fresh), np.float64, len(fresh)),
            np.fromiter((k for it in fresh for k in it.keys), np.int64),
            np.fromiter((len(it.keys) for it in fresh), np.int64, len(fresh)),
        )

    def build(
        self, ids: np.ndarray, stories: Sequence[str], first_seen: np.ndarray, minhashes: np.ndarray
    ) -> None:
        """`add` for many articles at once, given in id order; `minhashes`: their
        signatures' values, one row of 128 uint32 each."""
        new = np.flatnonzero(ids > self._top())  # never the same article twice
        if not new.size:
            return
        keys = band_key_matrix(minhashes[new])
        self._add(
            ids[new].astype(np.int32),
            np.fromiter((story_key(stories[i]) for i in new.tolist()), np.int64, new.size),
            first_seen[new].astype(np.float64),
            keys.ravel(),
            np.full(new.size, keys.shape[1]),
        )

    def prune(self, cutoff: float) -> int:
        """Drop the articles first seen before `cutoff`; returns how many."""
        gone = 0
        runs = []
        for run in self._runs():
            old = run.seen < cutoff
            if old.any():
                gone += int(old.sum())
                keep = ~np.isin(run.arts, run.ids[old])
                keep_art = ~old
                run = _Run(
                    run.keys[keep],
                    run.arts[keep],
                    run.ids[keep_art],
                    run.stories[keep_art],
                    run.seen[keep_art],
                )
            runs.append(run)
        self._base, self._recent = runs[0], [r for r in runs[1:] if r.ids.size]
        return gone

    def _top(self) -> int:
        """The highest article id indexed (ids are added in increasing order)."""
        for run in reversed(self._runs()):
            if run.ids.size:
                return int(run.ids[-1])
        return 0

    def _stories_of(self, arts: np.ndarray) -> np.ndarray:
        """The story key of each indexed article id."""
        out = np.zeros(arts.size, dtype=np.int64)
        for run in self._runs():
            if not run.ids.size:
                continue
            at = np.minimum(np.searchsorted(run.ids, arts), run.ids.size - 1)
            here = run.ids[at] == arts
            out[here] = run.stories[at[here]]
        return out

    def _add(
        self,
        ids: np.ndarray,
        stories: np.ndarray,
        seen: np.ndarray,
        keys: np.ndarray,
        counts: np.ndarray,
    ) -> None:
        arts = np.repeat(ids, counts)
        owners = np.repeat(stories, counts)
        with np.errstate(over="ignore"):
            pairs = keys ^ (owners * _PAIR)
        # The first article of each (key, story) keeps the entry: within the batch ...
        _, first = np.unique(pairs, return_index=True)
        keep = np.zeros(keys.size, dtype=bool)
        keep[first] = True
        # ... and across it, where the story already has the key.
        where, found = self.matches(keys)
        if where.size:
            with np.errstate(over="ignore"):
                had = keys[where] ^ (self._stories_of(found) * _PAIR)
            keep &= ~np.isin(pairs, had)
        order = np.argsort(keys[keep], kind="stable")
        self._recent.append(_Run(keys[keep][order], arts[keep][order], ids, stories, seen))
        if sum(r.keys.size for r in self._recent) >= self.merge_at:
            self._base = _merged([self._base, *self._recent])
            self._recent = []
        elif len(self._recent) > self.max_runs:  # fewer searches per lookup, at little cost
            self._recent = [_merged(self._recent)]


def _merged(runs: Sequence[_Run]) -> _Run:
    """One run of the runs' entries and articles; runs given in id order."""
    first, rest = runs[0], runs[1:]
    keys = np.concatenate([r.keys for r in rest])
    arts = np.concatenate([r.arts for r in rest])
    order = np.argsort(keys, kind="stable")  # older articles first under each key
    # After the entries the first run already has under a key: they are older still.
    at = np.searchsorted(first.keys, keys[order], "right")
    return _Run(
        np.insert(first.keys, at, keys[order]),
        np.insert(first.arts, at, arts[order]),
        np.concatenate([r.ids for r in runs]),
        np.concatenate([r.stories for r in runs]),
        np.concatenate([r.seen for r in runs]),
    )
