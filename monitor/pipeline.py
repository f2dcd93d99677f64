"""Refresh one feed: fetch -> parse -> fetch pages -> extract -> match -> store.

The only place that strings the stages together. Everything CPU-bound runs in a
worker thread so the event loop keeps polling other feeds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import structlog

from monitor.batch import Batcher
from monitor.dedup import canonical_url, content_hash, outlet_of
from monitor.errors import FeedParseError, FetchError, RetryLater
from monitor.extract import extract_page
from monitor.feeds import parse_feed
from monitor.fetch.client import Fetcher, redact
from monitor.fetch.robots import Robots
from monitor.match import Matcher
from monitor.sandbox import Sandbox, SandboxError
from monitor.store.repo import DueFeed, PollRecord, Store, key_hash, utcnow
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
PAGES_PER_WORKER = 4  # pages fetched or being extracted at once, per parser worker


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


def article_from(
    item: FeedItem, page: ExtractedPage | None, url: str, feed_name: str | None
) -> Article:
    """The page's text when extraction found some, else the feed entry's title and summary."""
    link = item.link or url
    if page is not None and page.text.strip():
        title = page.title or item.title
        text, source = page.text, "page"
    else:
        title, text, source = item.title, item.summary, "feed"
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
        content_hash=content_hash(title or "", text),
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
        self._polls: Batcher[PollRecord] = Batcher(store.record_polls)
        # Pages between fetch and extraction hold their bodies in memory: without a
        # bound, a thousand feeds polled at once queue gigabytes for the parsers.
        workers = sandbox.limits.workers if sandbox is not None else 2
        self._page_slots = asyncio.Semaphore(PAGES_PER_WORKER * workers)

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
            items = parsed.items
            unseen = await self._db(self.store.unseen_keys, feed.id, [i.key for i in items])
            fresh = [i for i in items if i.key in unseen]
            hits: list[int] = []
            for got in await asyncio.gather(*(self._item(feed, i) for i in fresh)):
                hits.extend(got)
            await self._polls.put(
                PollRecord(
                    feed.id,
                    True,
                    next_poll(
                        src.interval_s, 0, utcnow(), max(result.max_age_s or 0, parsed.ttl_s or 0)
                    ),
                    state=PollState(result.etag, result.last_modified),
                    new_items=len(fresh),
                )
            )
            bound.info("feed polled", items=len(items), new=len(fresh), hits=len(hits))
            return RefreshResult(src.url, "ok", len(fresh), tuple(hits))
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

    async def _item(self, feed: DueFeed, item: FeedItem) -> list[int]:
        """Process one new entry; a failure costs only this entry."""
        try:
            if item.link:
                url = canonical_url(item.link)
            else:  # no link: the entry itself is the article
                url = f"{canonical_url(feed.source.url)}#entry-{key_hash(item.key)[:16]}"
            while (busy := self._inflight.get(url)) is not None:
                await busy.wait()
            # No await between the loop and this line: claiming the URL is atomic.
            done = self._inflight[url] = asyncio.Event()
            try:
                known = await self._db(self.store.article_id, url)
                if known is not None:  # listed by another feed, or with other tracking parameters
                    await self._db(self.store.mark_seen, feed.id, item.key, known)
                    return []
                page = await self._page(item) if item.link and feed.source.pages else None
                article = article_from(item, page, url, feed.source.name)
                matches = self.matcher().match(article.title, article.text)
                saved = await self._db(
                    self.store.save_article, article, matches, feed_id=feed.id, entry_key=item.key
                )
            finally:
                done.set()
                self._inflight.pop(url, None)
            return list(saved.new_hits)
        except Exception:
            log.exception("entry failed", feed=redact(feed.source.url), entry=item.link)
            return []

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
