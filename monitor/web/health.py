"""Readiness, decided from what was probed. Pure: the clock is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# A daemon that has polled nothing successfully for this long after its feeds'
# longest interval is not ready: its network, its proxy or every feed is down.
GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class Probe:
    database_error: str | None  # None: it answered
    scheduler_running: bool | None  # None: nothing is scheduled here (`monitor web`)
    last_success: datetime | None  # of a poll by this process
    started: datetime
    poll_bound: timedelta | None  # None: no feed to poll
    config_errors: tuple[str, ...] = ()  # monitor.yaml's and the watchlists', now


def poll_bound(intervals_s: Sequence[int]) -> timedelta | None:
    """How long without a successful poll is too long: twice the longest interval, and
    some grace (a feed's backoff after errors may reach twice its interval)."""
    return timedelta(seconds=2 * max(intervals_s)) + GRACE if intervals_s else None


def readiness(p: Probe, now: datetime) -> tuple[bool, dict[str, Any]]:
    checks: dict[str, Any] = {"database": "ok" if p.database_error is None else p.database_error}
    ok = p.database_error is None
    if p.scheduler_running is not None:
        checks["scheduler"] = "running" if p.scheduler_running else "stopped"
        ok = ok and p.scheduler_running
        if p.poll_bound is not None:
            since = p.last_success or p.started
            age = now - since
            fresh = age <= p.poll_bound
            checks["last_successful_poll"] = p.last_success.isoformat() if p.last_success else None
            checks["polls"] = (
                "ok" if fresh else f"no successful poll for {int(age.total_seconds())}s"
            )
            ok = ok and fresh
    status = "ready" if ok else "not ready"
    if p.config_errors:
        # Still ready (a load balancer keeps it: it runs on the last good version), but
        # a probe can tell that an edit did not take.
        checks["config"] = list(p.config_errors)
        status = "degraded" if ok else status
    return ok, {"status": status, "checks": checks}
