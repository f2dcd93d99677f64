"""The source kinds: how each is asked for and read. One line per kind. Pure.

A kind's parser turns the fetched bytes into a ParsedFeed, so every kind goes on
through the same pipeline: what is new, the pages, matching, storing, stories.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from monitor.basics.lazy import lazy
from monitor.types import ParsedFeed, SourceKind

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)
SITEMAP_ACCEPT = "application/xml, text/xml;q=0.9, application/gzip;q=0.8, */*;q=0.5"
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"

Parser = Callable[[bytes, str, "str | None"], ParsedFeed]


@dataclass(frozen=True)
class Kind:
    parse: Parser  # runs in a parser worker, which imports it: named, not imported here
    accept: str
    # The source's own URL is fetched only where robots.txt allows: a site offers its
    # feeds to be polled, but a section page or a sitemap is fetched like any page. A
    # Telegram preview is the channel's own public feed, polled like one (the articles
    # its messages link to follow their sites' robots.txt).
    robots: bool
    what: str  # "parsing the <what>", in errors


KINDS: Mapping[SourceKind, Kind] = {
    "feed": Kind(lazy("monitor.feeds.parse", "parse_feed"), FEED_ACCEPT, robots=False, what="feed"),
    "sitemap": Kind(
        lazy("monitor.feeds.sitemap", "parse_sitemap"), SITEMAP_ACCEPT, robots=True, what="sitemap"
    ),
    "telegram": Kind(
        lazy("monitor.feeds.telegram", "parse_telegram"),
        HTML_ACCEPT,
        robots=False,
        what="channel preview",
    ),
    "page": Kind(
        lazy("monitor.feeds.section", "parse_section"),
        HTML_ACCEPT,
        robots=True,
        what="section page",
    ),
}
