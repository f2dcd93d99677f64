"""Content fingerprints: the exact identity of a text, and of a feed entry's key. Pure."""

from __future__ import annotations

import hashlib
import re

from monitor.basics.normalize import normalize

_WORDS = re.compile(r"\w+")


def content_hash(title: str, text: str) -> str:
    """Exact fingerprint of the normalised text: its words, folded. Copies that differ
    in case, accents, typography or punctuation only have the same fingerprint."""
    folded = normalize(f"{title}\n{text}").folded
    return hashlib.sha256(" ".join(_WORDS.findall(folded)).encode()).hexdigest()


def key_hash(key: str) -> str:
    """A feed entry's key (guid, link or content hash, of any length) as 64 hex digits."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
