from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitor.digest.build import build_digest
from monitor.digest.channels import for_url
from monitor.digest.deliver import Destination, destinations, send
from monitor.digest.render import period_of
from monitor.errors import DeliveryError
from monitor.types import HitView, Snippet
from tests.support.render import rendered
from tests.support.slack import URL as SLACK
from tests.support.slack import render_mrkdwn, slack_webhook

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
EVIL_TITLE = "<script>alert(1)</script> <!channel> <@U123> <https://evil.example|click> *bold*\r\nBcc: x@evil.example"


def hit(
    i: int,
    *,
    story: str | None = None,
    title: str = "Title",
    watchlist: str = "csto",
    outlet: str = "TASS",
    url: str | None = None,
    source: str = "page",
    published: datetime | None = None,
    snippet: str = "The CSTO met.",
) -> HitView:
    start = snippet.find("CSTO")
    return HitView(
        hit_id=i,
        url=url or f"https://news.example/{i}",
        title=title,
        outlet=outlet,
        published=published or NOW - timedelta(hours=i),
        watchlist=watchlist,
        entities=("csto",),
        entity_labels=("csto",),
        snippets=(Snippet(snippet, ((start, start + 4),) if start >= 0 else (), ("csto",)),),
        story=story or f"s{i}",
        found_at=NOW - timedelta(hours=i),
        source=source,
    )


LABELS = {"csto": {"csto": "Collective Security Treaty Org."}}


def test_grouped_by_watchlist_newest_story_first_one_item_per_story() -> None:
    hits = [
        hit(1, story="A", outlet="Caucasus Herald", published=NOW - timedelta(hours=5)),
        hit(2, story="A", outlet="Regional Wire", published=NOW - timedelta(hours=4)),
        hit(3, story="B", published=NOW - timedelta(hours=1)),
        hit(4, story="C", watchlist="karabakh"),
    ]
    d = build_digest("desk", hits, LABELS, None, NOW)
    assert [g.watchlist for g in d.groups] == ["csto", "karabakh"]
    csto = d.groups[0]
    assert [it.hit.story for it in csto.items] == ["B", "A"]
    story_a = csto.items[1]
    assert story_a.hit.outlet == "Caucasus Herald"  # the earliest copy is the headline
    assert story_a.also == (("Regional Wire", "https://news.example/2"),)
    assert story_a.hit.entity_labels == ("Collective Security Treaty Org.",)
    assert d.count == 3


def test_a_story_hit_by_several_watchlists_is_shown_once() -> None:
    labels = {**LABELS, "officials": {"peskov": "Dmitry Peskov"}, "karabakh": {}}
    peskov = "Peskov said the CSTO would meet."
    hits = [
        hit(1, story="S", title="Peskov on the CSTO"),
        replace(
            hit(2, story="S", title="Peskov on the CSTO", watchlist="officials", snippet=peskov),
            entities=("peskov",),
        ),
        hit(3, story="S", title="Peskov on the CSTO", watchlist="karabakh"),
        hit(4, story="T", watchlist="karabakh"),
    ]
    # The subscription lists officials first: the story goes there, once.
    d = build_digest("desk", hits, labels, None, NOW, order=["officials", "csto", "karabakh"])
    assert [g.watchlist for g in d.groups] == ["officials", "csto", "karabakh"]
    [shown] = d.groups[0].items
    assert shown.hit.story == "S" and shown.hit.entity_labels == ("Dmitry Peskov",)
    assert [(m.watchlist, m.entity_labels) for m in shown.elsewhere] == [
        ("csto", ("Collective Security Treaty Org.",)),
        ("karabakh", ("csto",)),
    ]
    assert d.groups[1].items == () and d.groups[1].above == (("Peskov on the CSTO", "officials"),)
    assert [it.hit.story for it in d.groups[2].items] == ["T"]
    assert d.count == 2  # stories, not items
    r = rendered(d, "UTC")
    assert r.text.count("* Peskov on the CSTO") == 1 and r.html.count(">Peskov on the CSTO<") == 1
    assert "Also: Peskov on the CSTO (above, under officials)" in r.text
    assert "Also csto: Collective Security Treaty Org." in r.text
    assert "2 new stories" in r.subject
    assert r.slack.count("Peskov on the CSTO") == 3  # the item, and a line in each other section
    # Without an order the watchlists go by name: csto first.
    assert build_digest("desk", hits, labels, None, NOW).groups[0].items[0].hit.story == "S"


def test_a_story_sent_before_under_one_watchlist_is_news_under_another() -> None:
    hits = [hit(1, story="S"), hit(2, story="S", watchlist="karabakh")]
    d = build_digest("desk", hits, LABELS, None, NOW, sent_before={("csto", "S")})
    # Shown in full under karabakh, where it is news; csto, which sent it, has nothing.
    assert [g.watchlist for g in d.groups] == ["karabakh"]
    assert [it.hit.story for it in d.groups[0].items] == ["S"]
    assert d.count == 1


def test_a_story_sent_as_an_alert_says_when_in_the_morning_digest() -> None:
    """The csto alert went at 18:14; the morning digest holds the story for karabakh and
    says it was sent then, on every channel."""
    alert = datetime(2026, 11, 21, 14, 14, tzinfo=UTC)  # 18:14 in Yerevan
    hits = [hit(1, story="S"), hit(2, story="S", watchlist="karabakh"), hit(3, story="T")]
    d = build_digest("desk", hits, LABELS, None, NOW, sent_before={("csto", "S"): alert})
    [item] = d.groups[[g.watchlist for g in d.groups].index("karabakh")].items
    assert item.sent_at == alert
    assert all(it.sent_at is None for g in d.groups for it in g.items if it.hit.story == "T")
    r = rendered(d, "Asia/Yerevan")
    said = "at 21 Nov 2026 18:14 +04, under another watchlist"
    assert f"(sent earlier, {said})" in r.text and f"Sent earlier, {said}." in r.html
    assert r.slack.count(f"sent earlier, {said}") == 1
    assert "Sent earlier" not in rendered(build_digest("desk", hits, LABELS, None, NOW)).text


def test_more_outlets_once_per_message_not_per_watchlist() -> None:
    """A story sent before under both watchlists, republished since: one line."""
    hits = [hit(1, story="S", outlet="Armenpress"), hit(2, story="S", watchlist="karabakh"),
            hit(3, story="T", title="News")]  # fmt: skip
    sent = {("csto", "S"): NOW, ("karabakh", "S"): NOW}
    d = build_digest("desk", hits, LABELS, None, NOW, sent_before=sent)
    assert [it.hit.story for it in d.more] == ["S"] and d.count == 1
    r = rendered(d, "UTC")
    for body in (r.text, r.html, r.slack):
        assert body.count("More outlets on stories sent earlier") == 1


def test_a_page_copy_beats_a_feed_summary_as_headline() -> None:
    d = build_digest(
        "desk", [hit(1, story="A", source="feed"), hit(2, story="A")], LABELS, None, NOW
    )
    assert d.groups[0].items[0].hit.hit_id == 2


def test_rendered_parts_show_every_field() -> None:
    d = build_digest(
        "security-desk",
        [hit(1, title="CSTO summit opens", outlet="TASS")],
        LABELS,
        NOW - timedelta(days=1),
        NOW,
    )
    r = rendered(d, "Asia/Yerevan")
    assert r.subject == "[news-monitor] security-desk: 1 new story, 21 Nov 12:00 – 22 Nov 12:00 +04"
    for part in (r.html, r.text):
        assert "CSTO summit opens" in part and "TASS" in part and "https://news.example/1" in part
        assert "Collective Security Treaty Org." in part and "22 Nov 2026 11:00" in part
    assert "The <mark><b>CSTO</b></mark> met." in r.html
    assert "The **CSTO** met." in r.text
    assert "*CSTO*" in r.slack


def test_items_say_their_time_zone_and_their_language() -> None:
    ru = HitView(**{**hit(2, title="Песков о саммите").__dict__, "language": "ru"})
    d = build_digest("desk", [hit(1), ru], LABELS, None, NOW)
    r = rendered(d, "Asia/Yerevan")
    assert "22 Nov 2026 11:00 +04" in r.html and "22 Nov 2026 11:00 +04" in r.text
    assert r.html.count(' lang="ru"') == 1 and '<div class="item">' in r.html


def test_feed_summary_hits_say_so() -> None:
    r = rendered(build_digest("d", [hit(1, source="feed")], LABELS, None, NOW))
    assert "feed summary" in r.html and "feed summary" in r.text and "feed summary" in r.slack


def test_untrusted_text_is_escaped_for_each_channel() -> None:
    evil = hit(
        1,
        title=EVIL_TITLE,
        outlet="<b>Outlet</b>",
        url="javascript:alert(1)",
        snippet="x <img src=x onerror=alert(1)> CSTO <!here>",
    )
    r = rendered(build_digest("desk\r\nBcc: y@evil.example", [evil], LABELS, None, NOW))
    assert "\r" not in r.subject and "\n" not in r.subject
    assert "<script>" not in r.html and "&lt;script&gt;" in r.html
    assert "<img" not in r.html and "<b>Outlet</b>" not in r.html
    assert "javascript:" not in r.html and "javascript:" not in r.text
    assert "<!channel>" not in r.slack and "<@U123>" not in r.slack and "<!here>" not in r.slack
    assert "\nBcc:" not in r.text.split("\n\n", 1)[1]


def slack_payload(*hits: HitView, tz: str = "UTC") -> dict[str, Any]:
    """What apprise posts to Slack's webhook for a digest of these hits."""
    assert for_url(SLACK).name == "slack"
    r = rendered(build_digest("desk", list(hits), LABELS, None, NOW), tz)
    [dest] = destinations([SLACK], Path("/nonexistent"))
    with slack_webhook() as receiver:
        send(dest, r.send, 1, Path("/nonexistent"))
    [payload] = receiver.bodies
    return payload


def test_slack_payload_has_no_live_mentions_or_links() -> None:
    evil = hit(
        1,
        title=EVIL_TITLE,
        snippet="Leak <!channel> CSTO <@U999> <https://evil.example|here> !here> @U1> @b|c>",
        outlet="Mail us at news@outlet.example",
        url="https://medium.example/@someone!x",
    )
    payload = slack_payload(evil, hit(2, title="Ends with a name @desk", outlet="x!here"))
    raw = json.dumps(payload)
    for live in ("<!channel>", "<!here>", "<@U123>", "<@U999>", "<@U1>", "<https://evil.example|"):
        assert live not in raw
    shown = render_mrkdwn(payload["attachments"][0]["text"])
    assert "MENTION" not in shown and 'href="https://evil.example' not in shown
    # our own links are real Slack links
    assert '<a href="https://medium.example/%40someone%21x">' in shown
    assert '<a href="https://news.example/2">Ends with a name @desk</a>' in shown


def test_slack_shows_the_digest_as_written() -> None:
    ru = "Президент заявил, что на саммите ОДКБ в Минске в 13:10 обсудят air-defence."
    en = "The summit of the Collective Security Treaty Organization that opens today."
    hits = [
        HitView(
            **{
                **hit(1, title="Саммит ОДКБ & «Минск»").__dict__,
                "snippets": (
                    Snippet(ru, ((ru.index("ОДКБ"), ru.index("ОДКБ") + 4),), ("csto",)),
                    Snippet(en, ((en.index("Coll"), en.index(" that")),), ("csto",)),
                ),
            }
        )
    ]
    text = slack_payload(*hits, tz="Asia/Yerevan")["attachments"][0]["text"]
    shown = render_mrkdwn(text)
    assert "\\" not in text  # Slack shows backslashes as they are
    assert "на саммите <b>ОДКБ</b> в Минске в 13:10 обсудят air-defence." in shown
    assert "the <b>Collective Security Treaty Organization</b> that opens" in shown
    assert '<a href="https://news.example/1">Саммит ОДКБ & «Минск»</a>' in shown
    assert "<b>csto</b>" in shown  # the watchlist heading
    assert "22 Nov 2026 11:00 +04" in shown  # times with their zone


def test_email_has_html_and_text_parts(smtp: Any) -> None:
    r = rendered(build_digest("desk", [hit(1, title="CSTO summit")], LABELS, None, NOW))
    [dest] = destinations([smtp.url()], Path("/nonexistent"))
    assert for_url(dest.url).name == "email"
    send(dest, r.send, 7, Path("/nonexistent"))
    [raw] = smtp.messages
    msg = message_from_bytes(raw)
    assert msg["Subject"].startswith("[news-monitor] desk: 1 new story")
    types = [p.get_content_type() for p in msg.walk()]
    assert "text/plain" in types and "text/html" in types
    plain = (
        next(p for p in msg.walk() if p.get_content_type() == "text/plain")
        .get_payload(decode=True)
        .decode()
    )
    assert "CSTO summit" in plain and "The CSTO met." in plain


def test_a_refused_email_raises_with_a_reason(smtp: Any) -> None:
    smtp.refuse = True
    r = rendered(build_digest("desk", [hit(1)], LABELS, None, NOW))
    [dest] = destinations([smtp.url()], Path("/nonexistent"))
    with pytest.raises(DeliveryError, match="failed"):
        send(dest, r.send, 1, Path("/nonexistent"))


def test_a_digest_folder_that_cannot_be_written_is_a_delivery_error(tmp_path: Path) -> None:
    r = rendered(build_digest("desk", [hit(1)], LABELS, None, NOW))
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    [dest] = destinations([], blocked / "digests")
    with pytest.raises(DeliveryError, match="cannot write the digest"):
        send(dest, r.send, 1, blocked / "digests")


def test_secrets_are_not_in_destination_labels() -> None:
    [d] = destinations(["mailtos://user:hunter2@smtp.example.org?to=desk@example.org"], Path("/x"))
    assert "hunter2" not in d.label and "hunter2" not in d.key
    assert isinstance(d, Destination)


@pytest.mark.parametrize(
    ("start", "end", "said"),
    [
        (None, (5, 18, 15, 30), "until 05 Dec 18:15 +04"),
        ((5, 18, 15, 2), (5, 18, 15, 40), "at 05 Dec 18:15 +04"),  # an immediate alert
        ((5, 8, 0, 0), (5, 18, 15, 0), "05 Dec 08:00–18:15 +04"),
        ((4, 8, 0, 0), (5, 8, 0, 0), "04 Dec 08:00 – 05 Dec 08:00 +04"),
    ],
)
def test_a_subjects_period_names_a_day_once_and_a_moment_as_one(
    start: tuple[int, int, int, int] | None, end: tuple[int, int, int, int], said: str
) -> None:
    tz = ZoneInfo("Asia/Yerevan")

    def at(t: tuple[int, int, int, int]) -> datetime:
        day, hour, minute, second = t
        return datetime(2026, 12, day, hour, minute, second, tzinfo=tz)

    assert period_of(at(start) if start else None, at(end)) == said


def test_a_notice_is_styled_as_a_digest() -> None:
    from monitor.digest.alerts import SpikeNote, StoryLink
    from monitor.digest.channels import by_name
    from monitor.digest.channels.base import Look

    tz = ZoneInfo("Asia/Yerevan")
    note = SpikeNote("csto", None, 14, 2.1, (StoryLink("Summit", "TASS", "https://t.example/1"),))
    title, view = note.view("desk", tz)
    notice = by_name("email").notice(view, Look(title, tz))
    digest = rendered(build_digest("desk", [hit(1)], LABELS, None, NOW)).html

    def style(html: str) -> str:
        return html[html.index("<style>") : html.index("</style>")]

    assert style(notice) == style(digest) and '<div class="wrap">' in notice
    assert '<a class="title" href="https://t.example/1">Summit</a>' in notice
