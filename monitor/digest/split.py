"""A digest too long for its channel, split into parts on item boundaries. Pure.

Each part holds whole items (a story never straddles two parts, none is dropped),
in the digest's order; a watchlist's "above" lines travel as one unit, and so do the
message's "more outlets" lines, last. `fits` says whether a part, rendered for the channel, is short enough.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from monitor.types import Digest, DigestGroup, DigestItem


@dataclass(frozen=True)
class _Unit:
    watchlist: str
    items: tuple[DigestItem, ...] = ()
    more: tuple[DigestItem, ...] = ()
    above: tuple[tuple[str, str], ...] = ()


def split_digest(d: Digest, fits: Callable[[Digest], bool]) -> list[Digest]:
    if fits(d):
        return [d]
    units: list[_Unit] = []
    for g in d.groups:
        units += [_Unit(g.watchlist, items=(it,)) for it in g.items]
        if g.above:
            units.append(_Unit(g.watchlist, above=g.above))
    if d.more:  # the message's "more outlets" lines, last
        units.append(_Unit("", more=d.more))
    parts: list[Digest] = []
    current: list[_Unit] = []
    for unit in units:
        # An item too long for any part still goes, alone: never dropped.
        if current and not fits(_assemble(d, [*current, unit])):
            parts.append(_assemble(d, current))
            current = []
        current.append(unit)
    if current:
        parts.append(_assemble(d, current))
    return parts


def _assemble(d: Digest, units: list[_Unit]) -> Digest:
    groups: list[DigestGroup] = []
    more: tuple[DigestItem, ...] = ()
    for u in units:
        more += u.more
        if not (u.items or u.above):
            continue
        if groups and groups[-1].watchlist == u.watchlist:
            g = groups[-1]
            groups[-1] = replace(g, items=g.items + u.items, above=g.above + u.above)
        else:
            groups.append(DigestGroup(u.watchlist, u.items, u.above))
    return replace(d, groups=tuple(groups), more=more)
