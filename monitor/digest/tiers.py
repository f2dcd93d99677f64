"""Which of a subscription's watchlists are sent now. Pure: the subscription, the
watchlists loaded, the oldest waiting hit of each tier and the clock in; a decision out.

A subscription has up to two tiers: its `immediate` watchlists (all of them with
`schedule: immediate`), sent once the oldest waiting hit is `immediate_window` old,
so a burst goes in one message; and the rest, sent when its cron schedule fires.
In quiet hours each tier keeps only its critical watchlists.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.config.settings import Subscription
from monitor.digest.cron import is_due


@dataclass(frozen=True)
class Tier:
    watchlists: tuple[str, ...] | None  # None: every watchlist the subscription takes
    schedule: str  # "immediate" or cron
    window_s: int = 0  # immediate: how long the oldest waiting hit waits for company


def tiers(
    sub: Subscription, loaded: Sequence[str], critical: Collection[str], now: datetime
) -> list[Tier]:
    taken = list(sub.watchlists) if sub.watchlists is not None else None
    window = sub.immediate_window or 0
    if sub.schedule == "immediate":
        found = [Tier(_tuple(taken), "immediate", window)]
    elif sub.immediate:
        names = taken if taken is not None else list(loaded)
        at_once = tuple(n for n in names if n in sub.immediate)
        rest = tuple(n for n in names if n not in sub.immediate)
        found = [Tier(at_once, "immediate", window), Tier(rest, sub.schedule)]
    else:
        found = [Tier(_tuple(taken), sub.schedule)]
    if sub.quiet_at(now):
        found = [
            Tier(
                tuple(n for n in (t.watchlists or loaded) if n in critical), t.schedule, t.window_s
            )
            for t in found
        ]
    return [t for t in found if t.watchlists is None or t.watchlists]


def tier_due(tier: Tier, timezone: str, oldest: datetime | None, now: datetime) -> bool:
    """`oldest`: when the tier's oldest hit not yet sent was found (None: none)."""
    if oldest is None:
        return False
    if tier.schedule == "immediate":
        return now >= oldest + timedelta(seconds=tier.window_s)
    return is_due(tier.schedule, timezone, oldest, now)


def _tuple(names: list[str] | None) -> tuple[str, ...] | None:
    return tuple(names) if names is not None else None
