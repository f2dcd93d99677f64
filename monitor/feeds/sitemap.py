"""Sitemap bytes -> ParsedFeed: a news sitemap's newest URLs, or an index's children. Pure.

Reads `<urlset>` (Google News extension or not), `<sitemapindex>` and text sitemaps,
gzipped or not: gzip is inflated a step at a time up to `max_bytes`, XML is streamed
(each element dropped once read) with DTDs, entities and network off.

Our own lxml iterparse, not trafilatura.sitemaps (Apache-2.0): its `sitemap_search`
fetches sitemaps, robots.txt and the homepage itself (`fetch_url`, `is_live_page`),
where every fetch must go through this project's guarded fetcher; its fetch-free part
(`SitemapObject.extract_sitemap_links`) builds the whole tree (`etree.fromstring`),
keeps only `<loc>` (no lastmod or news:title to order by or show), rewrites URLs
(courlan's `clean_url`), drops other hosts and cuts at MAX_LINKS in document order,
not the newest. ultimate-sitemap-parser is GPL, and fetches too.
"""

from __future__ import annotations

import html.entities
import io
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from monitor.errors import FeedParseError
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.types import EARLIEST_PUBLISHED, FeedItem, ParsedFeed

# Decompressed. sitemaps.org allows 50 MB, but a news sitemap is under 1 MB, and repairs and
# parsing take up to 12 times the size: 10 MB keeps a hostile one near 150 MB.
MAX_BYTES = 10 * 2**20
MAX_URLS = 1000  # URLs kept from one urlset: the newest (a news sitemap lists two days)
MAX_CHILDREN = 5000  # an index listing more is refused, not read
FOLLOW = 3  # children of an index worth reading: the newest few

_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip header and trailer, not raw zlib
_INFLATE_STEP = 2**20  # decompressed bytes per step: what one step can add
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_LEADING = re.compile(rb"(?:\xef\xbb\xbf)?\s*")  # a UTF-8 BOM, then blank space
_DOCTYPE_START = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[[^\]]*\])?\s*>", re.IGNORECASE)
# A CDATA section, or an entity XML does not define. Each match consumes what it scans.
_ESCAPES = re.compile(
    rb"<!\[CDATA\[(.*?)(?:\]\]>|\Z)|&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z]\w{0,31});", re.DOTALL
)
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z]\w{0,31};)")
_CONTROLS = bytes(c for c in range(32) if c not in b"\t\n\r")  # not allowed in XML 1.0
# Each repair costs a step in Python: beyond this many `&` and CDATA sections, the
# document (hostile, surely) is parsed as it is, in recover mode.
_MAX_REPAIRS = 1_000_000
_CLOSED = re.compile(rb"</(?:[\w.-]+:)?(?:urlset|sitemapindex)\s*>", re.IGNORECASE)
# No DTD, no entities, no network; recover: keep what a broken document yields (bozo).
_XML_OPTIONS: dict[str, Any] = dict(resolve_entities=False, no_network=True, load_dtd=False)
_XML_OPTIONS.update(huge_tree=False, recover=True, remove_comments=True, remove_pis=True)
# The text of these elements, by their path below a record, is all that is read. The
# news:language is left alone: a FeedItem has none, and extraction finds the page's.
_FIELDS = {"loc", "lastmod", "news/publication_date", "news/title", "news/publication/name"}
_NOT_SITEMAPS = {"html": "an HTML page", "rss": "an RSS feed", "feed": "an Atom feed"}
_NOT_SITEMAPS |= {"rdf": "an RSS 1.0 (RDF) feed"}
# An http(s) URL with a plain ASCII host, safe as it is; others go through urlsplit.
_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE)
_W3C = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)"
    r"(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,]\d+)?)?\s*([Zz]|[+-]\d\d(?::?\d\d)?)?)?"
)
_OLDEST = datetime.min.replace(tzinfo=UTC)  # what an undated record sorts as
_NEWS = re.compile(r"news(?!letter)")
_NOT_ARTICLES = re.compile(
    r"(?<![a-z])(?:pages?|categor(?:y|ies)|tags?|authors?|users?|taxonom(?:y|ies)"
    r"|attachments?|images?|videos?|products?)(?![a-z])"
)
_NAME_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)(?:[-_/.]?(0[1-9]|1[0-2])(?:[-_/.]?(0[1-9]|[12]\d|3[01]))?)?(?!\d)"
)
_PAGE_NUMBER = re.compile(r"(\d{1,9})\D*$")  # bounded: int() of 5,000 digits raises


def parse_sitemap(
    body: bytes, url: str, content_type: str | None = None, max_bytes: int = MAX_BYTES
) -> ParsedFeed:
    """A urlset's newest URLs as items, or an index's children worth reading as `follow`.

    `url` is the sitemap's final URL. `content_type` is not trusted (servers send
    sitemaps as text/html, application/octet-stream, x-gzip...): the body decides."""
    if not isinstance(body, bytes):
        raise TypeError("parse_sitemap takes bytes")
    if body.startswith(_GZIP_MAGIC):
        body = _gunzip(body, max_bytes)
    elif len(body) > max_bytes:
        raise FeedParseError(f"sitemap is over {_size(max_bytes)}")
    start = _LEADING.match(body)
    body = body[start.end() if start else 0 :]  # before <?xml, even a newline is fatal
    if body.startswith((b"<", *_UTF16)):
        return _read_xml(body, url)
    return _read_text(body, url)


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n % 2**20 == 0 else f"{n} bytes"


def _gunzip(body: bytes, limit: int) -> bytes:
    """Inflate a step at a time, so that a gzip bomb stops at `limit`, not at its end."""
    out = bytearray()
    inflater = zlib.decompressobj(_GZIP_WBITS)
    data = body
    try:
        while True:
            step = inflater.decompress(data, _INFLATE_STEP)
            out += step
            if len(out) > limit:
                raise FeedParseError(f"sitemap is over {_size(limit)} when decompressed")
            if inflater.eof:
                data = inflater.unused_data
                if not data.startswith(_GZIP_MAGIC):
                    break  # after the last member: padding, ignored as gzip does
                inflater = zlib.decompressobj(_GZIP_WBITS)  # gzip members may be concatenated
                continue
            data = inflater.unconsumed_tail
            # A full step may leave output inside zlib with no input left: go on once more.
            if not data and len(step) < _INFLATE_STEP:
                raise FeedParseError("sitemap gzip data is truncated")
    except zlib.error as exc:
        raise FeedParseError(f"sitemap gzip data is corrupt: {exc}") from None
    return bytes(out)


def _repair(body: bytes) -> bytes:
    """Drop the DOCTYPE (its entities never reach the parser, which would not expand
    them either) and fix the faults that would cut a sitemap short or garble its URLs:
    a bare `&` in a URL, an HTML entity (&nbsp;) in a title, a control character."""
    start = _DOCTYPE_START.search(body, 0, 4096)  # only in the prolog: one try, linear
    end = _DOCTYPE.match(body, start.start()) if start else None
    if end:
        body = body[: end.start()] + body[end.end() :]
    if body.startswith(_UTF16) or b"\0" in body[:4]:
        return body  # UTF-16: byte patterns do not apply; lxml reads it as it is
    body = body.translate(None, _CONTROLS)
    if body.count(b"&") + body.count(b"<![CDATA[") > _MAX_REPAIRS:
        # Unrepaired, the parser's recovery logs an error for each: memory without bound.
        raise FeedParseError(f"sitemap has over {_MAX_REPAIRS:,} bare & or CDATA to repair")
    return _BARE_AMPERSAND.sub(b"&amp;", _ESCAPES.sub(_escaped, body))


def _escaped(m: re.Match[bytes]) -> bytes:
    if m[2] is None:  # CDATA, as escaped text: the passes after this one leave it alone
        return m[1].replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
    text = html.entities.html5.get(m[2].decode("ascii") + ";")
    if text is None:
        return b"&amp;" + m[2] + b";"  # unknown, or a stripped DOCTYPE's: shown as written
    return "".join(f"&#{ord(c)};" for c in text).encode("ascii")


@dataclass(frozen=True, slots=True)
class _Entry:  # a urlset's URL or an index's child, as read
    loc: str
    date: datetime | None
    title: str
    position: int  # in the document: the order among equal dates


def _read_xml(body: bytes, url: str) -> ParsedFeed:
    events = etree.iterparse(io.BytesIO(_repair(body)), events=("start", "end"), **_XML_OPTIONS)
    doc: _Urlset | _Index | None = None
    pending: dict[str, str] | None = None  # the last record's fields: added once another ends
    path: list[str] = []  # local names of the open elements
    fields: dict[str, str] = {}  # of the record being read
    error: str | None = None
    try:
        for event, el in events:
            if event == "start":
                path.append(_local(el.tag))
                if len(path) == 1:
                    doc = _document(path[0], url)
                continue
            if len(path) > 2 and (key := "/".join(path[2:])) in _FIELDS:
                fields.setdefault(key, _text(el.text))
            elif len(path) == 2 and doc is not None:
                if path[1] == doc.record:
                    if pending is not None:
                        doc.add(pending)
                    pending = fields
                fields = {}
            path.pop()
            # What was read goes: the tree never holds more than the open elements.
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
    except etree.XMLSyntaxError as exc:  # only when not even a root element was read
        error = str(exc)
    if problems := events.error_log.filter_from_errors():
        first = problems[0]
        error = error or f"{first.message} (line {first.line}, column {first.column})"
    if doc is None:
        raise FeedParseError(f"not a sitemap: {error or 'no root element'}")
    # Recovery closes what a cut-short document left open: the last record's URL may be
    # cut short too. Without the closing root tag, it is dropped.
    if pending is not None and not (error and not _CLOSED.search(body[-4096:])):
        doc.add(pending)
    feed = doc.result(error)
    if error and not (feed.items or feed.follow):
        raise FeedParseError(f"not a sitemap: broken XML with no <{doc.record}> read ({error})")
    return feed


def _local(tag: object) -> str:
    """A name without namespace or prefix (an undeclared prefix stays in the name):
    namespaces are too often wrong (https, 0.84, none at all) to be checked."""
    if not isinstance(tag, str):
        return ""  # an entity reference
    return tag.rpartition("}")[2].rpartition(":")[2].lower()


def _document(root: str, url: str) -> _Urlset | _Index:
    if root == "urlset":
        return _Urlset(url)
    if root == "sitemapindex":
        return _Index(url)
    what = _NOT_SITEMAPS.get(root, f"an XML document <{root}>")
    raise FeedParseError(f"{what}, not a sitemap")


def _text(text: object) -> str:
    return " ".join(text.split()) if isinstance(text, str) else ""


def _http_url(text: str, base: str | None) -> str | None:
    """An http(s) URL, a relative one resolved against `base` (None: absolute only)."""
    text = text.strip()
    if _ABSOLUTE.match(text):
        return text  # the common case, without urljoin's cost (half a big sitemap's time)
    if not text or not base:
        return None  # not the base itself
    try:
        resolved = urljoin(base, text)
        parts = urlsplit(resolved)
    except ValueError:
        return None
    return resolved if parts.scheme in ("http", "https") and parts.hostname else None


class _Urlset:
    """A urlset's MAX_URLS newest URLs, deduplicated, in bounded memory."""

    record = "url"

    def __init__(self, base: str) -> None:
        self.base = base
        self.urls: dict[str, _Entry] = {}
        self.read_count = 0
        self.publication: str | None = None

    def add(self, fields: dict[str, str]) -> None:
        self.read_count += 1
        loc = _http_url(fields.get("loc", ""), self.base)
        if loc is None:
            return
        self.publication = self.publication or fields.get("news/publication/name") or None
        published = _w3c_date(fields.get("news/publication_date", ""))
        published = published or _w3c_date(fields.get("lastmod", ""))
        new = _Entry(loc, published, fields.get("news/title", ""), self.read_count)
        seen = self.urls.get(loc)
        if seen is None or _newest_first(new) > _newest_first(seen):
            self.urls[loc] = new
        if len(self.urls) > 2 * MAX_URLS:  # cut now and then: sorting each time is waste
            self.urls = {u.loc: u for u in self._newest()}

    def _newest(self) -> list[_Entry]:
        return sorted(self.urls.values(), key=_newest_first, reverse=True)[:MAX_URLS]

    def result(self, bozo: str | None) -> ParsedFeed:
        items = tuple(
            FeedItem(
                key=u.loc,
                link=u.loc,
                title=u.title,
                summary="",
                author=None,
                published=u.date,
                fingerprint=content_hash(u.title, ""),
                signature=signature(u.title),
                fetch_page=True,
            )
            for u in self._newest()
        )
        return ParsedFeed(title=self.publication, items=items, bozo_reason=bozo)


def _newest_first(u: _Entry) -> tuple[datetime, int]:
    """Sort key, reversed: newest first, undated last; equal dates in document order."""
    return (u.date or _OLDEST, -u.position)


def _w3c_date(text: str) -> datetime | None:
    """A W3C datetime: a date, or a time with or without seconds, fraction and zone
    (none: UTC). Anything else, or a placeholder date, is None."""
    m = _W3C.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g or 0) for g in m.groups()[:6])
    zone, offset = UTC, (m[7] or "Z").replace(":", "")
    try:
        if offset not in "Zz":
            delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:] or 0))
            zone = timezone(-delta if offset[0] == "-" else delta)
        d = datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)
    except (ValueError, OverflowError):  # 2026-02-30, 25:00, a day's offset, year 9999 + 1
        return None
    return d if d >= EARLIEST_PUBLISHED else None


class _Index:
    """A sitemap index's children; the FOLLOW worth reading are chosen at the end."""

    record = "sitemap"

    def __init__(self, base: str) -> None:
        self.base = base
        self.own = _normal(base).partition("://")[2]
        self.children: dict[str, _Entry] = {}
        self.read_count = 0

    def add(self, fields: dict[str, str]) -> None:
        self.read_count += 1
        if self.read_count > MAX_CHILDREN:
            raise FeedParseError(f"sitemap index lists more than {MAX_CHILDREN} sitemaps")
        loc = _http_url(fields.get("loc", ""), self.base)
        if loc is None:
            return
        child = _normal(loc)
        # http and https alike: one redirects to the other, and back here.
        if child.partition("://")[2] == self.own:
            raise FeedParseError("sitemap links to itself")
        lastmod = _w3c_date(fields.get("lastmod", ""))
        self.children.setdefault(child, _Entry(child, lastmod, "", self.read_count))

    def result(self, bozo: str | None) -> ParsedFeed:
        return ParsedFeed(title=None, items=(), bozo_reason=bozo, follow=_follow(self.children))


def _normal(url: str) -> str:
    """Scheme and host lower-cased, fragment dropped."""
    p = urlsplit(url)
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path or "/", p.query, ""))


def _follow(children: dict[str, _Entry]) -> tuple[str, ...]:
    """The FOLLOW children worth reading, newest first.

    Kind first: when some children are named for news (sitemap-news.xml, news-sitemap.xml),
    only they are read, the others being archives; then children named for what is not
    an article (page-, category-, tag-, author-sitemap.xml, wp-sitemap-users-1.xml, image
    and video sitemaps) are left out when others remain. Then newest first: by <lastmod>;
    among equal or missing ones by a date in the name (sitemap-2026-12.xml, /2026/12/31/),
    then by page number (Yoast, Rank Math and WordPress add new posts to the last page:
    post-sitemap42.xml), then the later in the document."""
    pool = list(children.values())
    pool = [c for c in pool if _NEWS.search(_name(c.loc))] or pool
    # The path only: in ?page=2, "page" is a page number.
    pool = [c for c in pool if not _NOT_ARTICLES.search(_name(c.loc, query=False))] or pool
    pool.sort(key=_child_order, reverse=True)
    return tuple(c.loc for c in pool[:FOLLOW])


def _name(url: str, query: bool = True) -> str:
    p = urlsplit(url)
    return (p.path + ("?" + p.query if query and p.query else "")).lower()


def _child_order(c: _Entry) -> tuple[datetime, tuple[int, int, int], int, int]:
    dates = ((int(m[1]), int(m[2] or 0), int(m[3] or 0)) for m in _NAME_DATE.finditer(_name(c.loc)))
    named = max(dates, default=(0, 0, 0))  # a missing month or day sorts first
    page = _PAGE_NUMBER.search(_name(c.loc, query=False))
    return (c.date or _OLDEST, named, int(page[1]) if page else 0, c.position)


def _read_text(body: bytes, url: str) -> ParsedFeed:
    """One URL per line; the first line must be one (robots.txt only mentions some)."""
    if not body:
        raise FeedParseError("an empty body, not a sitemap")
    if body.startswith((b"{", b"[")):
        raise FeedParseError("JSON, not a sitemap")
    lines = body.decode("utf-8", errors="replace").splitlines()
    if _http_url(lines[0], None) is None:
        raise FeedParseError("plain text that is not a list of URLs, not a sitemap")
    doc = _Urlset(url)  # with no dates, the first MAX_URLS are kept
    bozo: str | None = None
    for number, line in enumerate(lines, 1):
        if (link := _http_url(line, None)) is not None:
            doc.add({"loc": link})
        elif line.strip() and bozo is None:
            bozo = f"line {number} is not a URL"
    return doc.result(bozo)
