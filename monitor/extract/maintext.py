"""Page bytes -> ExtractedPage with trafilatura: main text without comments, and metadata."""

from __future__ import annotations

import re

import trafilatura
from lxml import html as lxml_html
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from monitor.extract.document import parse_document
from monitor.extract.language import guess_language
from monitor.extract.meta import read_meta
from monitor.identity.minhash import signature
from monitor.types import ExtractedPage

_LANG = re.compile(rb"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)


# Precision mode keeps less than this share of the page's paragraph text: it may have
# dropped the body itself (a body whose class matches a discard pattern), and the
# default mode is asked too; its text is taken when it holds at least twice as much.
LOST_BODY_SHARE = 0.25
LOST_BODY_MIN_CHARS = 1500
LOST_BODY_CHECK = 2000  # a text this long is a body, not a notice left of one: not checked

# trafilatura runs its own extractor, then readability and justext to compare with it:
# over a quarter of its time. They overrule it only where its text is short, has no
# paragraphs, or is under half of what readability, which reads paragraphs, could find
# (it must be twice as long to win). On the 181 benchmark pages they changed 6 texts,
# each under 900 characters. So the own extractor runs alone first, and the comparison
# only there.
SHORT_TEXT = 1000  # 4x trafilatura's MIN_EXTRACTED_SIZE, under which justext is tried
THIN_SHARE = 0.5


def extract_page(body: bytes, url: str, content_type: str | None = None) -> ExtractedPage:
    # Parsed once: metadata here, the text from a copy of it.
    source, tree = parse_document(body, content_type)
    declared = _LANG.search(body[:4096])
    lang = declared.group(1).decode("ascii").lower() if declared else None
    if tree is None:
        return ExtractedPage(None, "", None, None, lang, None, _canonical(source), None)
    meta = read_meta(tree, url)
    paragraphs = _paragraph_chars(tree)
    text = _precise_text(tree, url, paragraphs)
    if (
        paragraphs >= LOST_BODY_MIN_CHARS
        and len(text) < LOST_BODY_CHECK
        and len(text) < LOST_BODY_SHARE * paragraphs
    ):
        fuller = _text(tree, url, favor_precision=False, fast=False)[0]
        if len(fuller) >= 2 * len(text):
            text = fuller
    chunks = body_chunks(tree)
    if chunks and not all(_opening(c) in text for c in chunks):
        # A body cut into chunks between ads: trafilatura keeps the first. The chunks
        # alone, in order, are extracted again, so their own boilerplate stays out.
        joined = b"".join(lxml_html.tostring(c) for c in chunks)
        whole = load_html(b"<html><body><article>" + joined + b"</article></body></html>")
        if whole is not None:
            fuller_text = _precise_text(whole, url, _paragraph_chars(whole))
            if len(fuller_text) > len(text):
                text = fuller_text
    return ExtractedPage(
        title=meta.title,
        text=text,
        author=meta.author,
        published=meta.published,
        language=guess_language(text, meta.language or lang),
        sitename=meta.sitename,
        canonical_url=_canonical(source),
        signature=signature(text),
    )


def _precise_text(tree: HtmlElement, url: str, paragraphs: int) -> str:
    """Precision mode: the own extractor alone, then the whole cascade where the external
    extractors could overrule it."""
    text, body = _text(tree, url, favor_precision=True, fast=True)
    if could_be_overruled(len(text), paragraphs, _thin(body)):
        text = _text(tree, url, favor_precision=True, fast=False)[0]
    return text


def could_be_overruled(text_chars: int, paragraph_chars: int, thin: bool) -> bool:
    """Whether readability or justext could take the place of the own extractor's text."""
    return thin or text_chars < SHORT_TEXT or text_chars < THIN_SHARE * paragraph_chars


def _thin(body: HtmlElement | None) -> bool:
    """No paragraph text, or more tables than paragraphs: readability's other reason."""
    if body is None:
        return True
    return not _HAS_PARAGRAPH_TEXT(body) or len(body.findall(".//table")) > len(
        body.findall(".//p")
    )


_HAS_PARAGRAPH_TEXT = XPath("boolean(.//p//text())")


def _paragraph_chars(tree: HtmlElement) -> int:
    return sum(len(p.text_content()) for p in tree.iter("p"))


_BODY_CLASS = re.compile(r"(article|story|post|entry)[-_]*(body|content|text)", re.IGNORECASE)
CHUNK_MIN_CHARS = 200  # of paragraph text, for an element to count as a body chunk
# Narrowed in C: a paragraph, or an element with paragraphs a level or two down, whose
# class holds "body", "content" or "text". The cheap child test first makes the scan a
# third of the cost of reading every element's class.
_CHUNK_CANDIDATES = XPath(
    "/descendant::*[self::p or p or */p]"
    "[contains(@class, 'ody') or contains(@class, 'ontent') or contains(@class, 'ext')]"
)


def body_chunks(tree: HtmlElement) -> list[HtmlElement]:
    """Elements of one body class ("article__body") that hold paragraphs, when there
    are several side by side rather than one: an article split between ads."""
    groups: dict[tuple[str, str], list[HtmlElement]] = {}
    for el in _CHUNK_CANDIDATES(tree):
        cls = el.get("class")
        if _BODY_CLASS.search(cls):
            groups.setdefault((str(el.tag), cls), []).append(el)
    for els in groups.values():
        if len(els) < 2:  # one body element: the usual case, nothing to join
            continue
        chunks = [e for e in els if _paragraph_chars(e) >= CHUNK_MIN_CHARS]
        if len(chunks) >= 2 and not any(
            other in chunk.iterancestors() for chunk in chunks for other in chunks
        ):
            return chunks
    return []


def _opening(chunk: HtmlElement) -> str:
    """A stretch of a chunk's longest paragraph, to see whether a text holds it."""
    longest = max((p.text_content() for p in chunk.iter("p")), key=len, default="")
    words = longest.split()
    return " ".join(words[:8])


def _text(
    tree: HtmlElement, url: str, favor_precision: bool, fast: bool
) -> tuple[str, HtmlElement | None]:
    """trafilatura's text of the page, and the body element it was read from."""
    doc = trafilatura.bare_extraction(
        tree,  # copied by trafilatura, which prunes what it reads
        url=url,
        include_comments=False,
        include_tables=True,
        # Precision drops "top stories" blocks that name watched people; on the corpus it
        # costs under 1% of ground-truth sentences (0.944 -> 0.939).
        favor_precision=favor_precision,
        fast=fast,
        with_metadata=False,
        deduplicate=False,
    )
    if doc is None or isinstance(doc, dict):  # dict only with as_dict=True, which we do not ask
        return "", None
    return (doc.text or "").strip(), doc.body


def _canonical(source: str) -> str | None:
    m = re.search(r"<link[^>]+rel=[\"']?canonical[\"']?[^>]*>", source[:200_000], re.IGNORECASE)
    if not m:
        return None
    try:
        el = lxml_html.fragment_fromstring(m.group(0))
    except Exception:  # lxml raises several types on junk markup
        return None
    href = (el.get("href") or "").strip()
    return href if href.startswith(("http://", "https://")) else None
