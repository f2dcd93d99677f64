"""Whether a feed that still answers has gone silent: nothing new for far longer than
its own usual gap between news (5 times the median, and at least 2 days). Pure: the
clock's reading comes in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from statistics import median

KEEP = 21  # arrivals remembered (the polls that brought new items): twenty gaps
MIN_GAPS = 3  # fewer, and a feed has no usual gap to be judged by
FACTOR = 5
FLOOR = timedelta(days=2)


def arrived(arrivals: Sequence[datetime], at: datetime) -> list[datetime]:
    """The arrivals after a poll at `at` that brought new items: the last KEEP."""
    return [*arrivals, at][-KEEP:]


def usual_gap(arrivals: Sequence[datetime]) -> timedelta | None:
    """The median time between this feed's news; None without history enough."""
    gaps = [(b - a).total_seconds() for a, b in pairwise(arrivals) if b > a]
    return timedelta(seconds=median(gaps)) if len(gaps) >= MIN_GAPS else None


def stale_after(arrivals: Sequence[datetime]) -> timedelta | None:
    """How long without news is unusual for this feed; None without history enough."""
    usual = usual_gap(arrivals)
    return max(FACTOR * usual, FLOOR) if usual is not None else None


def is_stale(arrivals: Sequence[datetime], failing: bool, now: datetime) -> bool:
    """A feed that answers (not failing: down is another notice) whose last news came
    longer ago than its stale_after."""
    after = stale_after(arrivals)
    return not failing and after is not None and now - arrivals[-1] > after
