"""Notices as typed values: a subscription's spike and heartbeat kept in the outbox as
JSON and read back into the same value, each shown by every channel through its
template; the operator's notices worded by theirs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.digest.alerts import (
    HeartbeatNote,
    SpikeNote,
    StoryLink,
    dumps,
    loads,
    render_notice,
)
from monitor.digest.channels import CHANNELS
from monitor.digest.notices import DeliveryDead, FeedDown, FeedRecovered, SpikeSent, worded
from monitor.types import StoredDigest
from tests.support.telegram_bot import Shown

SINCE = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
SPIKE = SpikeNote(
    "karabakh", "Lachin corridor", 9, 1.5,
    (StoryLink("Road <closed>", "Azatutyun", "https://a.am/1"),
     StoryLink("Convoy", "News & Co", "javascript:alert(1)")),
)  # fmt: skip
HEARTBEAT = HeartbeatNote(SINCE, 15, 14, ("Armenpress",))


def stored(kind: str, note: str) -> StoredDigest:
    return StoredDigest(1, "desk", None, SINCE, (), "key", kind, note)


@pytest.mark.parametrize("note", [SPIKE, HEARTBEAT, SpikeNote("csto", None, 3, 0.0)])
def test_a_note_reads_back_as_the_value_it_was(note: SpikeNote | HeartbeatNote) -> None:
    assert loads(note.kind, dumps(note)) == note


def test_a_note_kept_before_notices_were_typed_still_reads() -> None:
    spike = '{"watchlist": "karabakh", "entity": null, "today": 4, "baseline": 1.0, "stories": [{"title": "T", "outlet": "O", "url": "https://o.example/1"}]}'  # fmt: skip
    assert loads("spike", spike) == SpikeNote(
        "karabakh", None, 4, 1.0, (StoryLink("T", "O", "https://o.example/1"),)
    )
    beat = '{"since": "2026-12-01T06:30:00+00:00", "feeds": 15, "healthy": 14, "failing": ["Armenpress"]}'  # fmt: skip
    assert loads("heartbeat", beat) == HEARTBEAT


@pytest.mark.parametrize(
    ("kind", "note", "says"),
    [
        ("fanfare", "{}", "no such kind of notice: 'fanfare'"),
        ("spike", '{"watchlist": "k"}', "a spike notice that cannot be read"),
        ("heartbeat", '{"feeds": 1}', "a heartbeat notice that cannot be read"),
    ],
)
def test_a_note_that_cannot_be_read_says_which(kind: str, note: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        loads(kind, note)


@pytest.mark.parametrize("channel", [c.name for c in CHANNELS])
def test_every_channel_shows_every_notice(channel: str) -> None:
    spike = render_notice(stored("spike", dumps(SPIKE)), "Asia/Yerevan", channel)
    assert spike.subject == "[news-monitor] desk: spike in karabakh (Lachin corridor), 9 stories"
    assert "9 stories in the last 24 hours against 1.5 a day" in spike.body
    assert "javascript:" not in spike.body and "Convoy" in spike.body
    beat = render_notice(stored("heartbeat", dumps(HEARTBEAT)), "Asia/Yerevan", channel)
    assert "nothing new since 01 Dec 2026 10:30 +04; 14 of 15 feeds healthy" in beat.body
    assert "Failing: Armenpress" in beat.body
    if channel in ("email", "telegram"):  # HTML: the title's < is text, not a tag
        assert "Road &lt;closed&gt;" in spike.body and "<closed>" not in spike.body
    if channel == "telegram":
        shown = Shown(spike.body)
        assert shown.refused == [] and shown.links == [("https://a.am/1", "Road <closed>")]


def test_the_operators_notices_are_worded_by_their_templates() -> None:
    down = FeedDown("Armenpress (https://armenpress.am/rss)", "2026-12-01T06:30", 7, "HTTP 503")
    assert worded(down) == (
        "Feed down: Armenpress (https://armenpress.am/rss)",
        "Armenpress (https://armenpress.am/rss) has failed since 2026-12-01T06:30 "
        "(7 polls in a row).\nLast error: HTTP 503\n"
        "It is still polled, less often; a notice follows when it recovers.",
    )
    assert worded(FeedRecovered("Armenpress")) == (
        "Feed recovered: Armenpress",
        "Armenpress answers again.",
    )
    title, body = worded(DeliveryDead(12, 3, "desk", "mailto://desk", 8, "550 no such user"))
    assert title == "Delivery dead: desk to mailto://desk"
    assert "after 8 attempts" in body and "`monitor digest retry 12`" in body
    assert worded(SpikeSent("karabakh (Lachin)", 9, 1.5, ("desk", "night"))) == (
        "news-monitor: spike in karabakh (Lachin) sent",
        "9 stories in 24 hours against 1.5 a day; sent to desk, night",
    )
