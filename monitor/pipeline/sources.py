"""Read one source: fetch it conditionally, parse it as its kind says, and for a sitemap
index, read its newest children. Bounded: a sitemap index is followed FOLLOW_DEPTH
levels down at most, each document once; a loop or a deeper nest is the source's error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from monitor.errors import FeedParseError, FetchError
from monitor.feeds.kinds import KINDS, Kind
from monitor.feeds.sitemap import FOLLOW, MAX_URLS
from monitor.fetch.client import redact
from monitor.identity.urls import same_site
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
SITEMAP_BUDGET = 3  # an index and its children are read within this many fetch deadlines

Get = Callable[[str, PollState | None, str], Awaitable[FetchResult | NotModified]]
Parse = Callable[[Kind, FetchResult], Awaitable[ParsedFeed]]
Allowed = Callable[[str], Awaitable[bool]]


@dataclass(frozen=True)
class Read:
    result: FetchResult | NotModified
    parsed: ParsedFeed | None = None  # None: not modified
    # A sitemap index: its validators must not be kept. The news is in its children,
    # which change while the index itself may not, so it is read in full each poll.
    index: bool = False


async def read_source(
    src: FeedSource,
    state: PollState,
    get: Get,
    parse: Parse,
    allowed: Allowed | None,
    budget_s: float,
) -> Read:
    """The source as its kind reads it; a sitemap index and its children within
    `budget_s` in all."""
    kind = KINDS[src.kind]
    if kind.robots and allowed is not None and not await allowed(src.url):
        raise FetchError(f"robots.txt of {redact(src.url)} disallows fetching it")
    result = await get(src.url, state, kind.accept)
    if not isinstance(result, FetchResult):
        return Read(result)
    parsed = await parse(kind, result)
    if not parsed.follow:
        return Read(result, parsed)
    try:
        async with asyncio.timeout(budget_s):
            parsed = await _follow(kind, result.url, parsed, get, parse, allowed)
    except TimeoutError:
        raise FetchError(
            f"sitemap {redact(src.url)} and its children took over {budget_s:g}s to read"
        ) from None
    return Read(result, parsed, index=True)


async def _follow(
    kind: Kind, root: str, parsed: ParsedFeed, get: Get, parse: Parse, allowed: Allowed | None
) -> ParsedFeed:
    """The items of a sitemap index's newest children (and theirs, one level more), on
    the index's own site (sitemaps.org: a sitemap lists its own host's pages). A child
    that fails is left out; the read fails only when every child does."""
    read = {root}
    items: list[FeedItem] = list(parsed.items)
    # Each child with the indexes above it.
    frontier: list[tuple[str, tuple[str, ...]]] = [(url, (root,)) for url in parsed.follow]
    failures: list[str] = []
    tried = 0
    for depth in range(1, FOLLOW_DEPTH + 2):
        if not frontier:
            break
        if depth > FOLLOW_DEPTH:
            raise FeedParseError(
                f"sitemap indexes are nested more than {FOLLOW_DEPTH} deep below {redact(root)}"
            )
        later: list[tuple[str, tuple[str, ...]]] = []
        for url, above in frontier:
            if url in above:
                raise FeedParseError(f"sitemap {redact(url)} links back to itself (a loop)")
            if url in read or not same_site(url, root):
                continue  # listed twice, or another site's
            read.add(url)
            if kind.robots and allowed is not None and not await allowed(url):
                continue
            tried += 1
            try:
                child = await get(url, None, kind.accept)
                if not isinstance(child, FetchResult):
                    continue
                got = await parse(kind, child)
            except (FetchError, FeedParseError) as exc:
                failures.append(f"child sitemap {redact(url)}: {exc}")
                continue
            items += (i for i in got.items if i.link is None or same_site(i.link, root))
            later += [(u, (*above, url)) for u in got.follow[:FOLLOW]]
        frontier = later
    if tried and len(failures) == tried:
        raise FetchError("; ".join(failures[:3]))
    note = "; ".join(failures[:3]) or parsed.bozo_reason
    return replace(parsed, items=tuple(newest(items, MAX_URLS)), follow=(), bozo_reason=note)


def newest(items: list[FeedItem], limit: int) -> list[FeedItem]:
    """The `limit` newest items, undated ones last, each key once."""
    first: dict[str, FeedItem] = {}
    for i in items:
        first.setdefault(i.key, i)
    unique = list(first.values())
    unique.sort(key=lambda i: i.published or EARLIEST_PUBLISHED, reverse=True)
    return unique[:limit]
