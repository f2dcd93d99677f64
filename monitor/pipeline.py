"""Refresh one feed: fetch -> parse -> fetch pages -> extract -> match -> store.

The only place that strings the stages together. Everything CPU-bound runs in a
worker thread so the event loop keeps polling other feeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import structlog

from monitor.batch import Batcher
from monitor.dedup import canonical_url, clean_url, content_hash, outlet_of, same_site
from monitor.errors import FeedParseError, FetchError, RetryLater
from monitor.extract import extract_page
from monitor.feeds import parse_feed
from monitor.fetch.client import Fetcher, redact
from monitor.fetch.robots import Robots
from monitor.match import Matcher
from monitor.sandbox import Sandbox, SandboxError
from monitor.store.repo import (
    DueFeed,
    NewEntry,
    PollRecord,
    SavedArticle,
    Store,
    key_hash,
    utcnow,
)
from monitor.types import Article, ExtractedPage, FeedItem, FetchResult, PollState

log = structlog.get_logger()
P = ParamSpec("P")
T = TypeVar("T")

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
MAX_BACKOFF = timedelta(days=1)
# A server's freshness hint (Cache-Control max-age, RSS <ttl>) may stretch the
# interval, by up to this factor: politeness, without missing a day of news.
MAX_HINT_FACTOR = 4
PAGES_PER_WORKER = 16  # pages fetched or being extracted at once, per parser worker
SAVE_BATCH = 20  # feeds whose new articles are stored in one transaction


@dataclass(frozen=True)
class RefreshResult:
    url: str
    status: str  # "ok", "not-modified" or "error"
    new_items: int = 0
    new_hits: tuple[int, ...] = ()
    error: str | None = None


def next_poll(
    interval_s: int,
    errors: int,
    now: datetime,
    hint_s: float | None = None,
    retry_after_s: float | None = None,
) -> datetime:
    """When to poll a feed next.

    After a success: the configured interval, stretched (never shortened) by the
    server's freshness hint. After errors: exponentially longer with jitter, but
    never give up on a feed; a Retry-After is honoured (up to MAX_BACKOFF).
    """
    if errors <= 0:
        delay = float(interval_s)
        if hint_s:
            delay = max(
                delay, min(hint_s, interval_s * MAX_HINT_FACTOR, MAX_BACKOFF.total_seconds())
            )
        return now + timedelta(seconds=delay)
    backoff = min(timedelta(seconds=interval_s * 2 ** min(errors, 10)), MAX_BACKOFF)
    backoff *= random.uniform(0.8, 1.2)
    if retry_after_s is not None:
        backoff = max(backoff, min(timedelta(seconds=retry_after_s), MAX_BACKOFF))
    return now + backoff


_NO_LIMIT = contextlib.nullcontext()


async def _none() -> None:
    return None


def _unique_keys(items: Sequence[FeedItem]) -> list[FeedItem]:
    """A feed that lists one entry twice gets it processed once."""
    seen: dict[str, FeedItem] = {}
    for i in items:
        seen.setdefault(i.key, i)
    return list(seen.values())


def article_from(
    item: FeedItem, page: ExtractedPage | None, url: str, feed_name: str | None
) -> Article:
    """The page's text when extraction found some, else the feed entry's title and summary."""
    link = clean_url(item.link) if item.link else url
    if page is not None and page.text.strip():
        title = page.title or item.title
        text, source, sig = page.text, "page", page.signature
        fingerprint = content_hash(title, text)
    else:
        title, text, source, sig = item.title, item.summary, "feed", item.signature
        fingerprint = item.fingerprint  # the same hash, made with the item
    return Article(
        url=url,
        link=link,
        title=title or "(untitled)",
        text=text,
        outlet=feed_name or outlet_of(link, page.sitename if page else None),
        author=(page.author if page and page.author else item.author),
        # The feed's timestamp has the time of day; pages often give only a date.
        published=item.published or (page.published if page else None),
        language=page.language if page else None,
        source=source,
        content_hash=fingerprint,
        # The body only (made with it): a republished copy has a headline of its own.
        signature=sig,
    )


class Pipeline:
    def __init__(
        self,
        store: Store,
        fetcher: Fetcher,
        matcher: Callable[[], Matcher],
        sandbox: Sandbox | None = None,
        respect_robots: bool = True,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.matcher = matcher  # called per article: a reload swaps it between articles
        self.sandbox = sandbox
        self.robots = Robots(fetcher, fetcher.policy.user_agent) if respect_robots else None
        # Articles being processed now, by canonical URL: a story listed by two feeds
        # polled at the same moment is fetched once.
        self._inflight: dict[str, asyncio.Event] = {}
        self._polls: Batcher[PollRecord, None] = Batcher(store.record_polls)
        # Feeds finishing together share one transaction: a burst of new articles
        # costs a commit per batch of feeds, not per feed.
        self._saves: Batcher[tuple[int, Sequence[NewEntry]], list[SavedArticle]] = Batcher(
            store.save_feeds, max_batch=SAVE_BATCH
        )
        # Pages between fetch and extraction hold their bodies in memory: without a
        # bound, a thousand feeds polled at once queue gigabytes for the parsers.
        workers = sandbox.limits.workers if sandbox is not None else 2
        self._page_slots = asyncio.Semaphore(PAGES_PER_WORKER * workers)
        # A feed's articles are stored together once all its pages are in: feeds take
        # turns fetching pages, so a thousand feeds do not each hold a few extracted
        # pages while waiting for the rest.
        self._feed_slots = asyncio.Semaphore(PAGES_PER_WORKER * workers)

    async def _cpu(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Parse untrusted bytes: in the sandbox when there is one, else in a thread."""
        if self.sandbox is not None:
            return await self.sandbox.run(fn, *args, what=what)
        return await asyncio.to_thread(fn, *args)

    @staticmethod
    async def _db(fn: Callable[P, T], *args: P.args, **kw: P.kwargs) -> T:
        return await asyncio.to_thread(fn, *args, **kw)

    async def refresh(self, feed: DueFeed) -> RefreshResult:
        """Poll one feed. Never raises for a fault of the feed: it is recorded instead."""
        src = feed.source
        bound = log.bind(feed=redact(src.url))
        try:
            result = await self.fetcher.get(src.url, feed.state, accept=FEED_ACCEPT)
            if not isinstance(result, FetchResult):
                await self._polls.put(
                    PollRecord(
                        feed.id, True, next_poll(src.interval_s, 0, utcnow(), result.max_age_s)
                    )
                )
                bound.debug("feed not modified")
                return RefreshResult(src.url, "not-modified")
            try:
                parsed = await self._cpu(
                    "parsing the feed", parse_feed, result.body, result.url, result.content_type
                )
            except SandboxError as exc:
                raise FeedParseError(str(exc)) from exc
            items = _unique_keys(parsed.items)
            fresh = await self._db(
                self.store.fresh_entries, feed.id, [(i.key, i.fingerprint) for i in items]
            )
            todo = [i for i in items if i.key in fresh]
            hits = await self._entries(feed, todo, {k for k, edit in fresh.items() if edit})
            await self._polls.put(
                PollRecord(
                    feed.id,
                    True,
                    next_poll(
                        src.interval_s, 0, utcnow(), max(result.max_age_s or 0, parsed.ttl_s or 0)
                    ),
                    state=PollState(result.etag, result.last_modified),
                    new_items=len(todo),
                )
            )
            bound.info("feed polled", items=len(items), new=len(todo), hits=len(hits))
            return RefreshResult(src.url, "ok", len(todo), tuple(hits))
        except RetryLater as exc:
            return await self._failed(feed, str(exc), exc.after_s)
        except (FetchError, FeedParseError) as exc:
            return await self._failed(feed, str(exc))
        except Exception as exc:  # one broken feed must never stop the daemon
            bound.exception("feed refresh failed")
            return await self._failed(feed, f"internal error: {type(exc).__name__}: {exc}")

    async def _failed(
        self, feed: DueFeed, error: str, retry_after_s: float | None = None
    ) -> RefreshResult:
        errors = 1 + await self._db(self.store.error_count, feed.id)
        await self._polls.put(
            PollRecord(
                feed.id,
                False,
                next_poll(feed.source.interval_s, errors, utcnow(), retry_after_s=retry_after_s),
                error=error,
            )
        )
        log.warning("feed failed", feed=redact(feed.source.url), error=error, errors=errors)
        return RefreshResult(feed.source.url, "error", error=error)

    def _url_of(self, feed: DueFeed, item: FeedItem) -> str:
        if item.link:
            return canonical_url(item.link)
        # No link: the entry itself is the article.
        return f"{canonical_url(feed.source.url)}#entry-{key_hash(item.key)[:16]}"

    async def _entries(
        self,
        feed: DueFeed,
        items: Sequence[FeedItem],
        edited: set[str],
    ) -> list[int]:
        """Process a feed's new or edited entries; returns the new hit ids.

        `edited`: the keys of edited entries.

        An article being processed for another feed right now (the same story in two
        feeds polled together) is left to that feed, then looked up: fetched once.
        """
        pending: list[tuple[str, FeedItem]] = []
        for item in items:
            try:
                pending.append((self._url_of(feed, item), item))
            except Exception:
                log.exception("entry skipped", feed=redact(feed.source.url), entry=item.link)
        hits: list[int] = []
        while pending:
            mine: dict[str, FeedItem] = {}
            later: list[tuple[str, FeedItem]] = []
            waits: list[asyncio.Event] = []
            for url, item in pending:
                busy = self._inflight.get(url)
                if busy is not None or url in mine:
                    later.append((url, item))
                    if busy is not None:
                        waits.append(busy)
                    continue
                # No await inside this loop: claiming the URLs is atomic.
                mine[url] = item
                self._inflight[url] = asyncio.Event()
            try:
                hits.extend(await self._process(feed, mine, edited))
            finally:
                for url in mine:
                    self._inflight.pop(url).set()
            for ev in waits:
                await ev.wait()
            pending = later
        return hits

    async def _process(
        self, feed: DueFeed, items: dict[str, FeedItem], edited: set[str]
    ) -> list[int]:
        """Entries whose URLs this task holds: fetch, extract, match and store them together."""
        if not items:
            return []
        try:
            known = await self._db(self.store.known_articles, list(items))
            seen, todo = [], []
            for url, item in items.items():
                # Known by URL (listed by another feed, or with other tracking parameters):
                # only an edit of this feed's own entry is worth fetching again.
                if url in known and item.key not in edited:
                    seen.append((item.key, item.fingerprint, known[url]))
                else:
                    todo.append((url, item))
            if seen:
                await self._db(self.store.mark_seen, feed.id, seen)
            async with self._feed_slots if feed.source.pages else _NO_LIMIT:
                pages = await asyncio.gather(
                    *(
                        self._page(item) if item.link and feed.source.pages else _none()
                        for _, item in todo
                    )
                )
            matcher = self.matcher()
            batch = []
            for (url, item), page in zip(todo, pages, strict=True):
                article = article_from(item, page, self._page_url(url, page), feed.source.name)
                batch.append(
                    NewEntry(
                        article,
                        tuple(matcher.match(article.title, article.text)),
                        item.key,
                        item.fingerprint,
                    )
                )
            saved = await self._saves.put((feed.id, batch)) if batch else []
            return [h for sv in saved or () for h in sv.new_hits]
        except Exception:
            log.exception("entries failed", feed=redact(feed.source.url), entries=len(items))
            return []

    @staticmethod
    def _page_url(url: str, page: ExtractedPage | None) -> str:
        """The page's own canonical URL when it declares one on the same site, else the feed's."""
        if page is None or not page.canonical_url:
            return url
        try:
            declared = canonical_url(page.canonical_url)
        except Exception:
            return url
        return declared if same_site(declared, url) else url

    async def _page(self, item: FeedItem) -> ExtractedPage | None:
        assert item.link
        if self.robots is not None and not await self.robots.allowed(item.link):
            log.info(
                "page disallowed by robots.txt; matching the feed entry", url=redact(item.link)
            )
            return None
        async with self._page_slots:
            return await self._fetch_and_extract(item.link)

    async def _fetch_and_extract(self, link: str) -> ExtractedPage | None:
        try:
            res = await self.fetcher.get(link, accept=PAGE_ACCEPT)
        except FetchError as exc:
            log.info("page not fetched; matching the feed entry", url=redact(link), error=str(exc))
            return None
        if not isinstance(res, FetchResult):
            return None
        try:
            return await self._cpu(
                "extracting the page", extract_page, res.body, res.url, res.content_type
            )
        except SandboxError as exc:
            log.warning(
                "page not extracted; matching the feed entry", url=redact(res.url), error=str(exc)
            )
            return None
