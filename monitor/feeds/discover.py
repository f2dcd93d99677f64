"""Finding a site's feeds, pure: the candidate addresses a page, its robots.txt and the
usual paths offer, and the order in which what was found is shown. No network here;
monitor.pipeline.discover fetches and parses the candidates.

Order of trust: what the page declares (<link rel=alternate>), then feed links in it,
then what robots.txt names; guessed paths come last and are only tried when nothing
declared is a feed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from monitor.types import EARLIEST_PUBLISHED, SourceKind

# Where a candidate came from, most trusted first: the rank breaks ties by it.
Origin = Literal["self", "link", "anchor", "robots", "common", "well-known"]
ORIGINS: tuple[Origin, ...] = ("self", "link", "anchor", "robots", "common", "well-known")

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
        "application/rdf+xml",
    }
)
# Short on purpose: each one is a GET.
COMMON_PATHS = (
    "/feed",
    "/rss",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/index.xml",
    "/feeds/posts/default",
    "/rss/",
    "/?feed=rss2",
)
NEWS_SITEMAP_PATHS = ("/sitemap-news.xml", "/news-sitemap.xml", "/sitemap_news.xml")
FEED_HOSTS = ("feeds.feedburner.com", "feeds2.feedburner.com", "feedproxy.google.com")

MAX_URL = 2000  # longer hrefs are not addresses anyone publishes a feed at
MAX_ANCHORS = 6  # feed-looking links taken from a page
MAX_LINKS = 8  # <link rel=alternate> taken from a page
MAX_ROBOTS_SITEMAPS = 3

_FEEDISH_PATH = re.compile(r"(?:^|/)(?:rss|feeds?|atom)(?:[/._-]|$)|\.(?:rss|atom)$", re.I)
_XML_FEEDISH = re.compile(r"(?:rss|atom|feed)[^/]*\.xml$", re.I)
_FEEDISH_QUERY = re.compile(r"(?:^|&)(?:feed|format|type)=(?:rss2?|atom)(?:&|$)", re.I)
_FEEDISH_TEXT = re.compile(r"^\W*(?:rss|atom|feed|rss feed|news feed)\W*$", re.I)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)",
    re.I | re.S,
)
_FEED_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<\?[^>]*>\s*)*"
    rb"<(?:[\w.-]+:)?(?:rss|feed|rdf|urlset|sitemapindex)\b",
    re.I | re.S,
)
_XMLISH_TYPE = re.compile(r"xml|rss|atom|json", re.I)


@dataclass(frozen=True)
class Candidate:
    url: str
    kind: SourceKind  # what it is expected to be: "feed" or "sitemap"
    origin: Origin


@dataclass(frozen=True)
class Found:
    """A candidate that parsed with at least one item (or the page itself)."""

    kind: SourceKind
    url: str
    title: str | None
    items: int
    newest: datetime | None
    origin: Origin
    examples: tuple[str, ...] = ()  # a few item titles: shown for a section page
    # The first items' keys: two addresses serving one feed have the same.
    keys: tuple[str, ...] = field(default=(), compare=False, repr=False)


def site_url(arg: str) -> str:
    """What the user typed, as a URL: a bare `example.org` means https://example.org/.
    ValueError when it cannot be an http(s) address."""
    text = arg.strip()
    if not text or any(c.isspace() for c in text):
        raise ValueError(f"{arg!r} is not a URL")
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        if re.match(r"^[a-z][a-z0-9+.-]*:(?!\d)", text, re.I):  # mailto:, javascript:
            raise ValueError(f"{arg!r} is not an http(s) URL")
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{arg!r} is not an http(s) URL")
    try:
        parts.port  # noqa: B018 - a bad port raises here, not later in the fetcher
    except ValueError as exc:
        raise ValueError(f"{arg!r} has a bad port") from exc
    if not parts.hostname:
        raise ValueError(f"{arg!r} names no host")
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


def origin_of(url: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, "", "", ""))


def url_key(url: str) -> str:
    """A URL as compared with the configured ones: case of scheme and host, a default
    port, a fragment and a trailing slash do not make it another feed."""
    p = urlsplit(url.strip())
    try:
        port = p.port
    except ValueError:  # a port no server has: compared as written
        return url.strip()
    host = (p.hostname or "").lower()
    if port is not None and port != {"http": 80, "https": 443}.get(p.scheme.lower()):
        host = f"{host}:{port}"
    return urlunsplit((p.scheme.lower(), host, p.path.rstrip("/"), p.query, ""))


def _site(url: str) -> tuple[str, int | None]:
    p = urlsplit(url)
    host = (p.hostname or "").lower().removeprefix("www.")
    port = p.port if p.port != {"http": 80, "https": 443}.get(p.scheme) else None
    return host, port


def same_site(a: str, b: str) -> bool:
    """One host, or one a subdomain of the other (news.example.org and example.org)."""
    (ha, pa), (hb, pb) = _site(a), _site(b)
    if pa != pb or not ha or not hb:
        return False
    return ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha)


def clean_href(href: str | None, base: str) -> str | None:
    """An href resolved against `base`, if it is a plain http(s) address of sane length."""
    if not href:
        return None
    href = href.strip()
    if len(href) > MAX_URL or any(ord(c) < 0x20 or c in "\\\x7f" for c in href):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises ValueError
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """A web page rather than a feed or sitemap: by its content type, but a feed served
    as text/html (common) is told by its first element."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ("text/html", "application/xhtml+xml"):
        return not _FEED_START.match(body[:4096])
    if _XMLISH_TYPE.search(ctype):
        return False
    return bool(_HTML_START.match(body[:4096]))


def _looks_like_feed(url: str, text: str) -> bool:
    p = urlsplit(url)
    if (p.hostname or "").lower() in FEED_HOSTS:
        return True
    return bool(
        _FEEDISH_PATH.search(p.path)
        or _XML_FEEDISH.search(p.path)
        or _FEEDISH_QUERY.search(p.query)
        or _FEEDISH_TEXT.match(text.strip())
    )


def page_candidates(body: bytes, page_url: str) -> list[Candidate]:
    """The feeds a page declares in its head, then the feed links in its body."""
    try:
        tree = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):  # empty or not a document: no links
        return []
    base = page_url
    for el in tree.iter("base"):
        base = clean_href(el.get("href"), page_url) or page_url
        break
    out: list[Candidate] = []
    for el in tree.iter("link"):
        rels = (el.get("rel") or "").lower().split()
        ctype = (el.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rels and ctype in FEED_TYPES:
            url = clean_href(el.get("href"), base)
            # The page declares it: another host (a feed service, a CDN) is believed.
            if url and len(out) < MAX_LINKS:
                out.append(Candidate(url, "feed", "link"))
    anchors = 0
    for el in tree.iter("a"):
        url = clean_href(el.get("href"), base)
        if url is None or anchors >= MAX_ANCHORS:
            continue
        # An <a> is only a hint: another site's feed is not this site's.
        host_ok = same_site(url, page_url) or (urlsplit(url).hostname or "") in FEED_HOSTS
        if host_ok and _looks_like_feed(url, el.text_content()[:100]):
            out.append(Candidate(url, "feed", "anchor"))
            anchors += 1
    return unique(out)


def robots_sitemaps(text: str, site: str) -> list[Candidate]:
    """The `Sitemap:` lines of a robots.txt, those whose URL says news first. The
    others (a whole-site sitemap index) are kept too, after them."""
    found: list[str] = []
    for line in text.splitlines()[:5000]:
        m = re.match(r"^\s*sitemap\s*:\s*(\S+)", line, re.I)
        if m and (url := clean_href(m.group(1), site)):
            found.append(url)
    found = list(dict.fromkeys(found))
    news = [u for u in found if "news" in u.lower()]
    rest = [u for u in found if "news" not in u.lower()]
    return [Candidate(u, "sitemap", "robots") for u in (news + rest)[:MAX_ROBOTS_SITEMAPS]]


def guessed_candidates(site: str) -> list[Candidate]:
    """The usual feed paths, then the usual news sitemap paths, on the site's origin."""
    origin = origin_of(site)
    return [Candidate(origin + p, "feed", "common") for p in COMMON_PATHS] + [
        Candidate(origin + p, "sitemap", "well-known") for p in NEWS_SITEMAP_PATHS
    ]


def unique(cands: list[Candidate]) -> list[Candidate]:
    """Each address once, where it was first (most trusted) found."""
    seen: set[str] = set()
    out = []
    for c in cands:
        if url_key(c.url) not in seen:
            seen.add(url_key(c.url))
            out.append(c)
    return out


def rank(found: list[Found]) -> list[Found]:
    """Best first: feeds before sitemaps before a section page, then the most recent
    newest item, then more items, then the more trusted origin."""
    order = {"feed": 0, "telegram": 1, "sitemap": 2, "page": 3}
    return sorted(
        found,
        key=lambda f: (
            order[f.kind],
            -(f.newest or EARLIEST_PUBLISHED).timestamp(),
            -f.items,
            ORIGINS.index(f.origin),
        ),
    )
