"""`monitor feeds add`: fetch a page, try the addresses it and its site offer, keep
those that read as a feed or a news sitemap with at least one item.

Every request goes through the fetcher (address guard, size cap, deadline). robots.txt
is read for its Sitemap: lines only: a person asked for this one site, so it does not
decide what is fetched. Each candidate is read the way the daemon reads a source
(pipeline.sources.read_source: a sitemap index's newest children are followed), so
what is shown is what polling it would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from monitor.errors import FetchError, MonitorError
from monitor.feeds.discover import (
    ORIGINS,
    Candidate,
    Found,
    guessed_candidates,
    looks_like_html,
    origin_of,
    page_candidates,
    rank,
    robots_sitemaps,
    unique,
    url_key,
)
from monitor.feeds.kinds import HTML_ACCEPT, KINDS, Kind
from monitor.fetch.client import Fetching
from monitor.pipeline.sources import SITEMAP_BUDGET, read_source
from monitor.types import (
    FeedItem,
    FeedSource,
    FetchResult,
    NotModified,
    ParsedFeed,
    PollState,
    SourceKind,
)

CONCURRENCY = 4  # candidates fetched at once (the fetcher's per-host limit also applies)
EXAMPLES = 3  # article titles shown when the page itself is offered


class DiscoveryError(MonitorError):
    """Nothing could be found at the address; the message says what was tried."""


@dataclass
class Tried:
    """What was looked at, for the message when nothing is found."""

    page_links: int = 0
    robots: str = "not read"
    guessed: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # url -> why not

    def summary(self) -> str:
        n = self.page_links
        links = f"{n} feed link{'' if n == 1 else 's'}" if n else "no feed links"
        parts = [f"the page ({links})", f"robots.txt ({self.robots})"]
        if self.guessed:
            paths = ", ".join(
                urlsplit(u).path + (f"?{q}" if (q := urlsplit(u).query) else "")
                for u in self.guessed
            )
            parts.append(f"the usual paths ({paths})")
        return "; ".join(parts)


@dataclass(frozen=True)
class Discovery:
    url: str  # the page, after redirects
    found: list[Found]  # best first, at least one
    tried: Tried


async def discover(url: str, fetcher: Fetching) -> Discovery:
    """The feeds, news sitemaps, or else the section page, that `url` leads to.
    DiscoveryError when the page cannot be read or offers nothing."""
    try:
        page = await fetcher.get(url, None, HTML_ACCEPT)
    except FetchError as exc:
        raise DiscoveryError(f"{url}: {exc}") from exc
    if not isinstance(page, FetchResult):  # no validators were sent: cannot happen
        raise DiscoveryError(f"{url}: the server answered 304 Not Modified to a plain GET")
    tried = Tried()
    limit = asyncio.Semaphore(CONCURRENCY)
    if not looks_like_html(page.body, page.content_type):
        # The address may be the feed or the sitemap itself.
        itself = await _evaluate(Candidate(page.url, "feed", "self"), fetcher, limit, tried, page)
        if itself is None:
            ctype = (page.content_type or "no content type").split(";")[0]
            raise DiscoveryError(
                f"{url}: not an HTML page ({ctype}), and not a feed or sitemap with items"
                + (f": {tried.failures[page.url]}" if page.url in tried.failures else "")
            )
        return Discovery(page.url, [itself], tried)

    declared, robots = await asyncio.gather(
        asyncio.to_thread(page_candidates, page.body, page.url), _robots(page.url, fetcher, tried)
    )
    tried.page_links = len(declared)
    found = await _evaluate_all(unique(declared + robots), fetcher, limit, tried)
    if not any(f.kind == "feed" for f in found):
        seen = {url_key(c.url) for c in declared + robots}
        guessed = [c for c in guessed_candidates(page.url) if url_key(c.url) not in seen]
        tried.guessed = [c.url for c in guessed]
        found += await _evaluate_all(guessed, fetcher, limit, tried)
    if not found and (offer := await _section(page)) is not None:
        found = [offer]
    if not found:
        raise DiscoveryError(
            f"{url}: no feed, news sitemap or list of article links found; tried {tried.summary()}"
        )
    return Discovery(page.url, rank(_distinct(found)), tried)


async def _robots(page_url: str, fetcher: Fetching, tried: Tried) -> list[Candidate]:
    url = origin_of(page_url) + "/robots.txt"
    try:
        got = await fetcher.get(url, None, "text/plain")
    except FetchError as exc:
        tried.robots = str(exc)
        return []
    if not isinstance(got, FetchResult):
        return []
    found = robots_sitemaps(got.body[: 512 * 1024].decode("utf-8", "replace"), got.url)
    tried.robots = f"{len(found)} Sitemap: line(s)" if found else "no Sitemap: lines"
    return found


async def _evaluate_all(
    cands: list[Candidate], fetcher: Fetching, limit: asyncio.Semaphore, tried: Tried
) -> list[Found]:
    results = await asyncio.gather(*(_evaluate(c, fetcher, limit, tried) for c in cands))
    return [f for f in results if f is not None]


async def _evaluate(
    cand: Candidate,
    fetcher: Fetching,
    limit: asyncio.Semaphore,
    tried: Tried,
    have: FetchResult | None = None,
) -> Found | None:
    """The candidate as a feed or a sitemap (the kind it is expected to be first), or
    None with the reason kept in `tried`."""
    async with limit:
        try:
            got = have or await fetcher.get(cand.url, None, KINDS[cand.kind].accept)
        except FetchError as exc:
            tried.failures[cand.url] = str(exc)
            return None
        if not isinstance(got, FetchResult):
            return None
        if looks_like_html(got.body, got.content_type):
            # Many sites answer every path with their home page.
            tried.failures[cand.url] = "an HTML page"
            return None
        other: SourceKind = "sitemap" if cand.kind == "feed" else "feed"
        why = "no items"
        for kind in (cand.kind, other):
            try:
                parsed = await _read(kind, got, fetcher)
            except Exception as exc:  # any parser's complaint: not this kind
                why = str(exc) or type(exc).__name__
                continue
            if parsed.items:
                return _found(kind, got.url, parsed, cand)
        tried.failures[cand.url] = why
        return None


async def _read(kind: SourceKind, got: FetchResult, fetcher: Fetching) -> ParsedFeed:
    """`got` read as `kind`, as the daemon reads it, sitemap index children and all."""

    async def get(url: str, state: PollState | None, accept: str) -> FetchResult | NotModified:
        return got if url == got.url else await fetcher.get(url, state, accept)

    source = FeedSource(got.url, None, 0, kind=kind)
    budget = SITEMAP_BUDGET * fetcher.policy.timeout_s
    read = await read_source(source, PollState(), get, _parse, None, budget)
    return read.parsed or ParsedFeed(None, ())


async def _parse(kind: Kind, result: FetchResult) -> ParsedFeed:
    return await asyncio.to_thread(kind.parse, result.body, result.url, result.content_type)


def _found(kind: SourceKind, url: str, parsed: ParsedFeed, cand: Candidate) -> Found:
    dates = [i.published for i in parsed.items if i.published is not None]
    title = " ".join((parsed.title or "").split()) or None
    return Found(
        kind,
        url,
        title,
        len(parsed.items),
        max(dates, default=None),
        cand.origin,
        examples=_titles(parsed.items),
        keys=tuple(i.key for i in parsed.items[:3]),
    )


def _titles(items: Iterable[FeedItem]) -> tuple[str, ...]:
    out = []
    for item in items:
        title = " ".join(item.title.split())
        if title:
            out.append(title)
        if len(out) == EXAMPLES:
            break
    return tuple(out)


async def _section(page: FetchResult) -> Found | None:
    """The page itself, when the section-page parser finds article links on it."""
    try:
        parsed = await _parse(KINDS["page"], page)
    except Exception:  # a page the parser cannot read offers nothing
        return None
    if not parsed.items:
        return None
    return _found("page", page.url, parsed, Candidate(page.url, "page", "self"))


def _distinct(found: list[Found]) -> list[Found]:
    """Each final address once. A guessed path serving a feed already found (/feed and
    /rss, /feed/ and /?feed=rss2 on one site) is left out: the first, more trusted, stays."""
    out: list[Found] = []
    urls: set[str] = set()
    feeds: set[tuple[object, ...]] = set()
    for f in sorted(found, key=lambda f: ORIGINS.index(f.origin)):
        same = (f.kind, f.title, f.keys)
        if url_key(f.url) in urls or (f.origin in ("common", "well-known") and same in feeds):
            continue
        urls.add(url_key(f.url))
        feeds.add(same)
        out.append(f)
    return out
