"""Spike detection on synthetic series: a steady topic never alerts, a surge alerts,
a slowly rising topic does not alert day after day."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.digest.spikes import DAYS, daily_stories, detect
from monitor.watchlists.model import SpikeRule

RULE = SpikeRule(factor=3, min=5)
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def alerts(series: list[int], rule: SpikeRule = RULE) -> list[int]:
    """The days (indexes into `series`, oldest first) on which a check alerts."""
    return [
        day
        for day in range(DAYS, len(series))
        if detect(list(reversed(series[day - DAYS : day + 1])), rule)
    ]


def test_a_steady_topic_never_alerts() -> None:
    rnd = random.Random(3)
    assert alerts([rnd.randint(2, 8) for _ in range(120)]) == []


def test_a_surge_alerts_on_its_day() -> None:
    series = [3] * 30 + [25] + [3] * 30
    assert alerts(series) == [30]
    assert alerts([3] * 30 + [25] * 5 + [3] * 30) == [30]  # once, not each day it stays up


def test_a_slowly_rising_topic_does_not_alert_every_day() -> None:
    series = [round(4 * 1.08**d) for d in range(90)]  # +8% a day: x1000 over 90 days
    assert alerts(series) == []


def test_a_new_topic_alerts_from_the_day_it_reaches_the_minimum() -> None:
    series = [0] * 20 + [2, 4, 9, 9, 9, 9, 9, 30]
    # On its plateau it does not alert again; a new surge above it does.
    assert alerts(series) == [22, 27]
    spike = detect([9] + [0] * DAYS, RULE)
    assert spike is not None and spike.baseline == 0 and spike.factor == float("inf")


@pytest.mark.parametrize(
    ("counts", "alert"),
    [
        ([5] + [1] * DAYS, True),  # 5 >= 3 x 1 and >= 5
        ([4] + [1] * DAYS, False),  # under the minimum
        ([8] + [3] * DAYS, False),  # 8 < 3 x 3
        ([9] + [3] * DAYS, True),
        ([9] + [9] + [0] * (DAYS - 1), False),  # yesterday was as high
        ([], False),
    ],
)
def test_detect_table(counts: list[int], alert: bool) -> None:
    assert (detect(counts, RULE) is not None) is alert


def test_daily_stories_count_each_story_once_on_its_first_day() -> None:
    hour = timedelta(hours=1)
    found = [
        (NOW - 1 * hour, "a"),
        (NOW - 2 * hour, "a"),  # a copy: the same story
        (NOW - 30 * hour, "a"),  # first seen yesterday: counts there
        (NOW - 3 * hour, "b"),
        (NOW - 26 * hour, "c"),
        (NOW - 15 * 24 * hour - hour, "old"),  # outside the 15 days
    ]
    assert daily_stories(found, NOW)[:3] == [1, 2, 0]
    assert sum(daily_stories(found, NOW)) == 3
