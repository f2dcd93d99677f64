"""OPML (a feed reader's export) -> feed URLs and names."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from monitor.errors import ConfigError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read_opml(path: Path) -> list[tuple[str, str | None]]:
    try:
        root = etree.fromstring(path.read_bytes(), _PARSER)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read OPML: {exc.strerror}") from exc
    except etree.XMLSyntaxError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid OPML: {exc.msg}") from exc
    feeds = []
    for el in root.iter("outline"):
        url = (el.get("xmlUrl") or el.get("xmlurl") or "").strip()
        if url.startswith(("http://", "https://")):
            feeds.append((url, el.get("title") or el.get("text") or None))
    return feeds
