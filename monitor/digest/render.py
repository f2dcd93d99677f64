"""Digest -> its subject, and its body for a channel (monitor.digest.channels)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from monitor.digest.channels import Channel, Look, Message, by_name
from monitor.digest.channels.base import one_line
from monitor.types import Digest


def subject(d: Digest, tz: ZoneInfo, part: tuple[int, int, int] | None = None) -> str:
    """`part`: (number, of how many, the whole digest's stories) of a split digest."""
    n = part[2] if part else d.count
    noun = "story" if n == 1 else "stories"
    end = d.period_end.astimezone(tz)
    if d.period_start:
        start = d.period_start.astimezone(tz)
        period = f"{start:%d %b %H:%M} – {end:%d %b %H:%M %Z}"
    else:
        period = f"until {end:%d %b %H:%M %Z}"
    numbered = f" (part {part[0]}/{part[1]})" if part else ""
    return one_line(f"[news-monitor] {d.subscription}: {n} new {noun}, {period}{numbered}")


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
    return Message(title, c.digest(d, Look(title, tz)))
