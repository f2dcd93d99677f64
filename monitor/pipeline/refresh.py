"""Refresh one source: fetch -> parse (as its kind says) -> decide what is new -> fetch
pages -> extract -> match -> store -> record the poll.

The only place that strings the stages together, and the one per-feed error
boundary: whatever goes wrong is recorded as that feed's failure and the daemon
goes on. A poll whose entries could not be stored keeps the feed's old ETag and
Last-Modified, so the next poll gets the whole feed again and stores them then.
Parsing runs in the parser workers and database calls in threads, so the event
loop keeps polling other feeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import structlog
from sqlalchemy.exc import SQLAlchemyError

from monitor.basics.lazy import lazy
from monitor.clock import Clock
from monitor.errors import FeedParseError, FetchError, RetryLater, SandboxError, StoreError
from monitor.extract.sandbox import Sandbox
from monitor.feeds.kinds import HTML_ACCEPT, KINDS, Kind
from monitor.fetch.client import Fetching, redact
from monitor.fetch.robots import Robots
from monitor.identity.urls import entry_url, page_url
from monitor.match.matcher import Matcher
from monitor.metrics import Metrics
from monitor.pipeline.article import article_from
from monitor.pipeline.batch import Batcher
from monitor.pipeline.decide import Fresh, fresh_items, split_known, unique_items
from monitor.pipeline.inflight import InFlight
from monitor.pipeline.next_poll import next_poll
from monitor.pipeline.ports import PipelineStore
from monitor.pipeline.sources import SITEMAP_BUDGET, read_source
from monitor.pipeline.subscribe import Subscriber
from monitor.pipeline.websub import poll_interval
from monitor.store.base import describe_db_error
from monitor.types import (
    Article,
    DueFeed,
    ExtractedPage,
    FeedBatch,
    FeedItem,
    FetchResult,
    NewEntry,
    ParsedFeed,
    PollRecord,
    PollState,
    PushSubscription,
    RefreshResult,
    RefreshStatus,
    SavedArticle,
)

log = structlog.get_logger()
P = ParamSpec("P")
T = TypeVar("T")

PAGES_PER_WORKER = 16  # pages fetched or being extracted at once, per parser worker
SAVE_BATCH = 20  # feeds whose new articles are stored in one transaction
# A page another daemon is fetching is left to it: its claim lasts this long at most,
# and the feed that met it is polled again this soon, its validators kept.
PAGE_CLAIM = timedelta(minutes=10)
DEFERRED_RETRY_S = 60
# monitor.extract.maintext.extract_page, imported by the parser workers alone
EXTRACT_PAGE: Callable[[bytes, str, str | None], ExtractedPage] = lazy(
    "monitor.extract.maintext", "extract_page"
)

_NO_LIMIT = contextlib.nullcontext()


async def _none() -> None:
    return None


def _without_page(f: Fresh) -> Fresh:
    return replace(f, item=replace(f.item, fetch_page=False))


def _matched_text(item: FeedItem, article: Article) -> str:
    """The article's text, and an entry's own text beside it (a Telegram message)."""
    if item.own_text and article.source == "page" and item.summary not in article.text:
        return f"{article.text}\n\n{item.summary}"
    return article.text


def _has_page(item: FeedItem) -> bool:
    """The entry links to a page to fetch (not a Telegram message's own address)."""
    return bool(item.link) and item.fetch_page


class Pipeline:
    def __init__(
        self,
        store: PipelineStore,
        fetcher: Fetching,
        matcher: Callable[[], Matcher],
        sandbox: Sandbox | None = None,
        respect_robots: bool = True,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        owner: str | None = None,
        metrics: Metrics | None = None,
        subscriber: Subscriber | None = None,
    ) -> None:
        self.store = store
        self.subscriber = subscriber  # WebSub: None unless http.public_url is set
        self.metrics = metrics
        self.fetcher = fetcher
        self.matcher = matcher  # called per batch of articles: a reload swaps it in between
        self.sandbox = sandbox
        self.robots = Robots(fetcher, fetcher.policy.user_agent) if respect_robots else None
        self.clock = clock or store.clock
        self.rng = rng or random.Random()
        # The daemon this runs in: with several on one database, each article page is
        # claimed before it is fetched. None: no claims (a process alone).
        self.owner = owner
        self._inflight = InFlight()
        self._polls: Batcher[PollRecord, None] = Batcher(store.record_polls)
        # WebSub: a 304's feed is looked up with those of the polls ending beside it.
        self._subs: Batcher[int, PushSubscription | None] = Batcher(store.push_subscriptions)
        # Feeds finishing together share one transaction: a burst of new articles
        # costs a commit per batch of feeds, not per feed.
        self._saves: Batcher[FeedBatch, list[SavedArticle]] = Batcher(
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

    async def refresh(self, feed: DueFeed, pushed: FetchResult | None = None) -> RefreshResult:
        """Poll one source, or take what its WebSub hub `pushed`. Never raises: a failure
        is recorded as the source's error."""
        url = feed.source.url
        try:
            return await self._refresh(feed, pushed)
        except RetryLater as exc:
            return await self._failed(feed, "error", str(exc), exc.after_s)
        except (FetchError, FeedParseError) as exc:
            return await self._failed(feed, "error", str(exc))
        except StoreError as exc:  # the database refused the entries: stored next poll
            return await self._failed(feed, "internal-error", str(exc))
        except SQLAlchemyError as exc:  # the database is away: polled again when due
            if self.metrics is not None:
                self.metrics.db_errors.inc()
            return await self._failed(feed, "internal-error", f"database: {describe_db_error(exc)}")
        except Exception as exc:  # ours (storing, a bug): it costs this feed's poll only
            log.exception("feed refresh failed", feed=redact(url))
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return await self._failed(feed, "internal-error", f"{type(exc).__name__}: {first}")

    async def _refresh(self, feed: DueFeed, pushed: FetchResult | None) -> RefreshResult:
        src = feed.source
        index = False
        if pushed is not None:
            result, parsed = pushed, await self._parse(KINDS["feed"], pushed)
        else:
            allowed = self.robots.allowed if self.robots is not None else None
            budget = SITEMAP_BUDGET * self.fetcher.policy.timeout_s
            read = await read_source(
                src, feed.state, self.fetcher.get, self._parse, allowed, budget
            )
            if read.parsed is None or not isinstance(read.result, FetchResult):
                every = await self._push_interval(feed, None)
                await self._polls.put(self._success(feed, read.result.max_age_s, every_s=every))
                log.debug("feed not modified", feed=redact(src.url))
                return RefreshResult(src.url, "not-modified")
            result, parsed, index = read.result, read.parsed, read.index
        items = unique_items(parsed.items)
        seen = await self._db(self.store.entry_fingerprints, feed.id, [i.key for i in items])
        fresh = fresh_items(items, seen)
        hits, deferred = await self._entries(feed, fresh)
        # Only now, with every entry stored: the validators of a poll whose entries
        # were not stored must not be kept, or the feed answers 304 from then on. Nor
        # those of a poll that left entries to another daemon: it is polled again soon.
        hint = max(result.max_age_s or 0, parsed.ttl_s or 0)
        # A push carries no validators: those of the last poll stay. A sitemap index
        # keeps none: it is read in full each time (see pipeline.sources.Read).
        ok = not deferred and pushed is None
        state = PollState(result.etag, result.last_modified) if ok else None
        if index and ok:
            state = PollState()
        done = len(fresh) - deferred
        every = await self._push_interval(feed, parsed)
        await self._polls.put(self._success(feed, hint, state, done, deferred > 0, every))
        log.info(
            "feed pushed" if pushed is not None else "feed polled",
            feed=redact(src.url),
            items=len(items),
            new=done,
            hits=len(hits),
            **({"left_to_other_daemons": deferred} if deferred else {}),
        )
        return RefreshResult(src.url, "ok", done, tuple(hits))

    def _success(
        self,
        feed: DueFeed,
        hint_s: float | None,
        state: PollState | None = None,
        new: int = 0,
        soon: bool = False,
        every_s: int | None = None,
    ) -> PollRecord:
        now = self.clock()
        at = next_poll(every_s or feed.source.interval_s, 0, now, self.rng, hint_s)
        if soon:
            at = min(at, now + timedelta(seconds=DEFERRED_RETRY_S))
        return PollRecord(feed.id, True, at, state=state, new_items=new, lease=feed.lease)

    async def _failed(
        self,
        feed: DueFeed,
        status: RefreshStatus,
        error: str,
        retry_after_s: float | None = None,
    ) -> RefreshResult:
        errors = feed.errors + 1
        at = next_poll(
            feed.source.interval_s, errors, self.clock(), self.rng, retry_after_s=retry_after_s
        )
        url = redact(feed.source.url)
        log.warning("feed failed", feed=url, error=error, errors=errors)
        try:
            await self._polls.put(PollRecord(feed.id, False, at, error=error, lease=feed.lease))
        except SQLAlchemyError as exc:  # the database is away: the lease runs out, and
            # another poll (this daemon's or another's) comes when it has
            log.warning("feed failure not recorded", feed=url, error=describe_db_error(exc))
        return RefreshResult(feed.source.url, status, error=error)

    async def _parse(self, kind: Kind, result: FetchResult) -> ParsedFeed:
        try:
            return await self._cpu(
                f"parsing the {kind.what}", kind.parse, result.body, result.url, result.content_type
            )
        except SandboxError as exc:
            raise FeedParseError(str(exc)) from exc

    async def _push_interval(self, feed: DueFeed, parsed: ParsedFeed | None) -> int | None:
        """Subscribe to (or renew at) the hub a feed names; a feed its hub pushes is
        then polled at the longer safety-net interval (also after a 304: `parsed` None)."""
        if self.subscriber is None or feed.source.kind != "feed":
            return None
        try:
            if parsed is None:
                sub = await self._subs.put(feed.id)
            else:
                sub = await self.subscriber.consider(feed, parsed.hub, parsed.self_url)
        except SQLAlchemyError as exc:  # the poll is stored: only the subscription waits
            url, error = redact(feed.source.url), describe_db_error(exc)
            log.warning("WebSub subscription not checked", feed=url, error=error)
            return None
        return poll_interval(feed.source.interval_s, sub, self.clock())

    async def _entries(self, feed: DueFeed, fresh: Sequence[Fresh]) -> tuple[list[int], int]:
        """Process a feed's new and edited entries; returns the new hit ids, and how many
        entries were left to another daemon fetching their pages.

        An article being processed for another feed right now (the same story in two
        feeds polled together) is left to that feed, then looked up: fetched once.
        """
        pending = [(entry_url(feed.source.url, f.item.link, f.item.key), f) for f in fresh]
        hits: list[int] = []
        deferred = 0
        while pending:
            claim = self._inflight.claim(pending)
            try:
                found, left = await self._process(feed, claim.mine)
                hits += found
                deferred += left
            finally:
                self._inflight.release(claim.mine)
            await claim.wait()
            pending = claim.later
        return hits, deferred

    async def _process(self, feed: DueFeed, entries: dict[str, Fresh]) -> tuple[list[int], int]:
        """Entries whose URLs this task holds: fetch, extract, match and store them together."""
        if not entries:
            return [], 0
        known = await self._db(self.store.known_articles, list(entries))
        seen, todo = split_known(entries, known)
        if seen:
            await self._db(self.store.mark_seen, feed.id, seen)
        fetching = feed.source.pages
        # A message about an article stored already is matched alone: the page is not
        # fetched again for it.
        todo = [(url, _without_page(f) if url in known and not f.edited else f) for url, f in todo]
        claimed: set[str] = set()
        deferred = 0
        if fetching and self.owner is not None:
            wanted = [url for url, f in todo if _has_page(f.item)]
            claimed = await self._db(self.store.claim_pages, self.owner, wanted, PAGE_CLAIM)
            deferred = len(wanted) - len(claimed)
            todo = [(url, f) for url, f in todo if url in claimed or not _has_page(f.item)]
        try:
            return await self._store(feed, todo, fetching), deferred
        finally:
            if claimed:
                await self._db(self.store.release_pages, self.owner or "", claimed)

    async def _store(
        self, feed: DueFeed, todo: Sequence[tuple[str, Fresh]], fetching: bool
    ) -> list[int]:
        """Fetch and extract the entries' pages, match and store the articles."""
        # A feed's pages on one host are fetched per_host at a time: the rest wait for
        # their turn here, not in a page slot that another feed's page could use. (At
        # 100 ms a request, pages waiting in slots for their host halved pages/s.)
        per_host = self.fetcher.policy.per_host
        turns: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
        async with self._feed_slots if fetching else _NO_LIMIT:
            pages = await asyncio.gather(
                *(
                    self._page(f.item, turns[urlsplit(f.item.link or "").hostname or ""])
                    if _has_page(f.item) and fetching
                    else _none()
                    for _, f in todo
                )
            )
        matcher = self.matcher()
        batch = []
        for (url, f), page in zip(todo, pages, strict=True):
            own = page_url(url, page.canonical_url if page else None)
            article = article_from(f.item, page, own, feed.source.name)
            matches = tuple(matcher.match(article.title, _matched_text(f.item, article)))
            batch.append(NewEntry(article, matches, f.item.key, f.item.fingerprint))
        if not batch:
            return []
        saved = await self._saves.put(FeedBatch(feed.id, batch, feed.lease))
        return [h for sv in saved or () for h in sv.new_hits]

    async def _page(self, item: FeedItem, turn: asyncio.Semaphore) -> ExtractedPage | None:
        assert item.link
        if self.robots is not None and not await self.robots.allowed(item.link):
            log.info(
                "page disallowed by robots.txt; matching the feed entry", url=redact(item.link)
            )
            return None
        async with turn, self._page_slots:  # the host's turn first, then a slot
            return await self._fetch_and_extract(item.link)

    async def _fetch_and_extract(self, link: str) -> ExtractedPage | None:
        """The page's text, or None when it cannot be had: the feed entry is matched instead."""
        try:
            res = await self.fetcher.get(link, accept=HTML_ACCEPT)
        except FetchError as exc:
            log.info("page not fetched; matching the feed entry", url=redact(link), error=str(exc))
            return None
        if not isinstance(res, FetchResult):
            return None
        start = time.perf_counter()
        try:
            page = await self._cpu(
                "extracting the page", EXTRACT_PAGE, res.body, res.url, res.content_type
            )
            if self.metrics is not None:
                self.metrics.extraction_seconds.observe(time.perf_counter() - start)
            return page
        except SandboxError as exc:
            log.warning(
                "page not extracted; matching the feed entry", url=redact(res.url), error=str(exc)
            )
            return None

    async def _cpu(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        """Parse untrusted bytes: in the sandbox when there is one, else in a thread."""
        if self.sandbox is not None:
            return await self.sandbox.run(fn, *args, what=what)
        return await asyncio.to_thread(fn, *args)

    @staticmethod
    async def _db(fn: Callable[P, T], *args: P.args, **kw: P.kwargs) -> T:
        return await asyncio.to_thread(fn, *args, **kw)
