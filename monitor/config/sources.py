"""The configured sources -> FeedSources, OPML files expanded."""

from __future__ import annotations

from monitor.config.feeds import FeedEntry, OpmlEntry, PageEntry, SitemapEntry, TelegramEntry
from monitor.config.opml import read_opml
from monitor.config.settings import Settings
from monitor.types import FeedSource


def feed_sources(settings: Settings) -> list[FeedSource]:
    """Configured sources, OPML files expanded; the first mention of a URL wins."""
    out: dict[str, FeedSource] = {}
    default = settings.defaults.poll_every
    for entry in settings.feeds:
        every = entry.every or default
        if isinstance(entry, OpmlEntry):
            for url, name in read_opml(settings.path(entry.opml)):
                out.setdefault(url, FeedSource(url, name, every, entry.pages))
        elif isinstance(entry, FeedEntry):
            out.setdefault(entry.url, FeedSource(entry.url, entry.name, every, entry.pages))
        elif isinstance(entry, SitemapEntry):
            src = FeedSource(entry.sitemap, entry.name, every, entry.pages, kind="sitemap")
            out.setdefault(entry.sitemap, src)
        elif isinstance(entry, PageEntry):
            out.setdefault(
                entry.page, FeedSource(entry.page, entry.name, every, entry.pages, "page")
            )
        elif isinstance(entry, TelegramEntry):
            name = entry.name or f"@{entry.url.rstrip('/').rsplit('/', 1)[-1]}"
            out.setdefault(entry.url, FeedSource(entry.url, name, every, entry.pages, "telegram"))
    return list(out.values())
