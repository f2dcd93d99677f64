"""Digest -> its subject, and its body for a channel (monitor.digest.channels)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.digest.channels import Channel, Look, Message, by_name
from monitor.digest.channels.base import one_line
from monitor.digest.data import digest_data
from monitor.types import Digest


def subject(d: Digest, tz: ZoneInfo, part: tuple[int, int, int] | None = None) -> str:
    """`part`: (number, of how many, the whole digest's stories) of a split digest."""
    n = part[2] if part else d.count
    noun = "story" if n == 1 else "stories"
    start = d.period_start.astimezone(tz) if d.period_start else None
    period = period_of(start, d.period_end.astimezone(tz))
    numbered = f" (part {part[0]}/{part[1]})" if part else ""
    return one_line(f"[news-monitor] {d.subscription}: {n} new {noun}, {period}{numbered}")


def period_of(start: datetime | None, end: datetime) -> str:
    """A digest's period as a subject says it, in `end`'s zone: a day is named once,
    and a period within one minute is a moment ("18:15 – 18:15" read as a mistake)."""
    if start is None:
        return f"until {end:%d %b %H:%M %Z}"
    if f"{start:%d %b %H:%M}" == f"{end:%d %b %H:%M}":
        return f"at {end:%d %b %H:%M %Z}"
    if start.date() == end.date():
        return f"{start:%d %b %H:%M}–{end:%H:%M %Z}"
    return f"{start:%d %b %H:%M} – {end:%d %b %H:%M %Z}"


def render(
    d: Digest,
    timezone: str = "UTC",
    channel: Channel | str = "email",
    part: tuple[int, int, int] | None = None,
) -> Message:
    """The digest (or one part of it) as `channel` shows it."""
    c = by_name(channel) if isinstance(channel, str) else channel
    tz = ZoneInfo(timezone)
    title = subject(d, tz, part)
    return Message(title, c.digest(d, Look(title, tz)), digest_data(d, part))
