"""The clock. Stages that need the time are given a Clock, so tests can pass their own."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]

# This machine's clock set wrong on purpose, to show that daemons agree on the
# database's time whatever their own (benchmarks/cluster.py skew): seconds, + or -.
SKEW = timedelta(seconds=float(os.environ.get("MONITOR_CLOCK_SKEW_S") or 0))


def utcnow() -> datetime:
    return datetime.now(UTC) + SKEW


def aware(t: datetime) -> datetime:
    """A time read back from SQLite has no zone; every stored time is UTC."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)
