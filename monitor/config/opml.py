"""OPML (a feed reader's export) -> feed URLs and names."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from monitor.errors import ConfigError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_HTML = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html)", re.IGNORECASE | re.DOTALL)


def read_opml(path: Path, required: bool = True) -> list[tuple[str, str | None]]:
    """(url, name) of each http(s) feed outline. A file that is not OPML, or (when
    `required`) holds no http(s) feed, is an error that says what it holds instead."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read OPML: {exc.strerror}") from exc
    if _HTML.match(raw[:4096]):
        raise ConfigError(f"{path}: an HTML page, not OPML (a feed reader's export)")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid OPML: {exc.msg}") from exc
    tag = etree.QName(root).localname.lower() if isinstance(root.tag, str) else ""
    if tag != "opml":
        raise ConfigError(f"{path}: not OPML: its root element is <{tag}>, not <opml>")
    feeds, other = [], []
    for el in root.iter("outline"):
        url = (el.get("xmlUrl") or el.get("xmlurl") or "").strip()
        if url.startswith(("http://", "https://")):
            feeds.append((url, el.get("title") or el.get("text") or None))
        elif url:
            other.append(url)
    if required and not feeds:
        if other:
            raise ConfigError(
                f"{path}: none of its {len(other)} feed outlines is an http(s) URL "
                f"(the first is {other[0]!r})"
            )
        raise ConfigError(f"{path}: no feed outlines (outline elements with an xmlUrl)")
    return feeds
