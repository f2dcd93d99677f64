"""Hits -> Digest: grouped by watchlist, one item per story, newest story first. Pure."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from monitor.types import Digest, DigestGroup, DigestItem, HitView

Labels = Mapping[str, Mapping[str, str]]  # watchlist -> entity id -> label


def build_digest(
    subscription: str,
    hits: Sequence[HitView],
    labels: Labels,
    period_start: datetime | None,
    period_end: datetime,
) -> Digest:
    by_list: dict[str, list[HitView]] = defaultdict(list)
    for h in hits:
        by_list[h.watchlist].append(h)
    groups = []
    for name in sorted(by_list):
        stories: dict[str, list[HitView]] = defaultdict(list)
        for h in by_list[name]:
            stories[h.story].append(h)
        items = [_item(copies, labels.get(name, {})) for copies in stories.values()]
        items.sort(key=lambda it: (_when(it.hit), it.hit.hit_id), reverse=True)
        groups.append(DigestGroup(watchlist=name, items=tuple(items)))
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
    also = tuple((c.outlet, c.url) for c in copies[1:] if c.url != head.url)
    return DigestItem(hit=head, also=also)
