"""The clock. Stages that need the time are given a Clock, so tests can pass their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(t: datetime) -> datetime:
    """A time read back from SQLite has no zone; every stored time is UTC."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)
