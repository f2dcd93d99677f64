"""The running application: settings wired to the store, the live watchlists, the
fetcher, the parser workers and the digests. `run --once`, the daemon, the demo and
the CLI's commands all start here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog

from monitor.config.settings import Settings, Subscription, load_settings
from monitor.config.sources import feed_sources
from monitor.digest.alerts import heartbeat_notice, spike_notice
from monitor.digest.notices import Notifier, announce_dead, check_feeds
from monitor.digest.service import BACKLOG, DigestService, SendReport
from monitor.digest.spikes import DAY, DAYS, daily_stories, detect
from monitor.digest.tiers import tier_due, tiers
from monitor.errors import ConfigError
from monitor.extract.sandbox import Sandbox, SandboxLimits
from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match.matcher import Matcher
from monitor.metrics import Metrics
from monitor.pipeline.refresh import Pipeline
from monitor.pipeline.subscribe import Subscriber
from monitor.store import Store, open_store
from monitor.store.base import owner_id
from monitor.types import DueFeed, FeedSource, FetchResult, RefreshResult
from monitor.views import PruneReport
from monitor.watchlists.liveset import LiveSet
from monitor.watchlists.model import Entity, SpikeRule

log = structlog.get_logger()

# How long a feed stays with the daemon that took it, unless renewed while it polls:
# a daemon that dies without giving its feeds back holds them at most this long.
LEASE = timedelta(minutes=2)


def fetch_policy(settings: Settings) -> FetchPolicy:
    f = settings.fetch
    return FetchPolicy(
        timeout_s=float(f.timeout),
        max_bytes=f.max_bytes,
        user_agent=f.user_agent,
        allow_private_networks=f.allow_private_networks,
        concurrency=f.concurrency,
        per_host=f.per_host,
        proxy=f.proxy,
    )


def check_listener(settings: Settings) -> None:
    """A page anyone on the network can read must ask for a token."""
    http = settings.http
    if http.exposed() and not http.token:
        raise ConfigError(
            f"{settings.where(['http', 'listen'])}: http.listen: {http.listen} is reachable "
            "beyond this machine and http.token is not set: set http.token (for example "
            "token: ${MONITOR_TOKEN}) or listen on 127.0.0.1"
        )


def apply_retention(store: Store, settings: Settings, dry_run: bool = False) -> PruneReport:
    """Older article texts and hits leave the database (retention in monitor.yaml)."""
    now = store.clock()
    keep = settings.retention
    return store.prune(
        now - timedelta(seconds=keep.articles), now - timedelta(seconds=keep.hits), dry_run
    )


def sandbox_limits(settings: Settings) -> SandboxLimits:
    f = settings.fetch
    return SandboxLimits(
        workers=f.parse_workers or SandboxLimits().workers,
        deadline_s=float(f.parse_timeout),
        memory_bytes=f.parse_memory,
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
        self.digests = DigestService(self.store, settings, self.watch.labels, self.owner)
        self._pipeline: Pipeline | None = None
        self.listening = False  # the daemon's HTTP listener runs: WebSub hubs can call back

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
            log.error("monitor.yaml has errors; keeping the running settings", errors=str(exc))
            return False
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
        except ConfigError as exc:  # running: said, not fatal
            log.error("subscriptions name watchlists that do not exist", errors=str(exc))
        sources = self.sync_feeds()
        log.info("settings reloaded", feeds=len(sources), subscriptions=len(new.subscriptions))
        return True

    def _check_subscriptions(self) -> None:
        """Each watchlist a subscription names exists: a typo would silently send nothing."""
        names = {w.name for w in self.watch.watchlists}
        problems = [
            f"{self.settings.where(['subscriptions', i, 'watchlists', j])}: "
            f"subscriptions.{i}.watchlists: no watchlist named {name!r} "
            f"(loaded: {', '.join(sorted(names)) or 'none'})"
            for i, sub in enumerate(self.settings.subscriptions)
            for j, name in enumerate(sub.watchlists or ())
            if name not in names
        ] + [
            f"{self.settings.where(['subscriptions', i, 'immediate', j])}: "
            f"subscriptions.{i}.immediate: {name!r} is not one of its watchlists "
            f"({', '.join(sub.watchlists or sorted(names)) or 'none'})"
            for i, sub in enumerate(self.settings.subscriptions)
            for j, name in enumerate(sub.immediate or ())
            if name not in (sub.watchlists or names)
        ]
        if problems:
            raise ConfigError("\n".join(problems))

    def sync_feeds(self) -> list[FeedSource]:
        sources = feed_sources(self.settings)
        self.store.sync_feeds(sources)
        return sources

    async def poll(
        self,
        feeds: Sequence[DueFeed],
        fetcher: Fetcher,
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
            async with Fetcher(fetch_policy(self.settings)) as fetcher:
                return await self.poll(feeds, fetcher, sandbox)

    def due_subscriptions(self, now: datetime | None = None) -> list[str]:
        now = now or self.store.clock()
        return [s.name for s in self.settings.subscriptions if self._due(s, now)]

    def _due(self, sub: Subscription, now: datetime) -> list[list[str] | None]:
        """The watchlists of each of the subscription's tiers that is due now (None: all
        it takes): a tier is due when its oldest waiting hit is due."""
        loaded = [w.name for w in self.watch.watchlists]
        critical = {w.name for w in self.watch.watchlists if w.critical}
        due: list[list[str] | None] = []
        for tier in tiers(sub, loaded, critical, now):
            names = list(tier.watchlists) if tier.watchlists is not None else None
            oldest = self.store.oldest_undelivered(sub.name, names, now - BACKLOG)
            if tier_due(tier, sub.timezone, oldest, now):
                due.append(names)
        return due

    def send_notices(self, now: datetime | None = None) -> int:
        """Tell the operator about feeds down longer than admin.feed_down_after, feeds
        back, and deliveries dead: each once, whichever daemon sees it first."""
        admin = self.settings.admin
        notifier = Notifier(admin.notify)
        down_after = timedelta(seconds=admin.feed_down_after)
        return check_feeds(
            self.store, notifier, down_after, now or self.store.clock()
        ) + announce_dead(self.store, notifier)

    def send_due_digests(self, now: datetime | None = None) -> SendReport:
        """Create digests whose schedule has fired, and retry deliveries that are due."""
        now = now or self.store.clock()
        report = SendReport()
        for sub in self.settings.subscriptions:
            for watchlists in self._due(sub, now):
                if self.digests.create(sub, now, watchlists) is not None:
                    report.digests += 1
            self._heartbeat(sub, now)
            self.digests.deliver(sub, report)
        self.metrics.digests.inc(report.digests)
        self.metrics.deliveries.labels("sent").inc(report.sent)
        self.metrics.deliveries.labels("failed").inc(report.failed)
        return report

    def check_spikes(self, now: datetime | None = None) -> int:
        """Queue a notice for each watchlist (or entity with spike: true) whose last day
        surged, to each subscription that takes it: once a day each. Returns how many."""
        now = now or self.store.clock()
        made = 0
        for w in self.watch.watchlists:
            checks: list[tuple[Entity | None, SpikeRule]] = [(None, w.spike)] if w.spike else []
            checks += [(e, w.spike or SpikeRule()) for e in w.entities if e.spike]
            if not checks:
                continue
            found = self.store.found_stories(w.name, now - (DAYS + 1) * DAY)
            for entity, rule in checks:
                mine = [(at, st) for at, st, ents in found if entity is None or entity.id in ents]
                spike = detect(daily_stories(mine, now), rule)
                if spike is None:
                    continue
                recent = [
                    h
                    for h in self.store.hits(since=now - DAY, watchlists=[w.name])
                    if entity is None or entity.id in h.entities
                ]
                label = entity.label if entity else None
                sent_to = []
                for sub in self.settings.subscriptions:
                    if sub.watchlists is not None and w.name not in sub.watchlists:
                        continue
                    if sub.quiet_at(now) and not w.critical:
                        continue  # checked again after the quiet hours, the same day
                    day = now.astimezone(ZoneInfo(sub.timezone)).date().isoformat()
                    notice = spike_notice(w.name, label, spike, recent, day)
                    if self.digests.notify(sub, notice) is not None:
                        sent_to.append(sub.name)
                if sent_to:  # the operator hears of it too, once: the notices are made once
                    what = f"{w.name} ({label})" if label else w.name
                    Notifier(self.settings.admin.notify).send(
                        f"news-monitor: spike in {what} sent",
                        f"{spike.today} stories in 24 hours against {spike.baseline:.1f} a day; "
                        f"sent to {', '.join(sent_to)}",
                    )
                made += len(sent_to)
        return made

    def _heartbeat(self, sub: Subscription, now: datetime) -> None:
        """ "All quiet" when nothing was sent for sub.heartbeat: a silent digest is then
        known not to be a broken one."""
        if sub.heartbeat is None or sub.quiet_at(now):
            return
        since = self.store.last_message_at(sub.name) or self.store.first_feed_at()
        if since is not None and now - since >= timedelta(seconds=sub.heartbeat):
            self.digests.notify(sub, heartbeat_notice(since, self.store.feed_statuses()))

    def prune(self, dry_run: bool = False) -> PruneReport:
        return apply_retention(self.store, self.settings, dry_run)
