"""Spikes: a watchlist's (or an entity's) stories of the last day against the same
hours of the 14 days before. Pure: what was found and when, and the clock, in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.watchlists.model import SpikeRule

DAYS = 14  # the baseline: the daily mean of the 14 days before the last one
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Spike:
    today: int  # stories in the last 24 hours
    baseline: float  # their daily mean over the 14 days before
    factor: float  # today / baseline (inf when the baseline is 0)


def daily_stories(found: Iterable[tuple[datetime, str]], now: datetime) -> list[int]:
    """Distinct stories per 24 hours back from now: [last day, the day before, ...],
    DAYS + 1 of them. A story counts on the day of its first hit."""
    first: dict[str, datetime] = {}
    for at, story in found:
        if story not in first or at < first[story]:
            first[story] = at
    counts = [0] * (DAYS + 1)
    for at in first.values():
        day = int((now - at) / DAY)
        if 0 <= day <= DAYS:
            counts[day] += 1
    return counts


def detect(counts: Sequence[int], rule: SpikeRule) -> Spike | None:
    """A spike when the last day holds at least rule.min stories, rule.factor times the
    daily mean of the days before, and more than any of them: a steady topic never
    alerts, one that grows slowly raises its own baseline as it goes, and a surge that
    stays up alerts on its first day, not on each day of its plateau."""
    if not counts:
        return None
    today, history = counts[0], list(counts[1 : DAYS + 1])
    baseline = sum(history) / len(history) if history else 0.0
    if today < rule.min or today < rule.factor * baseline or today <= max(history, default=0):
        return None
    return Spike(today, baseline, today / baseline if baseline else float("inf"))
