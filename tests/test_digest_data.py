"""A digest as data: a json:// webhook gets, beside apprise's text, the stories with
their url, title, outlet, published time, story id, watchlists, entities and
snippets, versioned and described by the shipped JSON Schema; the digest folder keeps
the same as .json."""

from __future__ import annotations

import json
from pathlib import Path

from monitor.digest.build import build_digest
from monitor.digest.data import VERSION, Payload, data_schema, digest_data, notice_data
from monitor.digest.deliver import destinations, send
from monitor.digest.render import render
from monitor.packagedata import SCHEMAS
from monitor.types import NoticeView
from tests.support.net import WebhookReceiver
from tests.test_digest import LABELS, NOW, hit

LISTS = {**LABELS, "karabakh": {"karabakh": "Karabakh"}}


def digest():  # type: ignore[no-untyped-def]
    hits = [
        hit(1, story="S1", title="CSTO summit (copy)", outlet="Interfax"),
        hit(2, story="S1", title="CSTO summit", outlet="TASS"),  # the original: earlier
        hit(3, story="S1", title="CSTO summit", watchlist="karabakh", outlet="TASS"),
        hit(4, story="S2", title="Earlier story", outlet="News.am"),
        hit(5, story="S3", title="A feed summary only", source="feed"),
    ]
    return build_digest("desk", hits, LISTS, NOW, NOW, {("csto", "S2")}, ["csto", "karabakh"])


def test_a_json_webhook_carries_the_digest_as_data(webhook: WebhookReceiver) -> None:
    d = digest()
    [dest] = destinations([webhook.url()], Path("."))
    send(dest, lambda c: render(d, "Asia/Yerevan", c), 7, Path("."), "key-7")
    [body] = webhook.bodies
    assert "CSTO summit" in str(body["message"])  # apprise's text is still there
    data = body["data"]
    assert isinstance(data, dict)
    Payload.model_validate({"data": data})  # what the schema describes, no more
    assert data["format"] == "news-monitor/digest-data" and data["version"] == VERSION == 1
    assert data["kind"] == "digest" and data["subscription"] == "desk"
    by_story = {s["story"]: s for s in data["stories"]}
    s1 = by_story["S1"]
    assert s1["url"] == "https://news.example/2" and s1["title"] == "CSTO summit"
    assert s1["outlet"] == "TASS" and s1["published"].startswith("2026-11-22T06:00")
    assert s1["watchlists"] == ["csto", "karabakh"]  # one story, once, both lists
    assert s1["hits"][0]["entities"] == [{"id": "csto", "label": "Collective Security Treaty Org."}]
    assert s1["hits"][0]["snippets"][0] == {
        "text": "The CSTO met.",
        "highlights": [[4, 8]],
        "entities": ["csto"],
    }
    assert s1["also"] == [{"outlet": "Interfax", "url": "https://news.example/1"}]
    assert by_story["S2"]["sent_before"] is True and s1["sent_before"] is False
    assert by_story["S3"]["source"] == "feed"


def test_the_shipped_schema_is_current_and_validates_the_data() -> None:
    shipped = json.loads((SCHEMAS / "digest-data.schema.json").read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(data_schema()))
    props = shipped["$defs"]["DataStory"]["properties"]
    for field in ("url", "title", "outlet", "published", "story", "watchlists", "hits", "also"):
        assert field in props, field
    view = NoticeView("Spike: csto", "12 stories today", (("T", "TASS", "https://t.example/1"),))
    notice = notice_data("desk", view)
    assert Payload.model_validate({"data": notice}).data.kind == "notice"


def test_a_part_says_which_and_the_digest_folder_keeps_the_data(tmp_path: Path) -> None:
    d = digest()
    part = digest_data(d, (2, 3, 9))
    assert part["part"] == {"number": 2, "of": 3, "stories_in_all": 9}
    [dest] = destinations([], tmp_path)
    send(dest, lambda c: render(d, "UTC", c), 12, tmp_path)
    kept = json.loads((tmp_path / "digest-000012.json").read_text(encoding="utf-8"))
    assert kept == digest_data(d)
