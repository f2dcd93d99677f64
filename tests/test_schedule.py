from __future__ import annotations

from datetime import UTC, datetime

from monitor.digest.cron import is_due, next_fire

YEREVAN_8 = "0 8 * * *"  # 08:00 in Asia/Yerevan is 04:00 UTC


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_nothing_pending_is_never_due() -> None:
    assert not is_due(YEREVAN_8, "Asia/Yerevan", None, at(23, 12))
    assert not is_due("immediate", "UTC", None, at(23, 12))


def test_a_hit_waits_for_the_next_slot_in_the_subscription_time_zone() -> None:
    found = at(22, 5)  # 09:00 Yerevan, after today's slot
    assert not is_due(YEREVAN_8, "Asia/Yerevan", found, at(22, 20))
    assert not is_due(YEREVAN_8, "Asia/Yerevan", found, at(23, 3, 59))
    assert is_due(YEREVAN_8, "Asia/Yerevan", found, at(23, 4, 0))


def test_a_missed_slot_is_sent_on_return() -> None:
    assert is_due(YEREVAN_8, "Asia/Yerevan", at(20, 10), at(23, 12))


def test_immediate_is_due_as_soon_as_there_is_a_hit() -> None:
    assert is_due("immediate", "UTC", at(23, 12), at(23, 12))


def test_next_fire() -> None:
    assert next_fire(YEREVAN_8, "Asia/Yerevan", at(22, 5)) == at(23, 4)
