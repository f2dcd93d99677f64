"""Digests and notices on Telegram (apprise's tgram://), delivered to a local Bot API:
Telegram's HTML, untrusted text escaped, and a digest longer than a message's 4,096
characters in numbered parts. The channel is one module and one registry line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from monitor.config.settings import Settings, Subscription
from monitor.digest.alerts import render_notice
from monitor.digest.build import build_digest
from monitor.digest.channels import CHANNELS, by_name, for_url
from monitor.digest.channels.telegram import measure
from monitor.digest.deliver import body_limit, destinations, send
from monitor.digest.service import DigestService, SendReport
from monitor.store import Store
from monitor.types import NewEntry, Snippet, StoredDigest, WatchlistMatch
from tests.support.render import rendered
from tests.support.store import save_articles
from tests.support.telegram_bot import URL, Shown, telegram_bot
from tests.test_digest import EVIL_TITLE, LABELS, NOW, hit
from tests.test_split import LONG, article

LIMIT = 4096  # characters of a message, as Telegram counts them


def posted(*hits: object) -> list[dict[str, object]]:
    r = rendered(build_digest("desk", list(hits), LABELS, None, NOW))  # type: ignore[arg-type]
    [dest] = destinations([URL], Path("/x"))
    with telegram_bot() as bot:
        send(dest, r.send, 1, Path("/x"))
    return bot.bodies


def test_telegram_is_one_module_and_one_line_in_the_registry() -> None:
    assert for_url(URL).name == "telegram" and by_name("telegram") in CHANNELS
    assert for_url("json://127.0.0.1/hook").name == "text"  # any other service
    [dest] = destinations([URL], Path("/x"))
    assert body_limit(dest) is not None and body_limit(dest) <= LIMIT  # type: ignore[operator]


def test_a_digest_reaches_telegram_as_its_html() -> None:
    first = hit(1, title="CSTO summit in Minsk", published=NOW - timedelta(hours=5))
    [post] = posted(first, hit(2, story="s1", outlet="Armenpress"))
    assert post["parse_mode"] == "HTML" and str(post["chat_id"]) == "-1001234567890"
    message = Shown(str(post["text"]))
    assert message.refused == []  # every tag one Telegram reads, each closed
    assert ("https://news.example/1", "CSTO summit in Minsk") in message.links
    assert ("https://news.example/2", "Armenpress") in message.links  # also reported by
    assert "CSTO" in message.shown and "The CSTO met." in message.shown
    assert "[news-monitor] desk: 1 new story" in message.shown  # the subject, on top


def test_untrusted_text_stays_text_on_telegram() -> None:
    evil = hit(
        1,
        title=EVIL_TITLE,
        outlet="<b>Outlet</b> & Co",
        url="javascript:alert(1)",
        snippet="x <i>not</i> CSTO <a href='https://evil.example'>here</a>",
    )
    [post] = posted(evil, hit(2, title="Fine"))
    message = Shown(str(post["text"]))
    assert message.refused == []
    assert all(href.startswith("https://news.example/") for href, _ in message.links)
    assert "<script>alert(1)</script>" in message.shown  # shown as text, not markup
    assert "<b>Outlet</b> & Co" in message.shown
    assert "<a href='https://evil.example'>here</a>" in message.shown
    assert "javascript:" not in str(post["text"])


def test_a_long_digest_goes_in_parts_each_within_telegrams_limit(store: Store) -> None:
    sub = Subscription(name="desk", notify=[URL], schedule="immediate")
    match = WatchlistMatch("csto", ("csto",), (Snippet(LONG, ((4, 8),), ("csto",)),))
    save_articles(store, [NewEntry(article(i), (match,)) for i in range(40)])
    service = DigestService(store, Settings(subscriptions=[sub]), lambda: LABELS)
    assert service.create(sub, store.clock()) is not None
    with telegram_bot() as bot:
        report = SendReport()
        service.deliver(sub, report, retry_now=True)
    assert (report.sent, report.failed) == (1, 0)
    messages = [Shown(str(p["text"])) for p in bot.bodies]
    n = len(messages)
    assert n >= 3
    for i, m in enumerate(messages, 1):
        assert m.refused == []
        assert len(m.shown.encode("utf-16-le")) // 2 <= LIMIT
        assert f"(part {i}/{n})" in m.shown
    labels = [label for m in messages for _, label in m.links]
    for i in range(40):
        assert labels.count(f"Story {i}") == 1, i  # every story once: none lost, none twice


def test_the_length_is_counted_as_telegram_counts_it() -> None:
    assert measure("<b>Ер&amp;ван</b>\n") == len("Ер&ван\n")
    assert measure("🇦🇲") == 4  # UTF-16 code units, as Telegram counts


def test_a_spike_notice_on_telegram() -> None:
    note = {
        "watchlist": "karabakh",
        "entity": "lachin",
        "today": 9,
        "baseline": 1.5,
        "stories": [{"title": "Road <closed>", "outlet": "Azatutyun", "url": "https://a.am/1"}],
    }
    stored = StoredDigest(
        id=1, subscription="desk", kind="spike", key="k", note=json.dumps(note), hit_ids=(),
        period_start=None, period_end=NOW,
    )  # fmt: skip
    m = render_notice(stored, "Asia/Yerevan", "telegram")
    shown = Shown(m.body)
    assert shown.refused == [] and ("https://a.am/1", "Road <closed>") in shown.links
    assert "Spike in karabakh (lachin)" in shown.shown and "9 stories" in m.subject
