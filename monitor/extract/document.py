"""Page bytes -> its text and its parsed tree: the charset decided, then parsed as
trafilatura's load_html parses a text.

load_html first deletes the characters XML forbids (C0 controls but tab, newline and
carriage return; U+FFFE, U+FFFF) with a regular expression over the whole text: 5% of a
page's extraction, and almost no page holds any. Where the text was decoded one byte per
ASCII character, the bytes say at a tenth of the cost whether it does, and a clean text
is parsed without that pass. Any other page goes through load_html as it is.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from lxml.html import HtmlElement, fromstring
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, HTML_PARSER, fromstring_bytes, load_html

# The C0 controls XML forbids, as bytes: deleted by translate() to count them.
_FORBIDDEN_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_ASCII = bytes(range(0x80))


def decode_html(body: bytes, content_type: str | None) -> str:
    """HTTP charset, then BOM, then <meta> declaration, then UTF-8 with replacement."""
    return _decode(body, content_type)[0]


def parse_document(body: bytes, content_type: str | None) -> tuple[str, HtmlElement | None]:
    """The page's text, and its tree as trafilatura.utils.load_html(text) gives it (None
    for what is not HTML)."""
    text, codec = _decode(body, content_type)
    if not (_ascii_as_bytes(codec) and _clean(body, text)):
        return text, load_html(text)
    return text, _parse_clean(text)


def _decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    """The text and the codec it was decoded with."""
    charset = None
    if content_type:
        m = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
        charset = m.group(1) if m else None
    if not charset:
        if body.startswith(b"\xef\xbb\xbf"):
            charset = "utf-8-sig"
        elif body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            charset = "utf-16"
        else:
            m2 = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", body[:4096], re.IGNORECASE)
            charset = m2.group(1).decode("ascii", "replace") if m2 else None
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return body.decode(candidate), candidate
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace"), "utf-8"


@lru_cache(maxsize=64)
def _ascii_as_bytes(codec: str) -> bool:
    """Whether every control character of a text in this codec is the same byte in its
    bytes, and no other byte gives one: UTF-8, and the one-byte codecs that keep ASCII
    (cp1251, koi8-r, latin-1, ...). Not UTF-16, nor UTF-7, where "+AAs-" is a control."""
    name = codecs.lookup(codec).name
    if name in ("utf-8", "utf-8-sig"):
        return True
    try:
        every = bytes(range(0x100)).decode(codec, errors="replace")
        return len(every) == 0x100 and _ASCII.decode(codec) == _ASCII.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        return False


def _clean(body: bytes, text: str) -> bool:
    """No character XML forbids in the text (decoded with an `_ascii_as_bytes` codec)."""
    if len(body.translate(None, _FORBIDDEN_BYTES)) != len(body):
        return False
    return "\ufffe" not in text and "\uffff" not in text


def _parse_clean(text: str) -> HtmlElement | None:
    """trafilatura.utils.load_html for a text without forbidden characters: its repairs
    but the deletion, its parse and its fallbacks, in its order."""
    beginning = text[:50].lower()
    dubious = "html" not in beginning
    if "doctype" in beginning:  # libxml2 stops at a DOCTYPE holding a slash
        first, _, rest = text.partition("\n")
        text = DOCTYPE_TAG.sub("", first, count=1) + "\n" + rest
    for line in text[:4096].splitlines()[:4]:  # a self-closing <html/> in the first lines
        if "<html" in line and line.endswith("/>"):
            text = FAULTY_HTML.sub(r"\1>", text, count=1)
            break
    tree: HtmlElement | None = None
    fallback = False
    try:
        tree = fromstring(text, parser=HTML_PARSER)
    except ValueError:  # a text with an encoding declaration: parsed as bytes
        tree = fromstring_bytes(text)
        fallback = True
    except Exception:  # lxml raises several types on junk markup, as in load_html
        tree = None
    if (tree is None or len(tree) < 1) and not fallback:
        tree = fromstring_bytes(text)
    if tree is not None and dubious and len(tree) < 2:  # not HTML at all
        return None
    return tree
