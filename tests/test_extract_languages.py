"""Pages of the region's press: the article's language is kept, and names that stand
only in menus, sidebars and comments do not hit, whatever the script."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.demo.sites import Site, render_page
from monitor.extract.language import guess_language, text_language
from monitor.extract.maintext import extract_page
from monitor.match.matcher import Matcher
from monitor.watchlists.load import BUNDLED, load_watchlists

PAGES = json.loads(
    (Path(__file__).parent / "fixtures" / "region-pages.json").read_text(encoding="utf-8")
)
BASE = "http://news.example"


def page(code: str, declared: str | None) -> bytes:
    p = PAGES[code]
    data: dict[str, Any] = {
        "name": f"{code} news",
        "lang": declared or "",
        "nav": p["nav"],
        "sidebar_title": "…",
        "sidebar": p["sidebar"],
        "footer": "©",
        "articles": [
            {
                "slug": "a",
                "title": p["title"],
                "date": "2026-11-20T09:40:00+04:00",
                "author": "—",
                "paragraphs": p["paragraphs"],
                "comments": p["comments"],
            }
        ],
    }
    html = render_page(Site(code, data), "a", BASE)
    assert html is not None
    return html if declared else html.replace(b' lang=""', b"")


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    lists, problems = load_watchlists([BUNDLED])
    assert not problems
    return Matcher(lists)


@pytest.mark.parametrize("code", sorted(PAGES))
@pytest.mark.parametrize("declared", ["self", None, "ru"])
def test_language_is_kept_and_boilerplate_names_do_not_hit(
    code: str, declared: str | None, matcher: Matcher
) -> None:
    """Declared rightly, not declared, or declared as the site's default ("ru"): the
    letters of the text decide where they can."""
    got = extract_page(page(code, code if declared == "self" else declared), f"{BASE}/{code}/a")
    assert got.language == code
    found = {e for m in matcher.match(got.title or "", got.text) for e in m.entities}
    assert set(PAGES[code]["body"]) <= found
    assert not found & set(PAGES[code]["boilerplate"])


@pytest.mark.parametrize(
    ("text", "declared", "language"),
    [
        ("Саммит прошёл в Минске, сообщили в МИД.", None, "ru"),
        ("Саммит прошёл в Минске, сообщили в МИД.", "ru", "ru"),
        ("The summit opened in Minsk.", None, "en"),
        ("The summit opened in Minsk.", "de", "de"),  # Latin letters decide nothing
        ("Ռուսաստանն ու Ադրբեջանը ստորագրել են հռչակագիր։", "en", "hy"),
        ("Армения Премьер-министрі Никол Пашинян мәлімдеді.", "ru", "kk"),
        ("Путиндин Бишкекке сапары эки күнгө созулат.", None, "ky"),
        ("Заява прагучала пасля сустрэчы ў Баку.", "ru", "be"),
        ("Ільхам Алієв провів телефонну розмову з Путіним.", "ru", "uk"),
        ("Rusiya Prezidenti Vladimir Putin İlham Əliyevə zəng edib.", "en", "az"),
        ("ყარაბაღში სიტუაცია კვლავ დაძაბულია.", None, "ka"),
        ("1234 — 5678", None, None),
    ],
)
def test_letters_decide_where_they_can(text: str, declared: str | None, language: str) -> None:
    assert guess_language(text, declared) == language


def test_a_stray_quotation_decides_nothing() -> None:
    text = "Министр процитировал армянскую газету: «Ղարաբաղ» " + "и продолжил. " * 30
    assert text_language(text) is None
