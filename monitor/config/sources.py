"""The configured feeds -> FeedSources, OPML files expanded."""

from __future__ import annotations

from monitor.config.opml import read_opml
from monitor.config.settings import FeedEntry, OpmlEntry, Settings
from monitor.types import FeedSource


def feed_sources(settings: Settings) -> list[FeedSource]:
    """Configured feeds, OPML files expanded; the first mention of a URL wins."""
    out: dict[str, FeedSource] = {}
    default = settings.defaults.poll_every
    for entry in settings.feeds:
        if isinstance(entry, FeedEntry):
            out.setdefault(
                entry.url, FeedSource(entry.url, entry.name, entry.every or default, entry.pages)
            )
        elif isinstance(entry, OpmlEntry):
            for url, name in read_opml(settings.path(entry.opml)):
                out.setdefault(url, FeedSource(url, name, entry.every or default, entry.pages))
    return list(out.values())
