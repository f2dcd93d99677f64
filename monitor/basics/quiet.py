"""Quiet hours ("22:00-07:00"): parsed once, when monitor.yaml is read, into a value
that says whether a moment falls inside them. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_QUIET = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time  # before start: the period spans midnight

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """ "22:00-07:00" -> QuietHours(22:00, 07:00). ValueError says what is wrong."""
        m = _QUIET.match(text)
        if not m:
            raise ValueError(f"{text!r} is not a period such as 22:00-07:00")
        start, end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
        if start == end:
            raise ValueError(f"{text!r} starts and ends at the same time")
        return cls(start, end)

    def covers(self, now: datetime, timezone: str) -> bool:
        """Whether `now` is inside the period, on the clock of `timezone`."""
        local = now.astimezone(ZoneInfo(timezone)).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _parsed(value: Any) -> Any:
    return QuietHours.parse(value) if isinstance(value, str) else value


# A settings field: written as "22:00-07:00", held as QuietHours.
Quiet = Annotated[
    QuietHours,
    BeforeValidator(_parsed),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string"}),
]
