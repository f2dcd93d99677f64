"""Notices to a subscription beside its digests: a spike in a watchlist or an entity,
and the heartbeat that says all is quiet. What each holds (a JSON note, pure) and how
it reads in each channel; they go out through the outbox like digests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from monitor.digest.channels import Channel, Look, Message, by_name
from monitor.digest.channels.base import one_line
from monitor.digest.spikes import Spike
from monitor.types import FeedStatus, HitView, NoticeView, StoredDigest

TOP_STORIES = 5


@dataclass(frozen=True)
class Notice:
    kind: str  # "spike" or "heartbeat"
    note: str  # JSON
    dedupe: str  # made once per this key and subscription


def spike_notice(
    watchlist: str,
    entity: str | None,
    spike: Spike,
    recent: list[HitView],
    day: str,
) -> Notice:
    """`recent`: the last day's hits, newest first; `day`: the date it is sent on, in
    the subscription's zone (one notice per watchlist, or entity, and day)."""
    stories: dict[str, dict[str, str]] = {}
    for h in recent:
        if h.story not in stories and len(stories) < TOP_STORIES:
            stories[h.story] = {"title": h.title, "outlet": h.outlet, "url": h.url}
    note = {
        "watchlist": watchlist,
        "entity": entity,
        "today": spike.today,
        "baseline": round(spike.baseline, 1),
        "stories": list(stories.values()),
    }
    what = f"{watchlist}:{entity}" if entity else watchlist
    return Notice("spike", json.dumps(note, ensure_ascii=False), f"spike:{what}:{day}")


def heartbeat_notice(since: datetime, feeds: list[FeedStatus]) -> Notice:
    active = [f for f in feeds if f.active]
    failing = [f.name or f.url for f in active if f.failing_since is not None]
    note = {
        "since": since.isoformat(),
        "feeds": len(active),
        "healthy": len(active) - len(failing),
        "failing": failing[:20],
    }
    return Notice("heartbeat", json.dumps(note), f"heartbeat:{since.isoformat()}")


def render_notice(d: StoredDigest, timezone: str, channel: Channel | str = "email") -> Message:
    """A stored notice as `channel` shows it."""
    c = by_name(channel) if isinstance(channel, str) else channel
    note: dict[str, Any] = json.loads(d.note or "{}")
    tz = ZoneInfo(timezone)
    title, view = (
        _spike(d.subscription, note) if d.kind == "spike" else _heartbeat(d.subscription, note, tz)
    )
    return Message(title, c.notice(view, Look(title, tz)))


def _spike(subscription: str, n: dict[str, Any]) -> tuple[str, NoticeView]:
    what = f"{n['watchlist']} ({n['entity']})" if n.get("entity") else n["watchlist"]
    head = (
        f"{n['today']} stories in the last 24 hours against {n['baseline']:g} a day "
        "over the 14 days before"
    )
    title = one_line(f"[news-monitor] {subscription}: spike in {what}, {n['today']} stories")
    stories = tuple((s["title"], s["outlet"], s["url"]) for s in n.get("stories", []))
    return title, NoticeView(f"Spike in {what}", head, stories)


def _heartbeat(subscription: str, n: dict[str, Any], tz: ZoneInfo) -> tuple[str, NoticeView]:
    since = datetime.fromisoformat(n["since"]).astimezone(tz).strftime("%d %b %Y %H:%M %Z")
    head = f"All quiet: nothing new since {since}; {n['healthy']} of {n['feeds']} feeds healthy"
    title = one_line(f"[news-monitor] {subscription}: {head}")
    failing = n.get("failing", [])
    lines = (f"Failing: {', '.join(failing)}",) if failing else ()
    return title, NoticeView("All quiet", head, (), lines)
