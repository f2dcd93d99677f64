"""Story assignment: which story each new article joins. Pure: the store reads what it
needs from the database (stories of exact copies, the candidates' signatures) and
writes the result; the decisions are here.

An exact copy (same fingerprint) joins its original's story and is not banded (the
original's band keys are in the index). Otherwise the article's band keys are looked
up in the index of the clustering window and in the articles assigned earlier in the
same transaction; the candidate it is most surely a copy of gives the story. With no
such candidate it starts a story of its own, named after its fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from monitor.identity.bandindex import BandIndex
from monitor.identity.minhash import band_key_matrix, best_story, minhash_matrix
from monitor.types import Signature


class Fingerprinted(Protocol):
    """What assignment needs of an article (monitor.types.Article has it)."""

    @property
    def content_hash(self) -> str: ...

    @property
    def signature(self) -> Signature | None: ...


@dataclass(frozen=True)
class Assignment:
    story: str
    keys: tuple[int, ...] | None  # band keys for the index; None: not banded


def own_story(content_hash: str) -> str:
    """The story an article starts when it copies nothing."""
    return content_hash[:16]


class Pending:
    """Articles a transaction has assigned, not yet in the index (they join it once the
    transaction commits): by band key, one signature per story, as in the index."""

    def __init__(self) -> None:
        self._by_key: dict[int, dict[str, Signature]] = {}

    def pool(self, keys: Iterable[int]) -> list[tuple[str, Signature]]:
        """(story, signature) met under any of the keys, each article once."""
        met = {
            id(sig): (story, sig) for k in keys for story, sig in self._by_key.get(k, {}).items()
        }
        return list(met.values())

    def add(self, keys: Iterable[int], story: str, sig: Signature) -> None:
        for k in keys:
            self._by_key.setdefault(k, {}).setdefault(story, sig)


def band_keys(new: Sequence[Fingerprinted], exact: Mapping[str, str]) -> dict[int, list[int]]:
    """The band keys of each article to band (by its place in `new`): those with a
    signature that are not exact copies of a stored article."""
    banding = {
        i: a.signature for i, a in enumerate(new) if a.signature and a.content_hash not in exact
    }
    matrix = band_key_matrix(minhash_matrix([sig.values for sig in banding.values()]))
    return dict(zip(banding, matrix.tolist(), strict=True))


def candidates(index: BandIndex, keyed: Mapping[int, Sequence[int]]) -> dict[int, set[int]]:
    """The indexed articles each banded article meets under any of its keys."""
    if not keyed:
        return {}
    width = len(next(iter(keyed.values())))
    matrix = np.array([keyed[i] for i in keyed], dtype=np.int64).reshape(len(keyed), width)
    where, found = index.matches(matrix.ravel())
    owner = np.repeat(np.fromiter(keyed, np.int64, len(keyed)), width)[where]
    out: dict[int, set[int]] = {i: set() for i in keyed}
    # An article meets a candidate under several keys: each pair once.
    for i, aid in set(zip(owner.tolist(), found.tolist(), strict=True)):
        out[i].add(aid)
    return out


def assign(
    new: Sequence[Fingerprinted],
    exact: Mapping[str, str],
    keyed: Mapping[int, Sequence[int]],
    met: Mapping[int, set[int]],
    known: Mapping[int, tuple[str, Signature]],
    pending: Pending,
) -> list[Assignment]:
    """The story of each article of `new`, in order.

    `exact`: the story of stored articles by fingerprint; `keyed`: band keys by place
    in `new` (band_keys); `met`: the indexed articles each met (candidates); `known`:
    the story and signature of those still in the window. `pending` gets the new
    banded articles, so later feeds of the transaction meet them.
    """
    stories = dict(exact)
    out: list[Assignment] = []
    for i, a in enumerate(new):
        story = stories.get(a.content_hash)
        keys = keyed.get(i)
        if story is None and keys is not None and a.signature is not None:
            pool = [known[c] for c in met.get(i, ()) if c in known] + pending.pool(keys)
            story = best_story(a.signature, pool) or own_story(a.content_hash)
            pending.add(keys, story, a.signature)
            out.append(Assignment(story, tuple(keys)))
        else:
            out.append(Assignment(story or own_story(a.content_hash), None))
        # A later article of the batch with the same fingerprint is an exact copy.
        stories.setdefault(a.content_hash, out[-1].story)
    return out
