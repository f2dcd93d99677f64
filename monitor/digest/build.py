"""Hits -> Digest: grouped by watchlist, one item per story, newest story first. Pure.

A story is shown once in a digest: under the first of the watchlists it hit, in
the subscription's order, with the other watchlists' entities and sentences; the
other watchlists' sections name it in one line. A story sent to the subscription
before is not sent again when more outlets report it: it becomes one "more
outlets" line, once in the message; one sent before under another watchlist says
when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from monitor.types import Digest, DigestGroup, DigestItem, HitView, Labels, OtherWatchlist


def build_digest(
    subscription: str,
    hits: Sequence[HitView],
    labels: Labels,
    period_start: datetime | None,
    period_end: datetime,
    sent_before: Collection[tuple[str, str]] | Mapping[tuple[str, str], datetime] = (),
    order: Sequence[str] | None = None,
) -> Digest:
    """`sent_before`: the (watchlist, story) pairs earlier messages of the subscription
    held (with when they were made, to say it). `order`: the subscription's watchlists
    as it lists them (others follow by name)."""
    copies: dict[str, dict[str, list[HitView]]] = defaultdict(lambda: defaultdict(list))
    for h in hits:
        copies[h.watchlist][h.story].append(h)
    names = [n for n in (order or ()) if n in copies]
    names += sorted(n for n in copies if n not in names)
    sent_at: dict[str, datetime] = {}  # story -> the first message that held it
    if isinstance(sent_before, Mapping):
        for (_, story), at in sent_before.items():
            if story not in sent_at or at < sent_at[story]:
                sent_at[story] = at
    # Each story's new watchlists (not in an earlier digest), in order: it is shown
    # under the first of them; a story with none is a "more outlets" line.
    fresh: dict[str, list[str]] = defaultdict(list)
    for name in names:
        for story in copies[name]:
            if (name, story) not in sent_before:
                fresh[story].append(name)
    groups = []
    more: dict[str, DigestItem] = {}  # once per story, under its first watchlist
    for name in names:
        items: list[DigestItem] = []
        above: list[tuple[str, str]] = []
        for story, found in copies[name].items():
            it = _item(found, labels.get(name, {}))
            if not fresh[story]:
                more.setdefault(story, it)
            elif fresh[story][0] != name:
                if name in fresh[story]:
                    above.append((it.hit.title, fresh[story][0]))
            else:
                others = fresh[story][1:]
                mentions = tuple(_other(copies[o][story], o, labels.get(o, {})) for o in others)
                items.append(replace(it, elsewhere=mentions, sent_at=sent_at.get(story)))
        items.sort(key=lambda it: (_when(it.hit), it.hit.hit_id), reverse=True)
        if items or above:
            groups.append(DigestGroup(name, tuple(items), tuple(above)))
    lines = sorted(more.values(), key=lambda it: (_when(it.hit), it.hit.hit_id), reverse=True)
    return Digest(subscription, period_start, period_end, tuple(groups), tuple(lines))


def _when(h: HitView) -> datetime:
    return h.published or h.found_at


def _head(copies: list[HitView]) -> list[HitView]:
    # The headline copy: text from the page beats a feed summary, then the earliest published.
    return sorted(copies, key=lambda h: (h.source != "page", _when(h), h.found_at, h.hit_id))


def _entities(copies: Sequence[HitView]) -> list[str]:
    found: list[str] = []
    for c in copies:
        found.extend(e for e in c.entities if e not in found)
    return found


def _item(copies: list[HitView], labels: Mapping[str, str]) -> DigestItem:
    copies = _head(copies)
    head = copies[0]
    entities = _entities(copies)
    head = replace(
        head, entities=tuple(entities), entity_labels=tuple(labels.get(e, e) for e in entities)
    )
    also: dict[str, tuple[str, str]] = {}  # one link per other outlet
    for c in copies[1:]:
        if c.url != head.url and c.outlet != head.outlet:
            also.setdefault(c.outlet, (c.outlet, c.url))
    return DigestItem(hit=head, also=tuple(also.values()))


def _other(copies: list[HitView], watchlist: str, labels: Mapping[str, str]) -> OtherWatchlist:
    head = _head(copies)[0]
    ids = tuple(_entities(copies))
    return OtherWatchlist(watchlist, tuple(labels.get(e, e) for e in ids), head.snippets, ids)
