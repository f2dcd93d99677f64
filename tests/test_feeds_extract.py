from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import FeedParseError
from monitor.extract.document import decode_html
from monitor.extract.maintext import extract_page
from monitor.feeds.parse import parse_feed, strip_doctype
from monitor.identity.fingerprint import content_hash
from monitor.identity.urls import canonical_url, outlet_of
from monitor.match.matcher import Matcher
from monitor.watchlists.model import Entity, Watchlist

FIX = Path(__file__).parent / "fixtures"
FEEDS = FIX / "feeds"
PAGES = FIX / "pages"


def test_feed_items_and_dates() -> None:
    feed = parse_feed((FEEDS / "fr-rss_2.0_bbc.xml").read_bytes(), "https://example.org/feed")
    assert feed.title and feed.items
    item = feed.items[0]
    assert item.title and item.link and item.link.startswith("http")
    assert item.published is not None and item.published.tzinfo is not None


def test_a_placeholder_feed_date_is_no_date() -> None:
    # Year 1 and the Unix epoch stand in some feeds for "no date"; the page's own date,
    # or the entry's updated date, is then used instead.
    items = "".join(
        f"<item><title>{n}</title><link>https://a.example/{n}</link>{dates}</item>"
        for n, dates in [
            ("year-one", "<pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>"),
            ("epoch", "<pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate>"),
            ("real", "<pubDate>Tue, 19 Nov 2019 14:05:00 GMT</pubDate>"),
        ]
    )
    rss = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )
    got = {i.title: i.published for i in parse_feed(rss.encode(), "https://a.example/").items}
    assert got["year-one"] is None and got["epoch"] is None
    assert got["real"] == datetime(2019, 11, 19, 14, 5, tzinfo=UTC)
    atom = (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        '<entry><title>e</title><id>urn:e</id><link href="https://a.example/e"/>'
        "<published>0001-01-01T00:00:00Z</published><updated>2019-11-20T08:00:00Z</updated>"
        "</entry></feed>"
    )
    (entry,) = parse_feed(atom.encode(), "https://a.example/").items
    assert entry.published == datetime(2019, 11, 20, 8, 0, tzinfo=UTC)


def test_key_falls_back_from_guid_to_link_to_hash() -> None:
    def feed(item: str) -> bytes:
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{item}</channel></rss>'.encode()

    with_guid = parse_feed(
        feed("<item><guid>g-1</guid><link>https://a.example/1</link><title>x</title></item>"),
        "https://a.example/",
    )
    assert with_guid.items[0].key.endswith("g-1")  # feedparser resolves a permalink guid
    with_link = parse_feed(
        feed("<item><link>https://a.example/2</link><title>x</title></item>"), "https://a.example/"
    )
    assert with_link.items[0].key == "https://a.example/2"
    bare = parse_feed(
        feed("<item><title>only a title</title><description>and text</description></item>"),
        "https://a.example/",
    )
    assert bare.items[0].key.startswith("sha1:") and bare.items[0].link is None


def test_legacy_encodings() -> None:
    feed = parse_feed(
        (FEEDS / "mf-encoding_WINDOWS-1251.xml").read_bytes(), "https://example.org/feed"
    )
    assert any(re.search("[а-я]", i.title + i.summary) for i in feed.items)
    utf16 = parse_feed(
        (FEEDS / "fp-encoding-utf-16le-bom.xml").read_bytes(), "https://example.org/feed"
    )
    assert utf16.bozo_reason is None  # a valid, empty UTF-16 feed


def test_truncated_real_feed_is_read_as_far_as_it_goes() -> None:
    feed = parse_feed((FEEDS / "fr-rss_2.0_invalid_1.xml").read_bytes(), "https://example.org/feed")
    assert feed.title == "Reuters: Most Read Articles" and feed.bozo_reason


def test_empty_document_is_a_clear_error() -> None:
    with pytest.raises(FeedParseError, match="not a feed"):
        parse_feed(
            (FEEDS / "fp-illformed-rss_empty_document.xml").read_bytes(), "https://example.org/feed"
        )


def test_feedparser_only_gets_bytes(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text("<rss><channel><title>SECRET</title></channel></rss>")
    with pytest.raises(TypeError):
        parse_feed(str(secret), "https://example.org/feed")  # type: ignore[arg-type]


def test_script_in_feed_is_removed_from_text() -> None:
    feed = parse_feed(
        (FEEDS / "fp-sanitize-entry_content_script.xml").read_bytes(), "https://example.org/feed"
    )
    assert all("<script" not in i.summary.lower() for i in feed.items)


@pytest.mark.parametrize(
    "name",
    [
        "xxe_file_inline.xml",
        "xxe_file_lines.xml",
        "xxe_http.xml",
        "xxe_param_entity.xml",
        "xxe_external_dtd.xml",
    ],
)
def test_external_entities_are_never_resolved(name: str) -> None:
    hostname = socket.gethostname()
    body = (FEEDS / name).read_bytes()
    assert b"<!DOCTYPE" not in strip_doctype(body)
    try:
        feed = parse_feed(body, "https://example.org/feed")
    except FeedParseError:
        return
    text = " ".join([feed.title or ""] + [i.title + i.summary for i in feed.items])
    assert hostname not in text


@pytest.mark.parametrize("name", ["billion_laughs_oneline.xml", "quadratic_100.xml"])
def test_entity_expansion_is_defused(name: str) -> None:
    body = (FEEDS / name).read_bytes()
    try:
        feed = parse_feed(body, "https://example.org/feed")
    except FeedParseError:
        return
    total = sum(len(i.title) + len(i.summary) for i in feed.items) + len(feed.title or "")
    assert total < len(body)  # nothing was expanded


def _page(name: str) -> tuple[bytes, dict[str, object]]:
    return (PAGES / f"{name}.html").read_bytes(), json.loads((PAGES / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["sh-d90bda7ed14d", "sh-f5c90a6d5253", "sh-1ee91d1fce65"])
def test_extraction_finds_the_ground_truth_text(name: str) -> None:
    body, meta = _page(name)
    page = extract_page(body, str(meta["url"]))
    truth = [s for s in re.split(r"(?<=[.!?])\s+", str(meta["text"])) if len(s) > 40]
    got = " ".join(page.text.split())
    found = sum(1 for s in truth if " ".join(s.split())[:60] in got)
    assert found / len(truth) >= 0.8
    assert page.title and page.language == "en"


@pytest.mark.parametrize("name", ["tf-jungle-world-imperialismus-phantom"])
def test_extraction_keeps_main_text_and_drops_boilerplate(name: str) -> None:
    body, meta = _page(name)
    page = extract_page(body, str(meta["url"]))
    for snippet in meta["expected_snippets_in_main_text"]:  # type: ignore[attr-defined]
        assert snippet in page.text
    for snippet in meta["expected_snippets_not_in_main_text"]:  # type: ignore[attr-defined]
        assert snippet not in page.text


WATCH = Matcher(
    [
        Watchlist(
            "region",
            "",
            (
                Entity("putin", "Putin", ("Putin", "Путин")),
                Entity("lavrov", "Lavrov", ("Lavrov",)),
                Entity("russia", "Russia", ("Russia*",)),
                Entity("armenia", "Armenia", ("Armenia*",)),
                Entity("azerbaijan", "Azerbaijan", ("Azerbaijan*",)),
            ),
        )
    ]
)


@pytest.mark.parametrize(
    "name",
    [
        "tf-timesofisrael-com-washington",  # Putin, Russia, Armenia only in sidebars
        "tf-heartlandnewsfeed-com-christian",  # Russia, Armenia, Azerbaijan only in boilerplate
        "tf-telegraph-co-uk-plumber",  # Putin and Russia in related links
        "tf-kas-de-nordmazedonien",  # Putin, Russia, Lavrov in navigation
        "sh-1f765c487806",  # sputniknews: Russia in menus
        "sh-4a44ab3e4c41",  # rt.com: Russia in menus
        "sh-d90bda7ed14d",  # panarmenian.net: Armenia 14x in the page, not in the article
    ],
)
def test_names_only_in_sidebars_and_menus_do_not_hit(name: str) -> None:
    body, meta = _page(name)
    page = extract_page(body, str(meta["url"]))
    assert WATCH.match(page.title or "", page.text) == []


def test_names_in_the_article_do_hit() -> None:
    body, meta = _page("tf-infobae-com-ucrania")
    page = extract_page(body, str(meta["url"]))
    [m] = WATCH.match(page.title or "", page.text)
    assert "putin" in m.entities


def test_charset_precedence() -> None:
    body = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'.encode(
        "cp1251"
    )
    assert "Привет" in decode_html(body, None)
    assert "Привет" in decode_html(body, "text/html; charset=windows-1251")
    utf8 = "<html><head><meta charset='latin-1'></head><body>Привет</body></html>".encode()
    assert "Привет" in decode_html(utf8, "text/html; charset=utf-8")  # HTTP beats <meta>
    assert "Привет" in decode_html(b"\xef\xbb\xbf" + utf8, None)  # BOM beats <meta>


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://Example.COM:443/a/b/?utm_source=x&id=3&fbclid=abc#frag",
            "https://example.com/a/b/?id=3",
        ),
        (
            "https://example.com/news/1?gclid=1&yclid=2&mc_cid=3&utm_medium=rss",
            "https://example.com/news/1",
        ),
        ("http://example.com:80/x?b=2&a=1", "https://example.com/x?a=1&b=2"),
        ("https://example.com", "https://example.com/"),
    ],
)
def test_canonical_urls(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_content_hash_ignores_typography_only() -> None:
    assert content_hash("Title", "Nagorno–Karabakh’s  talks") == content_hash(
        "Title", "Nagorno-Karabakh's talks"
    )
    assert content_hash("Title", "talks resumed") != content_hash("Title", "talks stalled")


def test_outlet_names() -> None:
    assert outlet_of("https://www.tass.com/x") == "tass.com"
    assert outlet_of("https://tass.com/x", "TASS") == "TASS"
