"""Which entries of a poll are news, and which of those need their page. Pure.

An entry is new when its feed never listed its key, edited when the stored
fingerprint of its title and summary differs, and known otherwise: a re-dated
entry is not news again. A new entry whose article is already stored (another
feed listed it, or the same page under other tracking parameters) needs nothing
fetched: it is only marked seen. An edit of the feed's own entry is fetched again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.types import FeedItem, SeenEntry


@dataclass(frozen=True)
class Fresh:
    """An entry that is news: new to its feed, or edited since it was last seen."""

    item: FeedItem
    edited: bool


def unique_items(items: Sequence[FeedItem]) -> list[FeedItem]:
    """A feed that lists one entry twice gets it processed once: the first wins."""
    seen: dict[str, FeedItem] = {}
    for i in items:
        seen.setdefault(i.key, i)
    return list(seen.values())


def fresh_items(items: Sequence[FeedItem], seen: Mapping[str, str | None]) -> list[Fresh]:
    """The entries that are news, given the stored fingerprint of each key the feed has
    listed before (None: seen before fingerprints were kept, so never an edit)."""
    out = []
    for item in items:
        if item.key not in seen:
            out.append(Fresh(item, edited=False))
        elif (old := seen[item.key]) is not None and old != item.fingerprint:
            out.append(Fresh(item, edited=True))
    return out


def split_known(
    entries: Mapping[str, Fresh], known: Mapping[str, int]
) -> tuple[list[SeenEntry], list[tuple[str, Fresh]]]:
    """Of entries by article URL: those to mark seen as an article already stored, and
    those to process (fetch, extract, match, store), with their URL."""
    seen: list[SeenEntry] = []
    todo: list[tuple[str, Fresh]] = []
    for url, f in entries.items():
        if url in known and not f.edited and not f.item.own_text:
            seen.append(SeenEntry(f.item.key, f.item.fingerprint, known[url]))
        else:
            todo.append((url, f))
    return seen, todo
