"""A public Telegram channel's web preview (https://t.me/s/NAME) -> ParsedFeed. Pure.

The preview is HTML, not a feed: one `div.tgme_widget_message[data-post="NAME/ID"]` a
message, its text in `div.tgme_widget_message_text.js-message_text`, its date in
`a.tgme_widget_message_date > time[datetime]`. These are the class names RSSHub's
telegram route, snscrape, RSS-Bridge and tchan read. A message becomes a FeedItem like a
feed entry does (same fingerprint and signature), keyed by its permanent t.me link.
"""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from monitor.errors import FeedParseError
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.types import EARLIEST_PUBLISHED, FeedItem, ParsedFeed

TITLE_MAX = 200
# Telegram's rule for a public name: 5-32 letters, digits and underscores, a letter first.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
# data-post and permalinks as Telegram writes them (legacy names may be shorter).
_POST = re.compile(r"([A-Za-z0-9_]{1,64})/([0-9]{1,18})")
_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
_PERMALINK = re.compile(
    r"https?://(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?"
    r"([A-Za-z0-9_]{1,64})/([0-9]{1,18})/?(?:[?#].*)?",
    re.IGNORECASE,
)
# Telegram's notice for a channel it will not show ("This channel can’t be displayed
# because it violated local laws."), in any of the places its pages put it.
_RESTRICTED = re.compile(
    r"(?:This|The) (?:channel|group|chat|account|bot|user)"
    r"(?: can[’']?t| cannot| can not| couldn[’']?t) be displayed[^.\n]{0,300}\.?"
    r"|(?:This|The) (?:channel|group) is (?:unavailable|not available|blocked)[^.\n]{0,300}\.?",
    re.IGNORECASE,
)
_CONTACT = re.compile(r"you can contact @?([A-Za-z0-9_]{1,64})", re.IGNORECASE)
# Whitespace in markup is not a line break (<br> is); runs of it are one space.
_MARKUP_SPACE = re.compile(r"[ \t\n\r\f\v\u2028\u2029]+")
_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n{3,}")
# Dropped from the text: bidi embeddings, overrides and isolates (they reorder what a
# reader sees), zero-width spaces, BOMs, control characters. ZWJ and ZWNJ stay: emoji
# sequences and Persian words are made with them.
_INVISIBLE = re.compile(
    "[\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c"
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
_WORD = re.compile(r"[^\W_]")
_SENTENCE_END = re.compile(r"[.!?…։](?=\s|$)")
# Never text: their content is code or an embedded document, not what a reader sees.
_SKIP = frozenset({"script", "style", "template", "noscript", "iframe", "object", "embed", "svg"})
_BLOCK = frozenset({"div", "p", "blockquote", "pre", "li", "ul", "ol", "tr", "h1", "h2", "h3"})


def _cls(name: str) -> str:
    """XPath test for one class name among several (`contains` alone would match prefixes)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_MESSAGES = etree.XPath(f"//div[{_cls('tgme_widget_message')}][@data-post]")
# The message's own text: not a reply's quote, not a link preview's description, and
# the outer one where Telegram nests the div in itself (an album's caption).
_TEXTS = etree.XPath(
    f".//div[{_cls('tgme_widget_message_text')}][{_cls('js-message_text')}]"
    f"[not(ancestor::div[{_cls('tgme_widget_message_text')}])]"
    f"[not(ancestor::*[{_cls('tgme_widget_message_reply')}"
    f" or {_cls('tgme_widget_message_link_preview')}])]"
)
# Links of the text, not those of markup a reader never sees (Telegram writes none).
_TEXT_HREF = etree.XPath(
    ".//a[not(ancestor::noscript or ancestor::template or ancestor::object or ancestor::svg)]/@href"
)
_PREVIEW_HREF = etree.XPath(f".//a[{_cls('tgme_widget_message_link_preview')}]/@href")
_PREVIEW_TITLE = etree.XPath(
    f".//a[{_cls('tgme_widget_message_link_preview')}]//*[{_cls('link_preview_title')}]"
)
_FORWARD_HREF = etree.XPath(
    f".//*[{_cls('tgme_widget_message_forwarded_from')}]"
    f"//a[{_cls('tgme_widget_message_forwarded_from_name')}]/@href"
)
_SIGNATURE = etree.XPath(f".//*[{_cls('tgme_widget_message_from_author')}]")
_OWNER = etree.XPath(f".//*[{_cls('tgme_widget_message_owner_name')}]")
_DATE = etree.XPath(f".//a[{_cls('tgme_widget_message_date')}]//time/@datetime")
_CHANNEL_TITLE = etree.XPath(f"//*[{_cls('tgme_channel_info_header_title')}]")
_OG_TITLE = etree.XPath("//meta[@property='og:title']/@content")
_PREVIEW_PAGE = etree.XPath(f"//*[{_cls('tgme_channel_history')} or {_cls('tgme_channel_info')}]")
_INFO_PAGE = etree.XPath(f"//*[{_cls('tgme_page')} or {_cls('tgme_page_title')}]")
_INFO_EXTRA = etree.XPath(f"//*[{_cls('tgme_page_extra')}]")
_NOTICE_PLACES = etree.XPath(
    f"//*[{_cls('tgme_page_description')} or {_cls('tgme_widget_message_error')}"
    f" or {_cls('tme_no_messages_found')} or {_cls('tgme_channel_history')}]"
    "|//meta[@property='og:description' or @name='description']/@content"
)


def channel_url(value: str) -> str:
    """The preview URL a `- telegram: VALUE` entry polls: https://t.me/s/NAME for a
    name, @name or t.me / telegram.me link; an http(s) URL on any other host (a mirror
    of the preview, a test server) as it is."""
    text = value.strip()
    if _NAME.fullmatch(text.removeprefix("@")):
        return f"https://t.me/s/{text.removeprefix('@')}"
    explicit = re.match(r"https?://", text, re.IGNORECASE) is not None
    try:
        parts = urlsplit(text if explicit else f"https://{text}")  # "t.me/NAME" has none
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:
        host = ""
    if host in _TELEGRAM_HOSTS or host.endswith(".t.me"):
        name = _name_in_telegram_url(host, parts.path, parts.query, parts.fragment)
        if name:
            return f"https://t.me/s/{name}"
    elif explicit and host and not any(ch.isspace() for ch in text):
        return text  # a self-hosted mirror of the preview: polled as configured
    raise ValueError(
        f"not a Telegram channel: {value!r}; a channel is given by its name, 5-32 letters,"
        " digits or underscores starting with a letter (armenpress, @armenpress,"
        " https://t.me/armenpress)"
    )


def _name_in_telegram_url(host: str, path: str, query: str, fragment: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if query or fragment:
        return None
    if host.endswith(".t.me"):  # NAME.t.me
        name = host.removesuffix(".t.me")
        return name if not segments and _NAME.fullmatch(name) else None
    if segments[:1] == ["s"]:
        segments = segments[1:]
    if len(segments) == 1 and _NAME.fullmatch(segments[0]):
        return segments[0]
    return None


def parse_telegram(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """The messages of a channel's preview page, oldest first. FeedParseError when the
    page is Telegram's notice for a blocked channel, the page t.me/s/NAME redirects to
    when NAME is no public channel, or not a preview at all."""
    if not isinstance(body, bytes):
        raise TypeError("parse_telegram takes bytes")
    name = _name_in(url)
    root, cut = _document(body, content_type, name)
    messages = _MESSAGES(root)
    if not messages:
        _refuse_unless_preview(root, name, cut)
    channel_title = _channel_title(root)
    items: dict[str, FeedItem] = {}
    for message in messages:
        item = _item(message, channel_title)
        if item is not None and item.key not in items:
            items[item.key] = item
    return ParsedFeed(title=channel_title, items=tuple(items.values()), bozo_reason=cut)


def _name_in(url: str) -> str:
    """The channel a URL is for, to name it in errors: /s/NAME or /NAME on any host."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if segments[:1] == ["s"]:
        segments = segments[1:]
    return segments[0] if segments and re.fullmatch(r"\w{1,64}", segments[0]) else url


def _document(body: bytes, content_type: str | None, name: str) -> tuple[Any, str | None]:
    """The parsed page, and why the parser stopped short of its end, if it did."""
    if not body.strip():
        raise FeedParseError(f"not a Telegram channel preview ({name}): the page is empty")
    if b"\x00" in body[:4096]:
        raise FeedParseError(f"not a Telegram channel preview ({name}): the response is binary")
    # Decoded here, so that bytes that are not the charset become U+FFFD, not a cut page.
    text = body.decode(_charset(content_type), errors="replace")
    parser = lxml.html.HTMLParser(
        encoding="utf-8",
        no_network=True,  # nothing is ever fetched while parsing
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,  # libxml2's limits on depth and text size stay on
    )
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise FeedParseError(f"not a Telegram channel preview ({name}): {exc}") from exc
    # Over a limit (nesting deeper than 256) libxml2 stops and keeps what it read.
    fatal = [e.message for e in parser.error_log if e.level_name == "FATAL"]
    return root, (f"the page was read only in part: {fatal[0]}" if fatal else None)


def _charset(content_type: str | None) -> str:
    """The HTTP charset when Python knows it; Telegram serves UTF-8 otherwise."""
    m = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.IGNORECASE)
    try:
        codec = codecs.lookup(m.group(1) if m else "utf-8").name
    except LookupError:
        codec = "utf-8"
    return "utf-8-sig" if codec == "utf-8" else codec  # a BOM is not text


def _refuse_unless_preview(root: Any, name: str, cut: str | None) -> None:
    """A page without messages: a real preview of an empty channel, or an error."""
    reason = _restriction(root)
    if reason:
        raise FeedParseError(f"Telegram channel {name} can't be displayed; Telegram says: {reason}")
    if _PREVIEW_PAGE(root):
        return
    if _INFO_PAGE(root):
        raise FeedParseError(f"no such public channel: {name} ({_what_page(root)})")
    why = f"; {cut}" if cut else ""
    raise FeedParseError(
        f"not a Telegram channel preview ({name}): the page has no channel and no messages{why}"
    )


def _restriction(root: Any) -> str | None:
    for place in _NOTICE_PLACES(root):
        text = place if isinstance(place, str) else _inline(place)
        found = _RESTRICTED.search(_MARKUP_SPACE.sub(" ", text))
        if found:
            return found.group(0).strip()
    return None


def _what_page(root: Any) -> str:
    """What t.me shows instead: the redirect from /s/NAME lands on the name's own page."""
    extra = " ".join(_inline(e) for e in _INFO_EXTRA(root)).lower()
    if "member" in extra:
        return "it is a group, not a channel"
    if "subscriber" in extra:
        return "a channel without a web preview"
    found = _CONTACT.search(_inline(root))
    if found:
        return f"t.me/{found.group(1)} is a user or bot account, or a name nobody has"
    return "t.me shows an account page, not a channel"


def _channel_title(root: Any) -> str | None:
    for el in _CHANNEL_TITLE(root):
        title = _inline(el)
        if title:
            return title
    for value in _OG_TITLE(root):
        title = _clean(str(value)).replace("\n", " ")
        if title:
            return title
    return None


def _item(message: Any, channel_title: str | None) -> FeedItem | None:
    post = _POST.fullmatch((message.get("data-post") or "").strip())
    if post is None or _cls_of(message, "service_message"):
        return None  # service messages: channel created, photo changed, pinned
    permalink = f"https://t.me/{post.group(1)}/{post.group(2)}"
    texts = _TEXTS(message)
    summary = "\n\n".join(t for t in (_text(el) for el in texts) if t)
    article = _article_link(texts, message)
    if not summary and article is None:
        return None  # a bare photo, video or sticker: nothing to read or match
    preview = next((t for t in map(_inline, _PREVIEW_TITLE(message)) if t), "")
    title = _title(summary) or preview or article or ""  # a link alone: its preview's title
    return FeedItem(
        key=permalink,
        link=article or _forwarded_from(message) or permalink,
        title=title,
        summary=summary,
        author=_author(message, channel_title),
        published=_published(message),
        fingerprint=content_hash(title, summary),
        signature=signature(summary or title),
        fetch_page=article is not None,
        own_text=article is not None and bool(summary),
    )


def _cls_of(el: Any, name: str) -> bool:
    return name in (el.get("class") or "").split()


def _article_link(texts: list[Any], message: Any) -> str | None:
    """The first link in the text to a page outside Telegram, else the link preview's
    (Telegram draws the preview for a link of the text, sometimes a hidden one)."""
    hrefs = [h for el in texts for h in _TEXT_HREF(el)] + _PREVIEW_HREF(message)
    for href in hrefs:
        url = _web_url(str(href))
        if url:
            return url
    return None


def _web_url(href: str) -> str | None:
    url = href.strip()
    if len(url) > 2000 or any(ch <= " " or "\x7f" <= ch <= "\x9f" for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:  # a bad port or IPv6 literal
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None  # javascript:, data:, tg:, ?q=%23hashtag
    if host in _TELEGRAM_HOSTS or host.endswith(".t.me"):
        return None  # a channel, a post, a mention: not an article (telegra.ph is one)
    return url


def _forwarded_from(message: Any) -> str | None:
    """The original's permalink, so that a forward and its original are one article.
    A forward from a user or a private chat links no post and gives None."""
    for href in _FORWARD_HREF(message):
        found = _PERMALINK.fullmatch(str(href).strip())
        if found:
            return f"https://t.me/{found.group(1)}/{found.group(2)}"
    return None


def _author(message: Any, channel_title: str | None) -> str | None:
    for el in [*_SIGNATURE(message), *_OWNER(message)]:
        name = _inline(el)
        if name:
            return name[:200]
    return channel_title


def _published(message: Any) -> datetime | None:
    for value in _DATE(message):
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError:
            continue
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        return when if when >= EARLIEST_PUBLISHED else None
    return None


def _title(text: str) -> str:
    """The first line (of words: not a line of emoji), or its first sentence when the
    line is longer than a title, cut at a word boundary to TITLE_MAX characters."""
    lines = [line for line in text.split("\n") if line]
    line = next((line for line in lines if _WORD.search(line)), lines[0] if lines else "")
    if len(line) > TITLE_MAX:
        end = _SENTENCE_END.search(line, 20)  # not the dot of "1."
        if end:
            line = line[: end.end()]
    if len(line) <= TITLE_MAX:
        return line
    cut = line[: TITLE_MAX - 1]
    space = cut.rfind(" ")
    if space > TITLE_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _inline(el: Any) -> str:
    return _text(el).replace("\n", " ")


def _text(root: Any) -> str:
    """Plain text of an element as a reader sees it: <br> and blocks are line breaks,
    an emoji image is its alt text, a link is its text; scripts and styles are nothing.
    Walked with a stack: a deeply nested page cannot exhaust Python's recursion."""
    parts: list[str] = []
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        el, closing = stack.pop()
        tail = el.tail if el is not root else None
        if closing:
            if el.tag in _BLOCK:
                parts.append("\n")
            if tail:
                parts.append(_MARKUP_SPACE.sub(" ", tail))
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or not tag:  # a script, a style, or a comment left by recover
            if tail:
                parts.append(_MARKUP_SPACE.sub(" ", tail))
            continue
        if tag == "br" or tag in _BLOCK:
            parts.append("\n")
        elif tag == "img" and _cls_of(el, "emoji"):
            parts.append(el.get("alt") or "")
        if el.text:
            parts.append(_MARKUP_SPACE.sub(" ", el.text))
        stack.append((el, True))
        stack.extend((child, False) for child in reversed(el))
    return _clean("".join(parts))


def _clean(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
