"""Near-duplicate detection for story clustering: MinHash signatures and LSH band keys. Pure.

A text becomes the set of its word 3-shingles; a signature holds, for each of
128 hash functions, the smallest hash over that set, so the share of equal
positions in two signatures estimates the Jaccard similarity of the two sets.
Banding (32 bands of 2 rows) makes copies meet by key (identity.bandindex); each
candidate is then verified on its whole signature (`is_copy`).

The hashing is numpy rather than a MinHash library: one vectorised pass per text
is what keeps a signature well under a millisecond (datasketch hashes shingle by
shingle in Python, and brings scipy). The hash functions must never change:
signatures are stored (band keys are derived from them when the index is built).
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Sequence

import numpy as np

from monitor.types import Signature

NUM_PERM = 128
BAND_ROWS = 2
# 32 bands of 2 rows (the first 64 minima): a copy with Jaccard 0.3 meets its
# original in at least one band 95% of the time, one with 0.5 always; unrelated
# texts rarely, and every candidate (one shared band is enough) is verified on
# all 128 minima.
BANDS = 32
# Verified on the whole signature: a copy shares at least this share of shingles
# with the article (20% of words edited leaves about a third) ...
MIN_JACCARD = 0.22
# ... or most of the shorter text is inside the longer (a truncated republication).
MIN_CONTAINMENT = 0.6
MIN_CONTAINMENT_JACCARD = 0.12  # below this, the containment estimate is noise
WINDOW_DAYS = 14  # how far back a copy looks for its original
# Fewer words than this say too little to call two texts copies (the exact
# fingerprint still groups identical ones), and are not worth 64 bucket rows.
MIN_WORDS = 12

_WORD = re.compile(r"\w+")
_U64 = np.uint64
_MASK32 = _U64(0xFFFFFFFF)
# Fixed seeds: stored signatures stay comparable across versions and daemons.
_rng = np.random.default_rng(0x6E657773)
_A = _rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) * _U64(2) + _U64(1)  # odd multipliers
_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_BAND_SALT = _rng.integers(1, 2**63, BANDS, dtype=np.uint64)
_CHUNK = 128  # shingles hashed at once: 128 x 128 x 8 bytes stay in the L2 cache


def _arr(sig: Signature) -> np.ndarray:
    return np.frombuffer(sig.values, dtype="<u4")


def words(text: str) -> list[str]:
    """Case-folded word tokens; typography (quotes, dashes, spaces) is not a word."""
    # Cheaper than the matcher's full normalisation, which keeps offsets this does not need.
    return _WORD.findall(text.casefold().replace("ё", "е"))


def _mix(h: np.ndarray) -> np.ndarray:
    # splitmix64's finaliser: spreads the combined word hashes over 64 bits.
    with np.errstate(over="ignore"):
        h = h ^ (h >> _U64(30))
        h = h * _U64(0xBF58476D1CE4E5B9)
        h = h ^ (h >> _U64(27))
        h = h * _U64(0x94D049BB133111EB)
        out: np.ndarray = h ^ (h >> _U64(31))
        return out


def shingle_hashes(text: str) -> np.ndarray:
    """The distinct 64-bit hashes of the text's word 3-shingles (fewer words: one shingle)."""
    ws = words(text)
    if not ws:
        return np.zeros(0, dtype=np.uint64)
    while len(ws) < 3:
        ws.append("")
    w = np.array(list(map(zlib.crc32, map(str.encode, ws))), dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = (
            w[:-2] * _U64(0x9E3779B97F4A7C15)
            ^ w[1:-1] * _U64(0xC2B2AE3D27D4EB4F)
            ^ w[2:] * _U64(0x165667B19E3779F9)
        )
    return sorted_unique(_mix(h))


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique for a 1-d array, at a tenth of its cost on short arrays."""
    a = np.sort(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))] if a.size else a


def signature(text: str) -> Signature | None:
    """The MinHash signature of a text; None for a text under MIN_WORDS words."""
    h = shingle_hashes(text)
    if h.size <= MIN_WORDS - 3:
        return None
    mins = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    # In chunks that stay in the CPU cache, computed in place: a long page would
    # otherwise build a (shingles x 128) matrix at once, and temporaries for each step.
    buf = np.empty((min(h.size, _CHUNK), NUM_PERM), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(0, h.size, _CHUNK):
            part = h[i : i + _CHUNK]
            b = buf[: part.size]
            np.multiply(part[:, None], _A[None, :], out=b)
            np.add(b, _B[None, :], out=b)
            # The smallest hash has the smallest top half: shift once, after the minimum.
            np.minimum(mins, b.min(axis=0), out=mins)
    return Signature((mins >> _U64(32)).astype("<u4").tobytes(), int(h.size))


def minhash_matrix(values: Sequence[bytes]) -> np.ndarray:
    """Stored signature values as one (n, 128) uint32 array."""
    return np.frombuffer(b"".join(values), dtype="<u4").reshape(len(values), NUM_PERM)


def band_key_matrix(minhashes: np.ndarray) -> np.ndarray:
    """One signed 64-bit key per band of each signature: equal keys mean equal minima in
    that band. (n, 128) uint32 minima -> (n, BANDS) int64."""
    v = minhashes[:, : BANDS * BAND_ROWS].astype(np.uint64).reshape(-1, BANDS, BAND_ROWS)
    with np.errstate(over="ignore"):
        combined = (v[:, :, 0] << _U64(32)) | (v[:, :, 1] & _MASK32)
        keys = _mix(combined ^ _BAND_SALT)
    return keys.view(np.int64)  # signed, as the keys always were


def jaccard(a: Signature, b: Signature) -> float:
    return float(np.count_nonzero(_arr(a) == _arr(b))) / NUM_PERM


def containment(a: Signature, b: Signature, j: float | None = None) -> float:
    """Estimated share of the smaller shingle set that lies in the larger one."""
    j = jaccard(a, b) if j is None else j
    inter = j * (a.shingles + b.shingles) / (1 + j)
    return min(1.0, inter / max(1, min(a.shingles, b.shingles)))


def is_copy(a: Signature, b: Signature, j: float | None = None) -> bool:
    """The verification of a candidate: one text a copy of the other (j: their Jaccard)."""
    j = jaccard(a, b) if j is None else j
    return j >= MIN_JACCARD or (
        j >= MIN_CONTAINMENT_JACCARD and containment(a, b, j) >= MIN_CONTAINMENT
    )


def best_story(sig: Signature, candidates: Sequence[tuple[str, Signature]]) -> str | None:
    """The story of the candidate `sig` is most surely a copy of; None when it copies none."""
    if not candidates:
        return None
    mine = _arr(sig)
    others = np.frombuffer(b"".join(c.values for _, c in candidates), dtype="<u4")
    equal = np.count_nonzero(others.reshape(len(candidates), NUM_PERM) == mine, axis=1)
    best, best_j = None, 0.0
    for (story, other), n in zip(candidates, equal.tolist(), strict=True):
        j = n / NUM_PERM
        if j > best_j and is_copy(sig, other, j):
            best, best_j = story, j
    return best


def story_key(story: str) -> int:
    """A story id as a signed 64-bit integer, for the bucket table's key."""
    return int.from_bytes(
        hashlib.blake2b(story.encode(), digest_size=8).digest(), "big", signed=True
    )
