"""When a subscription's digest is due. Pure: schedule, time zone and now in; a
decision out. Quiet hours are monitor.basics.quiet's."""

from __future__ import annotations

from datetime import datetime
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
