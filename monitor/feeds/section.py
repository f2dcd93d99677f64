"""A section page -> ParsedFeed, for a site with neither feed nor sitemap. Pure.

The page's chrome (menus, header, footer, sidebars, most read, tags, share, pagination)
is cut away; the links left in its main area are its articles when they stay on the site
and look like an article's address (a date, an id, a long slug), not a listing's. A
link's card, the element around it linking to that article only, gives date and teaser.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urljoin, urlsplit

import lxml.html
from courlan import extract_domain, normalize_url
from courlan.filters import extension_filter, path_filter
from lxml import etree

from monitor.errors import FeedParseError
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.types import EARLIEST_PUBLISHED, FeedItem, ParsedFeed

Element = Any  # lxml.html.HtmlElement: lxml ships no type information

MAX_ITEMS = 200
_MAX_URL = 2048  # longer hrefs are junk or an attack; browsers and servers refuse them too
_CARD_DEPTH = 6  # how far above its link a card (image, headline, teaser, time) may reach
_MAX_TITLE, _MAX_SUMMARY = 500, 1000
_NO_ARTICLES = (
    "no links that look like articles were found on the page {url}: its layout may have "
    "changed (or it is a maintenance page, a cookie wall, or a list built by JavaScript)"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_CHROME_TAGS = _words("nav aside search menu")
_CHROME_ROLES = _words("navigation banner contentinfo complementary search menu menubar")
_SCOPES = _words("article main section")  # a <header> in these is theirs (a card's headline)
# Words of a class or id: most-read, mostRead, b-tabs__content#mostread-tab, ya-share2.
_CHROME_WORDS = _words(
    "breadcrumb breadcrumbs crumbs related popular mostread social share sharing addthis"
    " tags tagcloud pagination pager paging cookie cookies consent gdpr"
)
_CHROME_STEMS = ("nav", "menu", "sidebar")  # a word's start or end: mainnav, navbar, submenu
_CHROME_PAIRS = {("most", "read"), ("most", "popular"), ("most", "viewed"), ("tag", "cloud")}
# "header"/"footer" are the page's as the block's first word, after at most a site-wide
# prefix (site-header, app-header, b-header__nav); a card-header is a card's.
_PAGE_PARTS = _words("header footer masthead")
_PAGE_PREFIXES = _words("site page app main top global l b g")
_MODIFIERS = ("has-", "with-", "no-", "without-", "is-")  # a layout's state, not a part
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_LETTERS = re.compile(r"[a-z]+")

# Listings, as whole path segments. Not courlan's is_navigation_page: its "[/_-]cat/"
# also takes a slug's end ("rescued-cat/"), and it calls WordPress' numeric permalinks
# (/archives/612345, civil.ge's) and its ?p=123 posts listings.
_NAV_SEGMENTS = _words(
    "tag tags topic topics theme themes author authors avtor person persons category"
    " categories cat rubric rubrics rubrika search login register signin signup account"
    " profile user users about about-us contact contacts privacy privacy-policy terms"
    " terms-of-use rss feed feeds page pages archive archives subscribe"
    " z"  # RFE/RL's Pangea sites (Azatutyun, Radio Tavisupleba, ...): /z/<id> is a section
)
_ID_QUERY = re.compile(r"^(?:(?:news|article|element|item|post|story)_?id|id|idx|nid|aid)$")
_PAGE_EXT = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|phtml)$")
_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d\d([/-]?)(?:0[1-9]|1[0-2])(?:\1(?:0[1-9]|[12]\d|3[01]))?(?!\d)"
)
_DATE8 = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_LONG_NUMBER = re.compile(r"(?<!\d)\d{5,}(?!\d)")
_WORD = re.compile(r"[^\W_]+")
_TEXT_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of letters: a teaser has some, a date not
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CARD_STOPS = _words("html body main section ul ol dl table tbody")
_WS = re.compile(r"\s+")
_BEFORE_PUNCT = re.compile(r"\s+(?=[,.;:!?»)\]])")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")


@dataclass(frozen=True)
class _Link:
    anchor: Element
    url: str
    clear: bool  # the address alone says "article": a date, an id, a long slug
    text: str  # "" when the link has none
    shown: bool  # text is what the link shows, not an image's alt or a title attribute


def parse_section(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """The article links of a section page, in page order; `url` is its final URL."""
    if not isinstance(body, bytes):
        raise TypeError("parse_section takes bytes")
    root = _document(body, content_type)
    if root is None:
        raise FeedParseError(_NO_ARTICLES.format(url=url))
    for el in list(root.iter("script", "style", "template")):
        el.drop_tree()  # their text is never a title or a teaser
    mains = [el for el in root.iter() if _is(el, "main")]
    for el in _chrome(root, mains):
        el.drop_tree()
    base, page = _base_url(root, url), urlsplit(url)
    links = [
        _Link(a, *found, *_anchor_text(a))
        for a in root.iter("a")
        # Cut to one past the limit: still refused, and the cache's keys stay small.
        if (found := _article_url(str(a.get("href") or "").strip()[: _MAX_URL + 1], base, page))
    ]
    chosen = [link for link in _main_area(root, mains, links) if link.text or link.clear]
    items = _items(chosen, _card_index(links))
    if not items:
        raise FeedParseError(_NO_ARTICLES.format(url=url))
    return ParsedFeed(title=_page_title(root), items=items)


def _document(body: bytes, content_type: str | None) -> Element | None:
    """The parsed page, decoded by the HTTP charset, else its <meta charset>, else UTF-8."""
    names = [m[1] for m in [_HTTP_CHARSET.search(content_type or "")] if m]
    names += [m[1].decode("ascii") for m in [_META_CHARSET.search(body[:4096])] if m]
    encoding = "utf-8"
    for name in [] if body.startswith(codecs.BOM_UTF8) else names:
        with contextlib.suppress(LookupError):  # one Python does not know: the next
            encoding = codecs.lookup(name).name
            break
    text = body.decode(encoding, errors="replace").lstrip("\ufeff")
    text = _XML_DECL.sub("", text, count=1)  # lxml refuses a str that declares an encoding
    try:
        return lxml.html.document_fromstring(text) if text.strip() else None
    except (etree.ParserError, ValueError):
        return None


def _base_url(root: Element, url: str) -> str:
    """What relative links resolve against: the first <base href>, when it is http(s)."""
    href = next((h.strip() for h in root.xpath("//base/@href") if h.strip()), "")
    with contextlib.suppress(ValueError):  # "http://[::1"
        base = urljoin(url, href)
        return base if urlsplit(base).scheme in ("http", "https") and len(base) <= _MAX_URL else url
    return url


def _page_title(root: Element) -> str | None:
    site = root.xpath('//meta[@property="og:site_name"]/@content')
    return _text(root.find(".//title")) or (_clean(str(site[0])) if site else "") or None


def _is(el: Element, kind: str) -> bool:
    """<main> or role=main, <article> or role=article."""
    return isinstance(el.tag, str) and kind in (el.tag, str(el.get("role") or "").lower())


def _chrome(root: Element, mains: list[Element]) -> list[Element]:
    """The elements to cut away: never the main area nor what wraps it."""
    keep = set(mains) | {up for m in mains for up in m.iterancestors()}
    total = sum(1 for _ in root.iter("a"))
    return [el for el in root.iter() if el not in keep and _is_chrome(el, total)]


def _is_chrome(el: Element, total_links: int) -> bool:
    tag = el.tag
    if not isinstance(tag, str) or tag in ("html", "body") or _is(el, "article"):
        return False
    if tag in _CHROME_TAGS or str(el.get("role") or "").lower() in _CHROME_ROLES:
        return True
    words = _class_words(el)
    firsts = [(w[1:] if w[0] in _PAGE_PREFIXES else w)[:1] for w in words if w]
    if tag in ("header", "footer") or any(f and f[0] in _PAGE_PARTS for f in firsts):
        return not any(up.tag in _SCOPES or _is(up, "main") for up in el.iterancestors())
    if tag == "form":
        # ASP.NET wraps the whole page in one form; a search or comment form holds few links.
        return sum(1 for _ in el.iter("a")) * 2 <= total_links
    pairs = (p for w in words for p in itertools.pairwise(w))
    return any(p in _CHROME_PAIRS for p in pairs) or any(
        w in _CHROME_WORDS or w.startswith(_CHROME_STEMS) or w.endswith(_CHROME_STEMS)
        for w in itertools.chain(*words)
    )


def _class_words(el: Element) -> list[list[str]]:
    """The words of each class and the id, of the BEM block: article__tags is an article's."""
    out = []
    for token in [*str(el.get("class") or "").split(), str(el.get("id") or "")]:
        if token and not token.lower().startswith(_MODIFIERS):
            block = re.split(r"__|--", token, maxsplit=1)[0]
            out.append(_LETTERS.findall(_CAMEL.sub(" ", block).lower()))
    return out


@lru_cache(maxsize=4096)  # a card links its article twice or more
def _article_url(href: str, base: str, page: SplitResult) -> tuple[str, bool] | None:
    """(normalised URL, the address alone says "article"), for a link to an article."""
    href = href.strip()
    if not href or len(href) > _MAX_URL or href.startswith("#"):
        return None
    try:
        parts = urlsplit(urljoin(base, href))
        host = parts.hostname
    except ValueError:  # "http://[::1", a port that is not a number
        return None
    if parts.scheme not in ("http", "https") or not host or _site(host) != _site(page.hostname):
        return None
    found = _article_like(parts.path or "/", parts.query, page.path)
    if found is None:
        return None
    clear, by_query = found
    # One article, one link: the query goes (?from=main, ?utm_source=) unless it names the
    # article (detail.php?ELEMENT_ID=45678); then courlan drops its trackers and sorts it.
    # A SplitResult, not a str: courlan would html-unescape a str again ("&sect" -> "§").
    try:
        url = str(normalize_url(parts._replace(fragment="", query=parts.query if by_query else "")))
    except (ValueError, AttributeError):
        return None
    url = _PERCENT.sub(lambda m: m[0].upper(), url)  # %d0%bf and a raw п are one link
    return (url, clear) if len(url) <= _MAX_URL else None


@lru_cache(maxsize=4096)
def _site(host: str | None) -> str:
    """The registered domain (public suffix list): www., m. and other subdomains are the
    site; news.am and news.az are two. Not courlan's is_external: it compares first labels."""
    try:
        ascii_host = (host or "").lower().rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        return host or ""
    domain = extract_domain(f"http://{ascii_host}/")
    return str(domain) if domain else ascii_host.removeprefix("www.")  # localhost, IPs


def _article_like(path: str, query: str, section: str) -> tuple[bool, bool] | None:
    """(clear, by_query): whether the address says article (else it may be one) and
    whether its query names it; None: not an article."""
    by_query = any(_ID_QUERY.match(k.lower()) and v[:1].isdigit() for k, v in parse_qsl(query))
    decoded = unquote(path)
    if not by_query and decoded.rstrip("/").lower() == unquote(section).rstrip("/").lower():
        return None  # the section itself, paged (?page=2) or sorted; /page/2/ is a listing
    # Files (.pdf, .jpg: courlan's extension whitelist); contact, login, imprint; index pages.
    if not extension_filter(path.lower()) or not path_filter(path, query):
        return None
    segments = [s for s in decoded.lower().split("/") if s]
    if _is_listing(segments):
        return None
    clear = True if by_query else _article_signal(decoded, segments)
    return None if clear is None else (clear, by_query)


def _is_listing(segments: list[str]) -> bool:
    for i, segment in enumerate(segments):
        stem, rest = _PAGE_EXT.sub("", segment), segments[i + 1 :]
        if stem in ("archive", "archives") and len(rest) == 1 and _is_id(rest[0]):
            continue  # WordPress numeric permalinks: /archives/612345 is the post
        if stem in _NAV_SEGMENTS or stem.startswith("wp-"):
            return True
    return False


def _is_id(s: str) -> bool:
    """A number of three digits or more that is not a year."""
    return s.isdigit() and len(s) >= 3 and not (len(s) == 4 and s[:2] in ("19", "20"))


def _article_signal(decoded: str, segments: list[str]) -> bool | None:
    """True: a date with more after it (/2026/12/05/ alone is the day's archive), a
    numeric id, a slug of four words or more; False (an article if its link has text): a
    slug of three, a page.html of two words or more; None: no sign (the home page, a rubric)."""
    if not segments:
        return None
    date = _DATE.search(decoded)
    if date and re.search(r"[^\W\d_]|\d{3}", decoded[date.end() :]):
        return True
    stem = _PAGE_EXT.sub("", segments[-1])
    numbers = [n for n in _LONG_NUMBER.findall(decoded) if not _DATE8.fullmatch(n)]
    words = _WORD.findall(stem)
    if numbers or _is_id(stem) or len(words) >= 4:
        return True
    if (len(words) == 3 and len(stem) >= 20) or (stem != segments[-1] and len(words) >= 2):
        return False
    return None


def _anchor_text(a: Element) -> tuple[str, bool]:
    """The link's text (its heading, else all of it; else an image's alt, else its title)
    and whether it is shown. A heading first: a card that is one link has a teaser too."""
    text = _text(next(a.iter(*_HEADINGS), None)) or _text(a)
    if _WORD.search(text):
        return text[:_MAX_TITLE], True
    alts = [str(i.get("alt") or i.get("title") or "") for i in a.iter("img")]
    for alt in [*alts, str(a.get("title") or a.get("aria-label") or "")]:
        if _WORD.search(alt):
            return _clean(alt)[:_MAX_TITLE], False
    return "", False


def _main_area(root: Element, mains: list[Element], links: list[_Link]) -> list[_Link]:
    """The links of <main> (or role=main); without one, of the page's <article> list when
    it has one (three or more); else of the whole page, less its chrome."""
    if mains:
        inside = {a for m in mains for a in m.iter("a")}
        chosen = [link for link in links if link.anchor in inside]
        return chosen or links  # a <main> holding only a banner: the list is elsewhere
    anchors = {link.anchor for link in links}
    articles = [el for el in root.iter() if _is(el, "article")]
    holding = [art for art in articles if any(a in anchors for a in art.iter("a"))]
    if len(holding) < 3:
        return links
    inside = {a for art in holding for a in art.iter("a")}
    return [link for link in links if link.anchor in inside]


def _card_index(links: list[_Link]) -> dict[Element, set[str]]:
    """The article URLs under each element up to _CARD_DEPTH above a link (two at most)."""
    index: dict[Element, set[str]] = {}
    for link in links:
        for el in itertools.islice(link.anchor.iterancestors(), _CARD_DEPTH):
            urls = index.setdefault(el, set())
            if len(urls) < 2:
                urls.add(link.url)
    return index


def _card(a: Element, url: str, index: dict[Element, set[str]]) -> Element:
    """The largest element around the link linking to its article only, up to an <article>."""
    card = a
    for el in itertools.islice(a.iterancestors(), _CARD_DEPTH):
        if el.tag in _CARD_STOPS or index.get(el) != {url}:
            break
        card = el
        if _is(el, "article"):
            break
    return card


def _items(links: list[_Link], index: dict[Element, set[str]]) -> tuple[FeedItem, ...]:
    groups: dict[str, list[_Link]] = {}
    for link in links:
        if link.url in groups or len(groups) < MAX_ITEMS:
            groups.setdefault(link.url, []).append(link)
    return tuple(
        _item(url, group, _card(group[0].anchor, url, index)) for url, group in groups.items()
    )


def _item(url: str, group: list[_Link], card: Element) -> FeedItem:
    # The longest text shown (the headline, not "Read more"), else an alt, else a heading.
    best = max(group, key=lambda link: (link.shown, len(link.text)))
    title = best.text or _text(next(card.iter(*_HEADINGS), None))[:_MAX_TITLE]
    summary = _teaser(card, title)
    return FeedItem(
        key=url,
        link=url,
        title=title,
        summary=summary,
        author=None,
        published=_published(card),
        fingerprint=content_hash(title, summary),
        signature=signature(summary or title),
        fetch_page=True,
    )


def _teaser(card: Element, title: str) -> str:
    """The card's longest paragraph of text: not its headline, not a date-and-rubric line."""
    texts = [_text(p) for p in card.iter("p")]
    texts = [t for t in texts if t != title and len(_TEXT_WORD.findall(t)) >= 4]
    return max(texts, key=len, default="")[:_MAX_SUMMARY]


def _published(card: Element) -> datetime | None:
    """The card's first <time datetime>, in UTC; one without an offset is taken as UTC,
    as the extraction of pages does; None for junk and placeholders."""
    value = next((str(t.get("datetime")) for t in card.iter("time") if t.get("datetime")), "")
    for text in (value.strip().replace("Z", "+00:00"), value.strip()[:10]):
        with contextlib.suppress(ValueError):
            d = datetime.fromisoformat(text)
            d = d.astimezone(UTC) if d.tzinfo else d.replace(tzinfo=UTC)
            return d if d >= EARLIEST_PUBLISHED else None
    return None


def _text(el: Element | None) -> str:
    return _clean(" ".join(el.itertext())) if el is not None else ""


def _clean(text: str) -> str:
    return _BEFORE_PUNCT.sub("", _WS.sub(" ", text)).strip()
