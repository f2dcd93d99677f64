"""A clock the test moves by hand, for stores and schedules that take one."""

from __future__ import annotations

from datetime import datetime

from monitor.clock import utcnow


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now
