"""The daemon: APScheduler 3.x jobs on one asyncio loop, clean shutdown on SIGTERM/SIGINT.

Jobs: a dispatcher that polls the feeds whose next poll time has come (so each
feed keeps its own interval and backoff, stored in the database), a digest tick
that sends digests whose schedule has fired and retries failed deliveries, a
watchlist check that reloads edited files, and the daily retention prune (with the
search index merged to one segment after it). The HTTP listener (health, metrics,
the web page) serves on the same loop.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import SQLAlchemyError

from monitor.app import LEASE, App
from monitor.clock import utcnow
from monitor.config.policies import check_listener, fetch_policy, sandbox_limits
from monitor.extract.sandbox import Sandbox
from monitor.fetch.aio import AioFetcher
from monitor.store.base import describe_db_error
from monitor.types import DueFeed, FetchResult
from monitor.web.server import Listener, bind
from monitor.web.site import make_app
from monitor.web.state import Site

log = structlog.get_logger()
T = TypeVar("T")

DISPATCH_EVERY_S = 5
DIGEST_EVERY_S = 30
RELOAD_EVERY_S = 3
HEALTH_EVERY_S = 60
PRUNE_EVERY_S = 3600  # articles older than the story window leave the LSH buckets
SPIKES_EVERY_S = 600  # spike notices: at most one a day each, so a check now and then
RETENTION_EVERY_S = 86400
SEARCH_INDEX_EVERY_S = 2  # PostgreSQL: stored articles are searchable within seconds
RETENTION_FIRST_S = 600  # after start: a restart loop does not prune at every start
DRAIN_TIMEOUT_S = 30
MAX_IN_FLIGHT = 1000  # feeds this daemon polls at once; the rest wait for room
# Room that a backlog fills at once, not at the next tick: at a tick every 5 s, 1,000
# feeds at a time would cap a daemon at 200 polls a second, however fast they are.
REFILL = 64
RENEW_EVERY_S = LEASE.total_seconds() / 5  # leases of feeds still polling are renewed
PUSH_WAIT_S = int(LEASE.total_seconds())  # a pushed feed being polled is waited for this long


class SingleFlight:
    """Runs `fn` one call at a time. A call made while a run is on waits for the next
    run, which covers every call made meanwhile: nothing asked for is skipped, and two
    runs never overlap (two digest sends at once would send the same digest twice)."""

    def __init__(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._fn = fn
        self._lock = asyncio.Lock()
        self._asked = False

    async def run(self) -> None:
        self._asked = True
        async with self._lock:
            if not self._asked:  # a run that started after this call has covered it
                return
            self._asked = False
            await self._fn()


class Daemon:
    def __init__(self, app: App, rng: random.Random | None = None) -> None:
        self.app = app
        self._rng = rng or random.Random()
        self.in_flight: dict[int, asyncio.Task[object]] = {}
        self.stopping = asyncio.Event()
        self._renewed = time.monotonic()
        self._config_mtime = _mtime(app.settings.source)
        self._hup: set[asyncio.Task[None]] = set()  # SIGHUP reloads under way
        self._db_failing: set[str] = set()  # jobs the database has failed since they last ran
        # The scheduled tick and every feed that found hits for an immediate
        # subscription ask for a send; one send runs at a time.
        self._digests = SingleFlight(self._send_digests)
        # Claims of due feeds, one at a time: at the tick, and as soon as polls ending
        # make room while the last claim left more due.
        self._claims = SingleFlight(self._take_due)
        self._backlog = False
        self._refills: set[asyncio.Task[None]] = set()
        self.scheduler: AsyncIOScheduler | None = None
        self.last_success: datetime | None = None  # of a poll by this daemon, for /readyz
        self.listener: Listener | None = None
        self._site: Site | None = None
        # WebSub pushes waiting for their feed: the newest body of each (a burst of pushes
        # is processed once, with the latest version of the feed).
        self._pushes: dict[int, FetchResult] = {}
        http = app.settings.http
        if http.listen is not None:  # refused now, before anything starts
            check_listener(app.settings)
            self._site = self.site()
            self.listener = Listener(make_app(self._site), bind(http.host, http.port))
            app.listening = True

    def site(self) -> Site:
        return self.app.site(
            scheduler_running=lambda: self.scheduler is not None and self.scheduler.running,
            last_success=lambda: self.last_success,
            on_push=self.pushed,
        )

    async def pushed(self, feed_id: int, body: bytes, content_type: str | None) -> object:
        """A signed WebSub push: processed now, as a poll of its feed that fetches
        nothing. A feed being polled (here or by another daemon) is waited for; pushes
        that come meanwhile replace the waiting one."""
        waiting = feed_id in self._pushes
        self._pushes[feed_id] = FetchResult("", 200, body, content_type, None, None)
        if waiting:
            return None
        store, me = self.app.store, self.app.owner
        feed = None
        for _ in range(PUSH_WAIT_S):
            if self.stopping.is_set():
                break
            feed = await self._job("taking a pushed feed", store.claim_feed, me, feed_id, LEASE)
            if feed is not None:
                break
            await asyncio.sleep(1)
        latest = self._pushes.pop(feed_id)
        if feed is None:
            if not self.stopping.is_set():
                log.info("pushed feed still being polled; its poll covers it", feed_id=feed_id)
            return None
        result = replace(latest, url=feed.source.url)
        self.in_flight[feed.id] = task = asyncio.create_task(self._refresh(feed, result))
        return await task

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        loop.add_signal_handler(signal.SIGHUP, self._on_hup, loop)
        sources = self.app.sync_feeds()
        store, me = self.app.store, self.app.owner
        if gone := await self._job("releasing what gone daemons held", store.release_dead_here, me):
            log.info("took back the leases and claims of daemons gone from this host", daemons=gone)
        others = await self._job("looking for other daemons", store.lease_holders)
        log.info(
            "daemon started",
            daemon=self.app.owner,
            other_daemons=others or {},
            feeds=len(sources),
            watchlists=[w.name for w in self.app.watch.watchlists],
            subscriptions=[s.name for s in self.app.settings.subscriptions],
        )
        with Sandbox(sandbox_limits(self.app.settings), self.app.metrics) as sandbox:
            async with AioFetcher(fetch_policy(self.app.settings)) as fetcher:
                self.fetcher, self.sandbox = fetcher, sandbox
                await self._serve(loop)
        log.info("daemon stopped")

    async def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        scheduler = self.scheduler = AsyncIOScheduler(event_loop=loop)
        # A first claim at once; then each daemon ticks at a phase of its own: daemons
        # started together would claim at the same moments, and the first would take
        # all that is due.
        self._refill(now=True)
        phase = self._rng.uniform(0, DISPATCH_EVERY_S)
        scheduler.add_job(
            self.dispatch,
            "interval",
            seconds=DISPATCH_EVERY_S,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow() + timedelta(seconds=phase),
        )
        scheduler.add_job(
            self.digest_tick, "interval", seconds=DIGEST_EVERY_S, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.reload, "interval", seconds=RELOAD_EVERY_S, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.health_tick, "interval", seconds=HEALTH_EVERY_S, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.prune_tick, "interval", seconds=PRUNE_EVERY_S, max_instances=1, coalesce=True
        )
        scheduler.add_job(
            self.spike_tick, "interval", seconds=SPIKES_EVERY_S, max_instances=1, coalesce=True
        )
        if self.app.store.postgres:
            scheduler.add_job(
                self.search_tick,
                "interval",
                seconds=SEARCH_INDEX_EVERY_S,
                max_instances=1,
                coalesce=True,
            )
        scheduler.add_job(
            self.retention_tick,
            "interval",
            seconds=RETENTION_EVERY_S,
            max_instances=1,
            coalesce=True,
            next_run_time=utcnow() + timedelta(seconds=RETENTION_FIRST_S),
        )
        scheduler.start()
        if self.listener is not None:
            self.listener.start()
        await self.stopping.wait()
        scheduler.shutdown(wait=False)
        if self.listener is not None:
            await self.listener.stop()
        for push in self._site.tasks if self._site is not None else ():
            push.cancel()  # waiting for a lease: their feeds are polled after the restart
        for task in self.in_flight.values():
            task.cancel()
        await asyncio.gather(*self.in_flight.values(), return_exceptions=True)
        # Cancelling a task does not stop the worker thread it awaits; let
        # database work that already started finish (and log) before the
        # last line, so "daemon stopped" is really the end.
        await drain_threads(loop)
        try:  # the feeds this daemon held go to the others now, not when leases expire
            self.app.store.release_leases(self.app.owner)
        except SQLAlchemyError as exc:
            log.warning("leases not given back; they expire", error=describe_db_error(exc))

    def _on_hup(self, loop: asyncio.AbstractEventLoop) -> None:
        task = loop.create_task(self.reload(force=True))
        self._hup.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self._hup.discard)

    def stop(self) -> None:
        log.info("stopping")
        self.stopping.set()

    async def dispatch(self) -> None:
        await self._claims.run()

    async def _take_due(self) -> None:
        """Take the feeds that are due and that no daemon holds, as many as there is room
        for, and keep the leases of those still being polled."""
        if self.stopping.is_set():
            return
        store, owner = self.app.store, self.app.owner
        if self.in_flight and time.monotonic() - self._renewed >= RENEW_EVERY_S:
            await self._job("lease renewal", store.renew_leases, owner, list(self.in_flight), LEASE)
            self._renewed = time.monotonic()
        room = MAX_IN_FLIGHT - len(self.in_flight)
        due = (
            await self._job("taking due feeds", store.claim_feeds, owner, LEASE, room)
            if room
            else []
        )
        self._backlog = bool(due) and len(due or ()) == room  # more may be due
        for feed in due or ():
            self.in_flight[feed.id] = asyncio.create_task(self._refresh(feed))

    def _refill(self, now: bool = False) -> None:
        """After a poll: claim again now if the last claim left a backlog and there is
        room for a batch; one refill is asked for at a time. `now`: claim regardless."""
        if now or (self._backlog and MAX_IN_FLIGHT - len(self.in_flight) >= REFILL):
            self._backlog = False  # the claim says again whether more are due
            task = asyncio.get_running_loop().create_task(self.dispatch())
            self._refills.add(task)  # held until done: the loop keeps a weak reference
            task.add_done_callback(self._refills.discard)

    async def _refresh(self, feed: DueFeed, pushed: FetchResult | None = None) -> object:
        try:
            results = await self.app.poll([feed], self.fetcher, self.sandbox, pushed)
            if any(not r.failed for r in results):
                self.last_success = utcnow()
            if any(r.new_hits for r in results) and any(
                s.schedule == "immediate" or s.immediate for s in self.app.settings.subscriptions
            ):
                await self.digest_tick()
            return results
        finally:
            self.in_flight.pop(feed.id, None)
            self._refill()

    async def digest_tick(self) -> None:
        """Send the digests that are due, and retry due deliveries; one send at a time."""
        await self._digests.run()

    async def _send_digests(self) -> None:
        await self._job("sending digests", self.app.rounds.send_due_digests)

    async def health_tick(self) -> None:
        await self._job("operator notices", self.app.rounds.send_notices)

    async def prune_tick(self) -> None:
        n = await self._job("story window pruning", self.app.store.stories.prune, utcnow())
        if n:
            log.info("articles left the story window", articles=n)

    async def spike_tick(self) -> None:
        if await self._job("spike check", self.app.rounds.check_spikes):
            await self.digest_tick()  # the notices go out now, not at the next tick

    async def search_tick(self) -> None:
        await self._job("search indexing", self.app.store.index_search)

    async def retention_tick(self) -> None:
        report = await self._job("retention", self.app.prune)
        if report is not None:
            log.info(
                "retention applied",
                articles_deleted=report.articles_deleted,
                texts_removed=report.texts_removed,
                hits_deleted=report.hits_deleted,
                entries_deleted=report.entries_deleted,
                digest_files_deleted=report.digest_files_deleted,
                bytes_freed=report.bytes_freed,
            )
        # the day's new articles made segments of the search index: one again
        steps = await self._job("search index merge", self.app.store.merge_search_index)
        if steps:
            log.info("search index merged", steps=steps)

    async def reload(self, force: bool = False) -> None:
        """Watchlists edited since the last look, and monitor.yaml (now, on SIGHUP)."""
        await self._job("watchlist reload", self.app.watch.reload)
        mtime = _mtime(self.app.settings.source)
        if force or mtime != self._config_mtime:
            self._config_mtime = mtime
            await self._job("monitor.yaml reload", self.app.reload_settings)

    async def _job(self, what: str, fn: Callable[..., T], *args: Any) -> T | None:
        """A job's work, in a thread; it runs again at its next tick whatever happens. A
        database that is away is one warning a job for the whole outage (a job ticking
        every 2 s through a 4-minute partition warned 120 times), and one line when the
        job works again; a bug is its traceback every time."""
        try:
            result = await asyncio.to_thread(fn, *args)
        except SQLAlchemyError as exc:
            self.app.metrics.db_errors.inc()
            say = log.debug if what in self._db_failing else log.warning
            self._db_failing.add(what)
            say(f"{what} failed: the database is unavailable", error=describe_db_error(exc))
            return None
        except Exception:
            log.exception(f"{what} failed")
            return None
        if what in self._db_failing:
            self._db_failing.discard(what)
            log.info(f"{what} works again: the database is back")
        return result


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime if path is not None else None
    except OSError:  # gone for a moment (an editor saving): looked at again next tick
        return None


async def drain_threads(loop: asyncio.AbstractEventLoop) -> None:
    try:
        await asyncio.wait_for(loop.shutdown_default_executor(), DRAIN_TIMEOUT_S)
    except TimeoutError:
        log.warning("worker threads still busy at stop", waited_s=DRAIN_TIMEOUT_S)
