"""Notices to a subscription beside its digests: a spike in a watchlist or an entity,
and the heartbeat that says all is quiet. Each is a frozen value (its note), kept
in the outbox as JSON and read back into that value; every channel shows it through
a NoticeView and its own template. They go out through the outbox like digests."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from monitor.digest.channels import Channel, Look, Message, by_name
from monitor.digest.channels.base import one_line
from monitor.digest.data import notice_data
from monitor.digest.spikes import Spike
from monitor.types import FeedStatus, HitView, NoticeView, StoredDigest

TOP_STORIES = 5
FAILING_SHOWN = 20


@dataclass(frozen=True)
class StoryLink:
    title: str
    outlet: str
    url: str


@dataclass(frozen=True)
class SpikeNote:
    watchlist: str
    entity: str | None  # its label; None: the whole watchlist
    today: int  # stories in the last 24 hours
    baseline: float  # a day's mean over the 14 days before
    stories: tuple[StoryLink, ...] = ()  # the newest few
    kind: ClassVar[str] = "spike"

    def view(self, subscription: str, tz: ZoneInfo) -> tuple[str, NoticeView]:
        what = f"{self.watchlist} ({self.entity})" if self.entity else self.watchlist
        head = (
            f"{self.today} stories in the last 24 hours against {self.baseline:g} a day "
            "over the 14 days before"
        )
        title = one_line(f"[news-monitor] {subscription}: spike in {what}, {self.today} stories")
        links = tuple((s.title, s.outlet, s.url) for s in self.stories)
        return title, NoticeView(f"Spike in {what}", head, links)


@dataclass(frozen=True)
class HeartbeatNote:
    since: datetime  # the last message sent
    feeds: int  # active feeds
    healthy: int
    failing: tuple[str, ...] = ()  # names of the failing ones, the first few
    kind: ClassVar[str] = "heartbeat"

    def view(self, subscription: str, tz: ZoneInfo) -> tuple[str, NoticeView]:
        since = self.since.astimezone(tz).strftime("%d %b %Y %H:%M %Z")
        head = f"All quiet: nothing new since {since}; {self.healthy} of {self.feeds} feeds healthy"
        title = one_line(f"[news-monitor] {subscription}: {head}")
        lines = (f"Failing: {', '.join(self.failing)}",) if self.failing else ()
        return title, NoticeView("All quiet", head, (), lines)


Note = SpikeNote | HeartbeatNote


@dataclass(frozen=True)
class Notice:
    note: Note
    dedupe: str  # made once per this key and subscription

    @property
    def kind(self) -> str:
        return self.note.kind


def dumps(note: Note) -> str:
    """The note as the outbox keeps it."""
    return json.dumps(asdict(note), ensure_ascii=False, default=datetime.isoformat)


def loads(kind: str, text: str | None) -> Note:
    """A kept note read back; ValueError names a kind or a note it cannot read."""
    raw: dict[str, Any] = json.loads(text or "{}")
    try:
        if kind == "spike":
            stories = tuple(StoryLink(**s) for s in raw.pop("stories", ()))
            return SpikeNote(**raw, stories=stories)
        if kind == "heartbeat":
            since = datetime.fromisoformat(raw.pop("since"))
            return HeartbeatNote(since=since, **{**raw, "failing": tuple(raw.get("failing", ()))})
    except (TypeError, KeyError) as exc:
        raise ValueError(f"a {kind} notice that cannot be read: {exc}") from None
    raise ValueError(f"no such kind of notice: {kind!r}")


def spike_notice(
    watchlist: str,
    entity: str | None,
    spike: Spike,
    recent: list[HitView],
    day: str,
) -> Notice:
    """`recent`: the last day's hits, newest first; `day`: the date it is sent on, in
    the subscription's zone (one notice per watchlist, or entity, and day)."""
    stories: dict[str, StoryLink] = {}
    for h in recent:
        if h.story not in stories and len(stories) < TOP_STORIES:
            stories[h.story] = StoryLink(h.title, h.outlet, h.url)
    note = SpikeNote(
        watchlist, entity, spike.today, round(spike.baseline, 1), tuple(stories.values())
    )
    what = f"{watchlist}:{entity}" if entity else watchlist
    return Notice(note, f"spike:{what}:{day}")


def heartbeat_notice(since: datetime, feeds: list[FeedStatus]) -> Notice:
    active = [f for f in feeds if f.active]
    failing = [f.name or f.url for f in active if f.failing_since is not None]
    note = HeartbeatNote(
        since, len(active), len(active) - len(failing), tuple(failing[:FAILING_SHOWN])
    )
    return Notice(note, f"heartbeat:{since.isoformat()}")


def render_notice(d: StoredDigest, timezone: str, channel: Channel | str = "email") -> Message:
    """A stored notice as `channel` shows it."""
    c = by_name(channel) if isinstance(channel, str) else channel
    tz = ZoneInfo(timezone)
    title, view = loads(d.kind, d.note).view(d.subscription, tz)
    return Message(title, c.notice(view, Look(title, tz)), notice_data(d.subscription, view))
