"""Feed bytes -> ParsedFeed. feedparser is only ever given bytes, never a URL or path."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from monitor.errors import FeedParseError
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.types import EARLIEST_PUBLISHED, FeedItem, ParsedFeed

_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_WS = re.compile(r"\s+")

# feedparser's sanitizer is on by default; keep it so and never resolve relative URIs
# against anything but the feed's own URL.
feedparser.RESOLVE_RELATIVE_URIS = True
feedparser.SANITIZE_HTML = True


def strip_doctype(body: bytes) -> bytes:
    """Drop DOCTYPE (and its internal subset) so entity definitions never reach the parser."""
    return _DOCTYPE.sub(b"", body, count=1)


def html_to_text(value: str) -> str:
    """Plain text of a feed's HTML fragment."""
    text = _TAGS.sub(" ", value or "")
    return _WS.sub(" ", html.unescape(text)).strip()


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    if not isinstance(body, bytes):  # a str would let feedparser open a local file
        raise TypeError("parse_feed takes bytes")
    # Without a content type feedparser flags every document; XML is the honest default.
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    parsed = feedparser.parse(strip_doctype(body), response_headers=headers)
    entries = parsed.get("entries") or []
    if not entries and parsed.get("bozo") and not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        raise FeedParseError(f"not a feed: {reason or 'no entries and no feed element'}")
    items = tuple(item for e in entries if (item := _item(e)) is not None)
    bozo = parsed.get("bozo_exception")
    feed = parsed.get("feed") or {}
    ttl = str(feed.get("ttl") or "").strip()
    return ParsedFeed(
        title=feed.get("title"),
        items=items,
        bozo_reason=str(bozo) if bozo else None,
        ttl_s=int(ttl) * 60 if ttl.isdigit() else None,  # <ttl> is in minutes
        hub=_link(feed, "hub"),
        self_url=_link(feed, "self"),
    )


def _link(feed: Any, rel: str) -> str | None:
    """The feed's own <link rel=...> (atom:link in RSS too): WebSub's hub and topic."""
    for link in feed.get("links") or []:
        href = str(link.get("href") or "").strip()
        ok = len(href) <= 2000 and re.match(r"^https?://", href, re.IGNORECASE)
        if link.get("rel") == rel and ok:
            return href
    return None


def _item(e: Any) -> FeedItem | None:
    link = (e.get("link") or "").strip() or None
    if link and not re.match(r"^https?://", link, re.IGNORECASE):
        link = None
    title = html_to_text(e.get("title") or "")
    summary = ""
    for content in e.get("content") or []:
        value = content.get("value") or ""
        if len(value) > len(summary):
            summary = value
    summary = html_to_text(summary or e.get("summary") or e.get("description") or "")
    if not (title or summary or link):
        return None
    guid = (e.get("id") or e.get("guid") or "").strip()
    key = guid or link or "sha1:" + hashlib.sha1((title + "\n" + summary).encode()).hexdigest()
    return FeedItem(
        key=key[:1000],
        link=link,
        title=title,
        summary=summary,
        author=(e.get("author") or None),
        # dict.get: feedparser's own get maps a missing updated date to the published one.
        published=_date(dict.get(e, "published_parsed")) or _date(dict.get(e, "updated_parsed")),
        fingerprint=content_hash(title, summary),
        signature=signature(summary or title),
    )


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        d = datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None
    return d if d >= EARLIEST_PUBLISHED else None  # a placeholder: the page's date may follow
