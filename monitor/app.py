"""The running application: settings wired to the store, the live watchlists, the
fetcher, the parser workers and the digests. `run --once`, the daemon, the demo and
the CLI's commands all start here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import structlog

from monitor.config.policies import fetch_policy, sandbox_limits
from monitor.config.settings import Settings, load_settings
from monitor.config.sources import feed_sources
from monitor.config.subscriptions import subscription_problems
from monitor.digest.deliver import prune_digest_files
from monitor.digest.rounds import Rounds
from monitor.digest.service import DigestService
from monitor.errors import ConfigError
from monitor.extract.sandbox import Sandbox
from monitor.fetch.aio import AioFetcher
from monitor.fetch.client import Fetching
from monitor.match.matcher import Matcher
from monitor.metrics import Metrics
from monitor.pipeline.refresh import Pipeline
from monitor.pipeline.subscribe import Subscriber
from monitor.store import Store, open_store
from monitor.store.base import owner_id
from monitor.types import DueFeed, FeedSource, FetchResult, RefreshResult
from monitor.views import PruneReport
from monitor.watchlists.liveset import LiveSet
from monitor.web.state import Site

log = structlog.get_logger()

# How long a feed stays with the daemon that took it, unless renewed while it polls:
# a daemon that dies without giving its feeds back holds them at most this long.
LEASE = timedelta(minutes=2)


def apply_retention(store: Store, settings: Settings, dry_run: bool = False) -> PruneReport:
    """Older article texts and hits leave the database, and older files the digest
    folder (retention in monitor.yaml)."""
    now = store.clock()
    keep = settings.retention
    report = store.prune(
        now - timedelta(seconds=keep.articles), now - timedelta(seconds=keep.hits), dry_run
    )
    files_before = now - timedelta(seconds=keep.digest_files)
    gone = prune_digest_files(settings.path("data/digests"), files_before, dry_run)
    return replace(
        report,
        digest_files_deleted=gone,
        cutoffs={**report.cutoffs, "digest_files": files_before},
    )


class App:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.owner = owner_id()
        self.watch: LiveSet[Matcher] = LiveSet(settings.watchlist_paths, Matcher)
        if missing := self.watch.missing:
            # A daemon must not start watching nothing because a path is mistyped.
            where = settings.source or "monitor.yaml"
            raise ConfigError("\n".join(f"{where}: watchlists: {m}" for m in missing))
        if not self.watch.problems:  # a broken file's name cannot be known
            self._check_subscriptions()
        self.store = store or open_store(settings.database_url)
        self.metrics = Metrics()
        self.metrics.watch_store(self.store.stats)
        self.metrics.watch_config(self.config_problems, lambda: self.store.fenced)
        self.digests = DigestService(self.store, settings, self.watch.labels, self.owner)
        self.rounds = Rounds(
            self.digests,
            lambda: self.settings,
            lambda: self.watch.watchlists,
            self.metrics,
            self.config_problems,
        )
        self._pipeline: Pipeline | None = None
        self.config_error: str | None = None  # monitor.yaml's, while it stays broken
        self.subscription_errors: list[str] = []
        self.listening = False  # the daemon's HTTP listener runs: WebSub hubs can call back

    def site(self, **polling: Any) -> Site:
        """What the web page reads, its settings read live (a reload shows at once);
        `polling`: the daemon's scheduler_running and last_success."""
        return Site(
            self.store,
            self.watch,
            lambda: self.settings,
            self.metrics,
            problems=self.config_problems,
            **polling,
        )

    def config_problems(self) -> list[str]:
        """What is broken in monitor.yaml and the watchlists now, each "file:line:col:
        message": the daemon runs on the last good version meanwhile."""
        yaml = self.config_error.splitlines() if self.config_error else []
        return yaml + self.watch.problems + self.subscription_errors

    def reload_settings(self) -> bool:
        """Apply an edited monitor.yaml: feeds, subscriptions, watchlists, admin. A broken
        edit keeps the running settings and logs where it is broken. `database` and
        `fetch` apply after a restart (the pool, the client and the parser workers are
        made at start). True if anything changed."""
        if self.settings.source is None:
            return False
        try:
            new = load_settings(self.settings.source)
        except ConfigError as exc:
            if str(exc) != self.config_error:  # once per error, not every few seconds
                log.error("monitor.yaml has errors; keeping the running settings", errors=str(exc))
            self.config_error = str(exc)
            return False
        self.config_error = None
        old = self.settings
        later = [k for k in ("database", "fetch") if getattr(new, k) != getattr(old, k)]
        if later:
            log.warning("these settings apply after a restart", keys=later)
        new = new.model_copy(update={"database": old.database, "fetch": old.fetch})
        if new == old:
            return False
        self.settings = self.digests.settings = new
        self.watch.paths = new.watchlist_paths
        self.watch.reload()
        try:
            self._check_subscriptions()
            self.subscription_errors = []
        except ConfigError as exc:  # running: said, not fatal
            self.subscription_errors = str(exc).splitlines()
            log.error("subscriptions name watchlists that do not exist", errors=str(exc))
        sources = self.sync_feeds()
        log.info("settings reloaded", feeds=len(sources), subscriptions=len(new.subscriptions))
        return True

    def _check_subscriptions(self) -> None:
        """Each watchlist a subscription names exists: a typo would silently send nothing."""
        problems = subscription_problems(self.settings, [w.name for w in self.watch.watchlists])
        if problems:
            raise ConfigError("\n".join(problems))

    def sync_feeds(self) -> list[FeedSource]:
        sources = feed_sources(self.settings)
        self.store.sync_feeds(sources)
        return sources

    async def poll(
        self,
        feeds: Sequence[DueFeed],
        fetcher: Fetching,
        sandbox: Sandbox | None = None,
        pushed: FetchResult | None = None,
    ) -> list[RefreshResult]:
        """Poll each feed; or, with `pushed`, take what its WebSub hub pushed instead."""
        pipe = self._pipeline
        if pipe is None or pipe.fetcher is not fetcher or pipe.sandbox is not sandbox:
            pipe = self._pipeline = Pipeline(
                self.store,
                fetcher,
                lambda: self.watch.compiled,
                sandbox,
                respect_robots=self.settings.fetch.respect_robots,
                owner=self.owner,
                metrics=self.metrics,
                # WebSub only where a listener takes the hubs' requests: the daemon's.
                subscriber=Subscriber(
                    self.store,
                    fetcher,
                    lambda: self.settings.http.public_url,
                    self.store.clock,
                    plain_http=self.settings.fetch.allow_private_networks,
                )
                if self.listening
                else None,
            )
        return list(await asyncio.gather(*(self._timed(pipe, f, pushed) for f in feeds)))

    async def _timed(
        self, pipe: Pipeline, feed: DueFeed, pushed: FetchResult | None
    ) -> RefreshResult:
        start = time.perf_counter()
        result = await pipe.refresh(feed, pushed)
        self.metrics.poll_done(result.status, time.perf_counter() - start, feed.source.kind)
        return result

    async def poll_all_once(self) -> list[RefreshResult]:
        """Poll every configured feed once, whatever its schedule, but those a running
        daemon is polling right now."""
        self.sync_feeds()
        self.store.release_dead_here(self.owner)
        feeds = self.store.claim_feeds(self.owner, LEASE, due=False)
        with Sandbox(sandbox_limits(self.settings), self.metrics) as sandbox:
            async with AioFetcher(fetch_policy(self.settings)) as fetcher:
                return await self.poll(feeds, fetcher, sandbox)

    def prune(self, dry_run: bool = False) -> PruneReport:
        return apply_retention(self.store, self.settings, dry_run)
