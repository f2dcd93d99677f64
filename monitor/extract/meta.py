"""Title, author, date and site name read once from the parsed page: what the page says
of itself in its meta tags, JSON-LD and headline, without trafilatura's metadata pass
(a third of extraction's time, most of it searching the text for dates)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from monitor.types import EARLIEST_PUBLISHED

_SPACE = re.compile(r"\s+")
_TITLE_TAIL = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,60}$")  # "Headline | Site name"
TITLE_META = ("og:title", "twitter:title")
AUTHOR_META = ("author", "article:author", "dc.creator", "sailthru.author", "byl", "parsely-author")
DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date.issued",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
)


@dataclass(frozen=True)
class PageMeta:
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    sitename: str | None = None
    language: str | None = None


def read_meta(tree: HtmlElement, url: str | None = None) -> PageMeta:
    metas = _metas(tree)
    ld = _json_ld(tree)
    return PageMeta(
        title=_title(tree, metas, ld),
        author=_first(metas, AUTHOR_META) or _ld_author(ld) or _byline(tree),
        published=_first_date(_first(metas, DATE_META), _ld_text(ld, "datePublished"), _time(tree))
        or _quick_date(tree, url),
        sitename=_first(metas, ("og:site_name", "application-name")),
        language=_lang(tree),
    )


def _clean(value: Any) -> str | None:
    text = _SPACE.sub(" ", str(value)).strip() if value is not None else ""
    return text or None


def _metas(tree: HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for m in tree.iterfind(".//meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        value = _clean(m.get("content"))
        if key and value and key not in found:
            found[key] = value
    return found


def _first(metas: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for k in keys:
        if k in metas and not metas[k].startswith(("http://", "https://")):
            return metas[k]
    return None


def _json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
    """The page's JSON-LD objects, flattened out of lists and @graph."""
    out: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                out.append(item)
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])
    return out


def _ld_text(ld: list[dict[str, Any]], key: str) -> str | None:
    for item in ld:
        if isinstance(item.get(key), str) and item[key].strip():
            return str(item[key]).strip()
    return None


def _ld_author(ld: list[dict[str, Any]]) -> str | None:
    for item in ld:
        author = item.get("author")
        people = author if isinstance(author, list) else [author]
        cleaned = [_clean(p.get("name") if isinstance(p, dict) else p) for p in people if p]
        names = [n for n in cleaned if n and not n.startswith("http")]
        if names:
            return "; ".join(names)
    return None


def _title(tree: HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]) -> str | None:
    for candidate in (_first(metas, TITLE_META), _ld_text(ld, "headline")):
        if candidate:
            return candidate
    h1 = tree.find(".//h1")
    if h1 is not None and (text := _clean(h1.text_content())):
        return text
    t = tree.find(".//title")
    if t is not None and (text := _clean(t.text_content())):
        return _TITLE_TAIL.sub("", text) or text
    return None


# In XPath, run in C: ElementPath's ".//*[@itemprop]" made a Python proxy of every element.
_BYLINES = (XPath("(//*[@itemprop='author'])[1]"), XPath("(//a[@rel='author'])[1]"))


def _byline(tree: HtmlElement) -> str | None:
    for path in _BYLINES:
        for el in path(tree):
            if (text := _clean(el.text_content())) and len(text) < 100:
                return text
    return None


_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[^\d])"
)


def _quick_date(tree: HtmlElement, url: str | None) -> datetime | None:
    """A date in the URL (/2019/11/19/), else htmldate on the markup alone (not its
    search through the text, the slow part)."""
    m = _URL_DATE.search(url or "")
    if m:
        try:
            return datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
        except ValueError:
            pass
    from htmldate import find_date

    try:
        found = find_date(tree, url=url, extensive_search=False, original_date=True)
    except Exception:  # a date library must not cost the article
        return None
    return _date(found) if isinstance(found, str) else None


def _time(tree: HtmlElement) -> str | None:
    el = tree.find(".//time[@datetime]")
    return el.get("datetime") if el is not None else None


def _first_date(*values: str | None) -> datetime | None:
    """The first of the page's own dates that reads as a date and is not a placeholder."""
    return next((d for d in map(_date, values) if d is not None), None)


def _date(value: str | None) -> datetime | None:
    """An ISO date or timestamp, aware; None for junk and for placeholders."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        d = datetime.fromisoformat(text)
    except ValueError:
        try:
            d = datetime.fromisoformat(text[:10])
        except ValueError:
            return None
    d = d if d.tzinfo else d.replace(tzinfo=UTC)
    return d if d >= EARLIEST_PUBLISHED else None


def _lang(tree: HtmlElement) -> str | None:
    lang = (tree.get("lang") or "").strip()
    m = re.match(r"[A-Za-z]{2,3}", lang)
    return m.group(0).lower() if m else None
