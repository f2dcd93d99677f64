"""Hits -> Digest: grouped by watchlist, one item per story, newest story first. Pure.

A story sent to the subscription before is not sent again when more outlets
report it: it becomes one "more outlets" line under its watchlist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from monitor.types import Digest, DigestGroup, DigestItem, HitView, Labels


def build_digest(
    subscription: str,
    hits: Sequence[HitView],
    labels: Labels,
    period_start: datetime | None,
    period_end: datetime,
    sent_before: Collection[tuple[str, str]] = (),
) -> Digest:
    """`sent_before`: the (watchlist, story) pairs earlier digests of the subscription held."""
    by_list: dict[str, list[HitView]] = defaultdict(list)
    for h in hits:
        by_list[h.watchlist].append(h)
    groups = []
    for name in sorted(by_list):
        stories: dict[str, list[HitView]] = defaultdict(list)
        for h in by_list[name]:
            stories[h.story].append(h)
        items: list[DigestItem] = []
        more: list[DigestItem] = []
        for story, copies in stories.items():
            it = _item(copies, labels.get(name, {}))
            (more if (name, story) in sent_before else items).append(it)
        items.sort(key=lambda it: (_when(it.hit), it.hit.hit_id), reverse=True)
        more.sort(key=lambda it: (_when(it.hit), it.hit.hit_id), reverse=True)
        groups.append(DigestGroup(watchlist=name, items=tuple(items), more=tuple(more)))
    return Digest(subscription, period_start, period_end, tuple(groups))


def _when(h: HitView) -> datetime:
    return h.published or h.found_at


def _item(copies: list[HitView], labels: Mapping[str, str]) -> DigestItem:
    # The headline copy: text from the page beats a feed summary, then the earliest published.
    copies = sorted(copies, key=lambda h: (h.source != "page", _when(h), h.found_at, h.hit_id))
    head = copies[0]
    entities = list(head.entities)
    for c in copies[1:]:
        entities.extend(e for e in c.entities if e not in entities)
    head = HitView(
        **{
            **head.__dict__,
            "entities": tuple(entities),
            "entity_labels": tuple(labels.get(e, e) for e in entities),
        }
    )
    also: dict[str, tuple[str, str]] = {}  # one link per other outlet
    for c in copies[1:]:
        if c.url != head.url and c.outlet != head.outlet:
            also.setdefault(c.outlet, (c.outlet, c.url))
    return DigestItem(hit=head, also=tuple(also.values()))
