"""Read one source: fetch it conditionally, parse it as its kind says, and for a sitemap
index, read its newest children. Bounded: a sitemap index is followed FOLLOW_DEPTH
levels down at most, each document once; a loop or a deeper nest is the source's error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from monitor.errors import FeedParseError, FetchError
from monitor.feeds.kinds import KINDS, Kind
from monitor.feeds.sitemap import FOLLOW, MAX_URLS
from monitor.fetch.client import redact
from monitor.types import (
    EARLIEST_PUBLISHED,
    FeedItem,
    FeedSource,
    FetchResult,
    NotModified,
    ParsedFeed,
    PollState,
)

FOLLOW_DEPTH = 2  # an index of indexes is read; one more level down is an error

Get = Callable[[str, PollState | None, str], Awaitable[FetchResult | NotModified]]
Parse = Callable[[Kind, FetchResult], Awaitable[ParsedFeed]]
Allowed = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True)
class Read:
    result: FetchResult | NotModified
    parsed: ParsedFeed | None = None  # None: not modified


async def read_source(
    src: FeedSource, state: PollState, get: Get, parse: Parse, allowed: Allowed | None
) -> Read:
    kind = KINDS[src.kind]
    if kind.robots and allowed is not None and not await allowed(src.url):
        raise FetchError(f"robots.txt of {redact(src.url)} disallows fetching it")
    result = await get(src.url, state, kind.accept)
    if not isinstance(result, FetchResult):
        return Read(result)
    parsed = await parse(kind, result)
    if parsed.follow:
        parsed = await _follow(kind, result.url, parsed, get, parse, allowed)
    return Read(result, parsed)


async def _follow(
    kind: Kind, root: str, parsed: ParsedFeed, get: Get, parse: Parse, allowed: Allowed | None
) -> ParsedFeed:
    """The items of a sitemap index's newest children (and theirs, one level more)."""
    read = {root}
    items: list[FeedItem] = list(parsed.items)
    frontier = list(parsed.follow)
    for depth in range(1, FOLLOW_DEPTH + 2):
        if not frontier:
            break
        if depth > FOLLOW_DEPTH:
            raise FeedParseError(
                f"sitemap indexes are nested more than {FOLLOW_DEPTH} deep below {redact(root)}"
            )
        later: list[str] = []
        for url in dict.fromkeys(frontier):
            if url in read:
                raise FeedParseError(f"sitemap {redact(url)} links back to itself (a loop)")
            read.add(url)
            if kind.robots and allowed is not None and not await allowed(url):
                continue
            child = await get(url, None, kind.accept)
            if isinstance(child, FetchResult):
                got = await parse(kind, child)
                items += got.items
                later += got.follow[:FOLLOW]
        frontier = later
    return replace(parsed, items=tuple(newest(items, MAX_URLS)), follow=())


def newest(items: list[FeedItem], limit: int) -> list[FeedItem]:
    """The `limit` newest items, undated ones last, each key once."""
    first: dict[str, FeedItem] = {}
    for i in items:
        first.setdefault(i.key, i)
    unique = list(first.values())
    unique.sort(key=lambda i: i.published or EARLIEST_PUBLISHED, reverse=True)
    return unique[:limit]
