"""Extraction reads a page's metadata once, from the page itself, asks the external
extractors only where they could do better, and keeps an article body that precision
mode would drop."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import trafilatura
from lxml import html

from monitor.extract.maintext import body_chunks, could_be_overruled, extract_page
from monitor.extract.meta import read_meta
from tests.conftest import FIXTURES

PAGE = """<html lang="ru-RU"><head>
<title>Headline from the title | Regional Wire</title>
<meta property="og:title" content="  The headline   itself ">
<meta property="og:site_name" content="Regional Wire">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "NewsArticle", "datePublished": "2026-11-20T06:15:00+04:00",
   "author": [{"@type": "Person", "name": "Anna Petrosyan"}, {"name": "Ivan Ivanov"}]}]}
</script></head><body><h1>Another headline</h1><p>Text.</p></body></html>"""


def test_metadata_from_meta_tags_and_json_ld() -> None:
    meta = read_meta(html.fromstring(PAGE), "https://wire.example/a")
    assert meta.title == "The headline itself"
    assert meta.author == "Anna Petrosyan; Ivan Ivanov"
    assert meta.published == datetime(2026, 11, 20, 2, 15, tzinfo=UTC)
    assert meta.sitename == "Regional Wire" and meta.language == "ru"


def test_metadata_fallbacks_without_meta_tags() -> None:
    page = """<html><head><title>Only a title - Some Site</title></head><body>
    <span itemprop="author">Lilit Hakobyan</span><time datetime="2026-11-21">21 Nov</time>
    <p>Text.</p></body></html>"""
    meta = read_meta(html.fromstring(page), "https://site.example/news/a")
    assert meta.title == "Only a title"
    assert meta.author == "Lilit Hakobyan"
    assert meta.published == datetime(2026, 11, 21, tzinfo=UTC)
    assert meta.language is None
    dated_url = read_meta(
        html.fromstring("<html><p>x</p></html>"), "https://s.example/2019/11/19/a"
    )
    assert (
        dated_url.published is not None and dated_url.published.date().isoformat() == "2019-11-19"
    )


def test_a_placeholder_date_is_not_the_publication_date() -> None:
    # Gannett's pages (usatoday.com, detroitnews.com) carry "0001-01-01T00:00:00Z" as
    # datePublished in their JSON-LD.
    ld = '<script type="application/ld+json">{"datePublished": "0001-01-01T00:00:00Z"}</script>'
    with_time = f'<html><head>{ld}</head><body><time datetime="2019-11-19T14:05:00Z">x</time>'
    meta = read_meta(
        html.fromstring(with_time + "<p>Text.</p></body></html>"), "https://a.example/x"
    )
    assert meta.published == datetime(2019, 11, 19, 14, 5, tzinfo=UTC)
    only_ld = f"<html><head>{ld}</head><body><p>Text.</p></body></html>"
    dated_url = "https://www.usatoday.com/story/news/nation/2019/11/19/meth/4233181002/"
    meta = read_meta(html.fromstring(only_ld), dated_url)
    assert meta.published == datetime(2019, 11, 19, tzinfo=UTC)


def shingle_recall(truth: str, text: str) -> float:
    def grams(s: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", s)
        return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}

    want = grams(truth)
    return len(want & grams(text)) / len(want)


def test_a_body_precision_mode_drops_is_kept() -> None:
    # barrons.com: the body's class matches one of trafilatura's discard patterns, and
    # precision mode alone keeps only the 260-character reprint notice.
    page = FIXTURES / "pages" / "sh-f8ff621a0b9b"
    info = json.loads(page.with_suffix(".json").read_text())
    got = extract_page(page.with_suffix(".html").read_bytes(), info["url"])
    assert len(got.text) > 2000
    assert shingle_recall(info["text"], got.text) > 0.9


def test_a_body_split_between_ads_is_kept_whole() -> None:
    # wired.com: the body is two div.article__body chunks with an ad between them;
    # trafilatura alone keeps the first (a third of the article).
    page = FIXTURES / "pages" / "sh-d48aeb9cf2f2"
    info = json.loads(page.with_suffix(".json").read_text())
    got = extract_page(page.with_suffix(".html").read_bytes(), info["url"])
    assert shingle_recall(info["text"], got.text) > 0.9


def test_one_body_element_is_not_a_split_body() -> None:
    page = html.fromstring(
        '<html><body><div class="article-body"><p>' + "word " * 100 + "</p></div>"
        '<div class="sidebar"><p>' + "other " * 100 + "</p></div></body></html>"
    )
    assert body_chunks(page) == []
    nested = html.fromstring(
        '<html><body><div class="story-body"><p>' + "a " * 150 + "</p>"
        '<div class="story-body"><p>' + "b " * 150 + "</p></div></div></body></html>"
    )
    assert body_chunks(nested) == []  # one inside the other: one body


@pytest.mark.parametrize(
    ("text_chars", "paragraph_chars", "thin", "compared"),
    [
        (0, 0, True, True),  # nothing extracted
        (338, 1996, False, True),  # short: justext and readability may do better
        (999, 1000, False, True),
        (1000, 1999, False, False),  # long enough, and over half the paragraph text
        (1000, 2001, False, True),  # readability could find twice as much
        (5000, 9000, False, False),
        (5000, 9000, True, True),  # no paragraphs in the own text, or mostly tables
    ],
)
def test_the_external_extractors_run_only_where_they_could_win(
    text_chars: int, paragraph_chars: int, thin: bool, compared: bool
) -> None:
    assert could_be_overruled(text_chars, paragraph_chars, thin) is compared


def _calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The `fast` flag of each trafilatura call extract_page makes."""
    calls: list[bool] = []
    real = trafilatura.bare_extraction

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("fast")))
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", counting)
    return calls


def test_a_full_article_is_read_by_the_own_extractor_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = FIXTURES / "pages" / "sh-1ee91d1fce65"
    info = json.loads(page.with_suffix(".json").read_text())
    calls = _calls(monkeypatch)
    got = extract_page(page.with_suffix(".html").read_bytes(), info["url"])
    assert calls == [True]
    assert shingle_recall(info["text"], got.text) > 0.9


def test_a_short_own_text_gets_the_external_extractors(monkeypatch: pytest.MonkeyPatch) -> None:
    # panarmenian.net: the own extractor alone keeps 338 characters of a 2,000-character
    # article; the comparison with readability and justext finds all of it.
    page = FIXTURES / "pages" / "sh-d90bda7ed14d"
    info = json.loads(page.with_suffix(".json").read_text())
    body = page.with_suffix(".html").read_bytes()
    alone = trafilatura.extract(body, url=info["url"], favor_precision=True, fast=True) or ""
    assert shingle_recall(info["text"], alone) < 0.2
    calls = _calls(monkeypatch)
    got = extract_page(body, info["url"])
    assert calls == [True, False]
    assert shingle_recall(info["text"], got.text) > 0.9
