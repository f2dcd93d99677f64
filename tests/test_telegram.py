"""A public Telegram channel's web preview (t.me/s/NAME) read as a feed.

The fixtures are hand-written in the markup of the real preview (see
tests/fixtures/telegram/README.md); the variations are made from them in each test.
"""

from __future__ import annotations

import pickle
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import FeedParseError
from monitor.feeds.telegram import TITLE_MAX, channel_url, parse_telegram
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.types import FeedItem, ParsedFeed

FIX = Path(__file__).parent / "fixtures" / "telegram"
URL = "https://t.me/s/hayinfo_news"
CH = "https://t.me/hayinfo_news"
HTML = "text/html; charset=utf-8"
INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def page(name: str = "channel.html") -> str:
    return (FIX / name).read_text(encoding="utf-8")


def parse(text: str, url: str = URL) -> ParsedFeed:
    return parse_telegram(text.encode("utf-8"), url, HTML)


def items(text: str | None = None, url: str = URL) -> dict[str, FeedItem]:
    return {i.key: i for i in parse(page() if text is None else text, url).items}


def end_of_history(text: str, messages: str) -> str:
    """The page with `messages` added after its last one."""
    at = text.rindex("</section>")
    return text[:at] + messages + text[at:]


def message_block(text: str, post: int) -> str:
    """The markup of one message of the page: its wrap, up to the next one's."""
    at = text.index(f'data-post="hayinfo_news/{post}"')
    start = text.rindex('<div class="tgme_widget_message_wrap', 0, at)
    return text[start : text.index('<div class="tgme_widget_message_wrap', at)]


def error(text: str | bytes, url: str) -> str:
    body = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(FeedParseError) as caught:
        parse_telegram(body, url, HTML)
    return str(caught.value)


# -- channel_url ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "armenpress",
        "@armenpress",
        "t.me/armenpress",
        "https://t.me/armenpress",
        "https://telegram.me/armenpress",
        "https://t.me/s/armenpress",
        "  https://t.me/s/armenpress/  ",
        "http://www.t.me/armenpress",
        "telegram.me/s/armenpress",
        "https://armenpress.t.me",
    ],
)
def test_every_way_of_naming_a_channel_gives_its_preview(value: str) -> None:
    assert channel_url(value) == "https://t.me/s/armenpress"


@pytest.mark.parametrize(
    "value",
    ["http://127.0.0.1:8123/s/hayinfo_news", "https://tg-mirror.example.org/s/armenpress"],
)
def test_a_url_on_another_host_is_a_mirror_kept_as_it_is(value: str) -> None:
    assert channel_url(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        "arm",  # under 5 characters
        "1armenpress",  # a digit first
        "_armenpress",
        "armen-press",
        "armen press",
        "a" * 33,
        "@@armenpress",
        "https://t.me/armenpress/123",  # a post, not a channel
        "https://t.me/joinchat/AAAAAEk2",
        "t.me/+AbCdEfGhIjK",  # a private invite
        "https://t.me/s/armenpress?before=100",
        "https://t.me/",
        "ftp://t.me/armenpress",
        "javascript:alert(1)",
        "example.org/s/armenpress",  # another host without a scheme: not a URL we poll
    ],
)
def test_anything_else_is_refused_saying_what_a_channel_name_is(value: str) -> None:
    with pytest.raises(ValueError) as caught:
        channel_url(value)
    assert repr(value) in str(caught.value)
    assert "5-32 letters, digits or underscores starting with a letter" in str(caught.value)


# -- what each message becomes -------------------------------------------------------


def test_messages_in_page_order_keyed_by_permalink_skipping_service_and_bare_media() -> None:
    feed = parse(page())
    assert feed.title == "Hayinfo | Новости Армении"
    # 1201 is "Channel photo updated" (a service message), 1208 a photo without caption.
    assert [i.key for i in feed.items] == [
        f"{CH}/{n}" for n in (1202, 1203, 1204, 1205, 1206, 1207, 1209, 1210)
    ]


def test_a_text_post_is_its_own_article_with_its_text() -> None:
    item = items()[f"{CH}/1202"]
    assert item.link == item.key and item.fetch_page is False
    assert item.title == "🇦🇲 Пашинян провёл телефонный разговор с Макроном"
    assert item.summary.startswith(item.title + "\n\nПремьер-министр Армении Никол Пашинян")
    assert item.summary.endswith("Нагорного Карабаха.\n\n#Армения #Франция")
    assert item.author == "Hayinfo | Новости Армении"  # the channel's name on the message
    assert item.published == datetime(2026, 11, 30, 8, 15, 2, tzinfo=UTC)
    assert item.fingerprint == content_hash(item.title, item.summary)
    assert item.signature == signature(item.summary)


def test_a_link_to_an_article_is_fetched_and_links_to_telegram_are_not_articles() -> None:
    item = items()[f"{CH}/1203"]  # @odkb_info (t.me) comes first in the text
    assert item.link == "https://hayinfo.example/hy/politics/2026/11/30/csto-summit-moscow/"
    assert item.fetch_page is True
    assert item.title.startswith("ՀԱՊԿ-ի գագաթնաժողովը կանցկացվի Մոսկվայում")
    assert "Մանրամասները՝ hayinfo.example" in item.summary  # a link is its text


def test_a_link_preview_gives_its_link_but_not_its_text() -> None:
    item = items()[f"{CH}/1204"]
    assert item.link == "https://news.example.com/world/2026/11/30/armenia-azerbaijan-border-talks"
    assert item.fetch_page is True
    assert item.summary.endswith("Follow @hayinfo_news for updates.")
    for preview_text in ("Example News", "Almaty", "deputy prime ministers"):
        assert preview_text not in item.summary and preview_text not in item.title


def test_a_forward_links_to_the_original_message() -> None:
    forward = items()[f"{CH}/1205"]
    assert forward.key == f"{CH}/1205"
    assert forward.link == "https://t.me/odkb_info/4521" and forward.fetch_page is False
    assert "Forwarded" not in forward.summary and "CSTO" not in forward.summary
    # The original, read from its own channel, is the same article.
    original_page = page().replace('data-post="hayinfo_news/1202"', 'data-post="odkb_info/4521"')
    original = parse(original_page, "https://t.me/s/odkb_info").items[0]
    assert original.key == original.link == forward.link


def test_a_forward_from_a_person_has_no_original_to_link() -> None:
    text = page().replace('href="https://t.me/odkb_info/4521"', 'href="https://t.me/some_user"')
    item = items(text)[f"{CH}/1205"]
    assert item.link == item.key


def test_the_post_signature_is_the_author() -> None:
    assert items()[f"{CH}/1206"].author == "Анна Петросян"


def test_an_edited_message_keeps_its_key_and_changes_its_fingerprint() -> None:
    before, after = items(), items(page("channel-edited.html"))
    key = f"{CH}/1206"
    assert "edited" in page("channel-edited.html").split('data-post="hayinfo_news/1206"')[1][:5000]
    assert before[key].summary != after[key].summary
    assert before[key].fingerprint != after[key].fingerprint
    # The others are unchanged although their view counts moved; one message is new.
    for k in before.keys() - {key}:
        assert before[k].fingerprint == after[k].fingerprint
    assert after.keys() - before.keys() == {f"{CH}/1211"}


def test_a_photo_caption_is_the_text_and_telegraph_is_an_article() -> None:
    item = items()[f"{CH}/1207"]
    assert (
        item.title
        == "⚡ Фоторепортаж с открытия нового пункта пропуска «Маргара» на армяно-турецкой границе."
    )
    assert item.summary == item.title + "\nВсе фотографии"  # not the quoted reply
    assert item.link == "https://telegra.ph/Margara-11-30" and item.fetch_page is True


def test_hostile_text_is_plain_text_and_never_a_link() -> None:
    item = items()[f"{CH}/1209"]
    text = item.title + "\n" + item.summary
    for code in ("xss", "pwned", "display:none", "onerror", "evil.example", "comment"):
        assert code not in text
    # Escaped markup is text, unescaped once: "&lt;script&gt;" is shown as "<script>".
    assert item.summary.count("<script>alert(1)</script>") == 1
    assert "&lt;b&gt;" in item.summary
    assert "Проверяйте источники. Подробнее ещё" in item.summary  # the javascript: links' text
    assert item.link == item.key and item.fetch_page is False
    assert not INVISIBLE.search(text)
    assert "RTL override, zerowidthjoin, bidiisolate end" in item.summary


def test_a_100_kb_message_is_kept_whole_under_a_title_of_one_sentence() -> None:
    item = items()[f"{CH}/1210"]
    assert len(item.summary.encode()) > 100_000
    assert item.title == (
        "Правительство Армении опубликовало полный текст доклада о ходе реформ"
        " в сфере обороны и безопасности за 2026 год."
    )


def test_a_title_without_a_sentence_end_is_cut_at_a_word() -> None:
    words = " ".join(f"слово{n}" for n in range(80))
    text = page().replace(
        "Генеральный секретарь ОДКБ заявил, что организация готова продолжать диалог с Ереваном "
        "по всем вопросам коллективной безопасности.",
        words,
    )
    title = items(text)[f"{CH}/1205"].title
    assert len(title) <= TITLE_MAX and title.endswith("…")
    assert words.startswith(title[:-1]) and words[len(title) - 1] == " "


def test_a_first_line_of_emoji_alone_is_not_the_title() -> None:
    text = page().replace(
        "Генеральный секретарь ОДКБ заявил", '<i class="emoji"><b>🔴</b></i><br/>Генсек ОДКБ заявил'
    )
    item = items(text)[f"{CH}/1205"]
    assert item.summary.startswith("🔴\nГенсек ОДКБ заявил")
    assert item.title.startswith("Генсек ОДКБ заявил, что организация готова")


def test_the_date_is_utc() -> None:
    text = page().replace("2026-11-30T08:15:02+00:00", "2026-11-30T12:15:02+04:00")
    assert items(text)[f"{CH}/1202"].published == datetime(2026, 11, 30, 8, 15, 2, tzinfo=UTC)


def test_a_mirror_gives_the_same_keys_as_telegram() -> None:
    mirrored = items(url="http://127.0.0.1:8123/s/hayinfo_news")
    assert mirrored.keys() == items().keys()
    assert all(k.startswith("https://t.me/hayinfo_news/") for k in mirrored)


def test_a_message_shown_twice_is_one_item() -> None:
    text = page()
    keys = [i.key for i in parse(end_of_history(text, message_block(text, 1205))).items]
    assert keys.count(f"{CH}/1205") == 1 and len(keys) == 8


def test_the_page_charset_is_read_from_the_content_type() -> None:
    body = page().replace('<meta charset="utf-8">', "").encode("cp1251", errors="replace")
    feed = parse_telegram(body, URL, "text/html; charset=windows-1251")
    assert feed.items[0].title.endswith(" Пашинян провёл телефонный разговор с Макроном")


# -- pages that are not a channel's messages -----------------------------------------


def test_an_empty_channel_is_no_error() -> None:
    feed = parse(page("empty.html"), "https://t.me/s/gyumri_today")
    assert feed.title == "Гюмри сегодня" and feed.items == ()  # "Channel created" only
    no_widgets = re.sub(
        r'<div class="tgme_widget_message_wrap.*</section>',
        "</section>",
        page("empty.html"),
        flags=re.S,
    )
    assert "tgme_widget_message" not in no_widgets
    assert parse(no_widgets, "https://t.me/s/gyumri_today").items == ()


def test_a_channel_telegram_will_not_show_is_an_error_with_its_reason() -> None:
    message = error(page("blocked.html"), "https://t.me/lragir_blocked")
    assert "lragir_blocked" in message and "can't be displayed" in message
    assert "violated local laws" in message


def test_terms_of_service_notice_in_the_preview_itself() -> None:
    text = re.sub(
        r'<div class="tgme_widget_message_wrap.*</section>',
        '<div class="tme_no_messages_found">This channel can\'t be displayed because it'
        " violated Telegram's Terms of Service.</div></section>",
        page(),
        flags=re.S,
    )
    message = error(text, URL)
    assert "hayinfo_news" in message and "violated Telegram's Terms of Service" in message


def test_an_unknown_name_redirected_to_its_contact_page_is_no_such_channel() -> None:
    message = error(page("contact.html"), "https://t.me/nosuchchannel42")
    assert message.startswith("no such public channel: nosuchchannel42")


def test_a_group_or_a_channel_without_preview_is_no_such_public_channel() -> None:
    info = page("blocked.html").replace(
        "This channel can’t be displayed because it violated local laws.", "Новости Лори"
    )
    assert "a channel without a web preview" in error(info, "https://t.me/lragir_blocked")
    group = info.replace("48 210 subscribers", "1 204 members, 37 online")
    assert "is a group" in error(group, "https://t.me/lragir_blocked")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n ",
        b"<html><head><title>News</title></head><body><h1>Hello</h1><p>A page.</p></body></html>",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        bytes(range(256)) * 20,
    ],
)
def test_a_page_that_is_no_preview_is_an_error(body: bytes) -> None:
    message = error(body, "http://127.0.0.1:8123/s/hayinfo_news")
    assert message.startswith("not a Telegram channel preview (hayinfo_news)")


def test_bytes_only() -> None:
    with pytest.raises(TypeError):
        parse_telegram(page(), URL)  # type: ignore[arg-type]


# -- size and shape ------------------------------------------------------------------


def test_a_5_mb_page_gives_all_its_messages() -> None:
    text = page()
    block = message_block(text, 1202)
    copies = [block.replace("hayinfo_news/1202", f"hayinfo_news/{n}") for n in range(2000, 4000)]
    big = end_of_history(text, "".join(copies))
    assert len(big.encode()) > 5_000_000
    feed = parse(big)
    assert len(feed.items) == 8 + 2000
    assert feed.items[-1].key == f"{CH}/3999" and feed.items[-1].title == feed.items[0].title
    assert feed.bozo_reason is None


def test_markup_nested_past_the_parser_limit_is_cut_there_and_said() -> None:
    # libxml2 stops at a depth of 256 (lxml's default, huge_tree off): the messages
    # before that point are read, and the feed says the page was cut.
    deep = "<b>" * 50_000 + "глубоко" + "</b>" * 50_000
    feed = parse(page().replace("Проверяйте источники.", deep))
    assert [i.key for i in feed.items][-1] == f"{CH}/1209"
    assert feed.bozo_reason and "depth" in feed.bozo_reason
    # Nested before any message: nothing of the channel is left, and the error says why.
    wrapped = page().replace(
        '<main class="tgme_main">', '<main class="tgme_main">' + "<div>" * 5000
    )
    assert "depth" in error(wrapped, URL)


def test_the_parser_and_its_result_cross_process_boundaries() -> None:
    feed = parse(page())
    assert pickle.loads(pickle.dumps(feed)) == feed
    assert pickle.loads(pickle.dumps(parse_telegram)) is parse_telegram
