"""When a subscription's digest is due, and when it must hold its messages. Pure:
schedule, quiet hours, time zone and now in; a decision out."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger


def is_due(schedule: str, timezone: str, since: datetime | None, now: datetime) -> bool:
    """Due when the schedule has fired after `since`, the oldest hit not yet sent.

    A digest missed while the daemon was down is sent when it comes back.
    """
    if since is None:
        return False
    if schedule == "immediate":
        return True
    trigger = CronTrigger.from_crontab(schedule, timezone=ZoneInfo(timezone))
    nxt = trigger.get_next_fire_time(None, since)
    return nxt is not None and nxt <= now


def next_fire(schedule: str, timezone: str, now: datetime) -> datetime | None:
    if schedule == "immediate":
        return now
    trigger = CronTrigger.from_crontab(schedule, timezone=ZoneInfo(timezone))
    nxt: datetime | None = trigger.get_next_fire_time(None, now)
    return nxt


_QUIET = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def parse_quiet(quiet: str) -> tuple[time, time]:
    """ "22:00-07:00" -> (22:00, 07:00). Raises ValueError with what is wrong."""
    m = _QUIET.match(quiet)
    if not m:
        raise ValueError(f"{quiet!r} is not a period such as 22:00-07:00")
    start, end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
    if start == end:
        raise ValueError(f"{quiet!r} starts and ends at the same time")
    return start, end


def in_quiet(quiet: str | None, timezone: str, now: datetime) -> bool:
    """Inside the quiet period, in the subscription's time zone (it may span midnight)."""
    if quiet is None:
        return False
    start, end = parse_quiet(quiet)
    local = now.astimezone(ZoneInfo(timezone)).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end
