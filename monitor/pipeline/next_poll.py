"""When to poll a feed next. Pure: the clock's reading and the jitter's source come in."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(days=1)
# A server's freshness hint (Cache-Control max-age, RSS <ttl>) may stretch the
# interval, by up to this factor: politeness, without missing a day of news.
MAX_HINT_FACTOR = 4
JITTER = (0.8, 1.2)  # a backoff is spread over this range, so failing feeds drift apart


def next_poll(
    interval_s: int,
    errors: int,
    now: datetime,
    rng: random.Random,
    hint_s: float | None = None,
    retry_after_s: float | None = None,
) -> datetime:
    """When to poll a feed next, after `errors` failures in a row (0: it succeeded).

    After a success: the configured interval, stretched (never shortened) by the
    server's freshness hint. After errors: exponentially longer with jitter, but
    never give up on a feed; a Retry-After is honoured (up to MAX_BACKOFF).
    """
    if errors <= 0:
        delay = float(interval_s)
        if hint_s:
            delay = max(
                delay, min(hint_s, interval_s * MAX_HINT_FACTOR, MAX_BACKOFF.total_seconds())
            )
        return now + timedelta(seconds=delay)
    backoff = min(timedelta(seconds=interval_s * 2 ** min(errors, 10)), MAX_BACKOFF)
    backoff *= rng.uniform(*JITTER)
    if retry_after_s is not None:
        backoff = max(backoff, min(timedelta(seconds=retry_after_s), MAX_BACKOFF))
    return now + backoff
