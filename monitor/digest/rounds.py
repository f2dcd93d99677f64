"""The digest side's rounds through the daemon's day: which tiers of each subscription
are due, the heartbeat of a silent one, the spike check, and the operator's notices.
It decides; monitor.app wires it to the store, the watchlists and the metrics."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.config.settings import Settings, Subscription
from monitor.digest.alerts import heartbeat_notice, spike_notice
from monitor.digest.notices import (
    Notifier,
    SpikeSent,
    announce_config,
    announce_dead,
    check_feeds,
)
from monitor.digest.service import BACKLOG, DigestService, SendReport
from monitor.digest.spikes import DAY, DAYS, daily_stories, detect
from monitor.digest.tiers import tier_due, tiers
from monitor.metrics import Metrics
from monitor.watchlists.model import Entity, SpikeRule, Watchlist


class Rounds:
    def __init__(
        self,
        digests: DigestService,
        settings: Callable[[], Settings],
        watchlists: Callable[[], Sequence[Watchlist]],
        metrics: Metrics | None = None,
        problems: Callable[[], list[str]] = lambda: [],
    ) -> None:
        self.digests = digests
        self.problems = problems  # monitor.yaml's and the watchlists' errors now
        self._told: set[str] = set()  # those the operator was told of
        self.store = digests.store
        self._settings = settings  # the running ones: monitor.yaml reloads
        self.watchlists = watchlists  # the live ones: they reload
        self.metrics = metrics

    @property
    def settings(self) -> Settings:
        return self._settings()

    def due_subscriptions(self, now: datetime | None = None) -> list[str]:
        now = now or self.store.clock()
        return [s.name for s in self.settings.subscriptions if self._due(s, now)]

    def _due(self, sub: Subscription, now: datetime) -> list[list[str] | None]:
        """The watchlists of each of the subscription's tiers that is due now (None: all
        it takes): a tier is due when its oldest waiting hit is due."""
        loaded = [w.name for w in self.watchlists()]
        critical = {w.name for w in self.watchlists() if w.critical}
        due: list[list[str] | None] = []
        for tier in tiers(sub, loaded, critical, now):
            names = list(tier.watchlists) if tier.watchlists is not None else None
            oldest = self.store.oldest_undelivered(sub.name, names, now - BACKLOG)
            if tier_due(tier, sub.timezone, oldest, now):
                due.append(names)
        return due

    def send_due_digests(self, now: datetime | None = None) -> SendReport:
        """Create digests whose schedule has fired, and retry deliveries that are due."""
        now = now or self.store.clock()
        report = SendReport(cancelled=self.digests.cancel_orphans())
        for sub in self.settings.subscriptions:
            for watchlists in self._due(sub, now):
                if self.digests.create(sub, now, watchlists) is not None:
                    report.digests += 1
            self._heartbeat(sub, now)
            self.digests.deliver(sub, report)
        if self.metrics is not None:
            self.metrics.digests.inc(report.digests)
            self.metrics.deliveries.labels("sent").inc(report.sent)
            self.metrics.deliveries.labels("failed").inc(report.failed)
        return report

    def send_notices(self, now: datetime | None = None) -> int:
        """Tell the operator about feeds down longer than admin.feed_down_after, feeds
        back, and deliveries dead: each once, whichever daemon sees it first; and about
        new errors in this daemon's configuration."""
        admin = self.settings.admin
        notifier = Notifier(admin.notify)
        down_after = timedelta(seconds=admin.feed_down_after)
        return (
            check_feeds(self.store, notifier, down_after, now or self.store.clock())
            + announce_dead(self.store, notifier)
            + announce_config(notifier, self.problems(), self._told, self.digests.owner)
        )

    def check_spikes(self, now: datetime | None = None) -> int:
        """Queue a notice for each watchlist (or entity with spike: true) whose last day
        surged, to each subscription that takes it: once a day each. Returns how many."""
        now = now or self.store.clock()
        made = 0
        for w in self.watchlists():
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
                    Notifier(self.settings.admin.notify).tell(
                        SpikeSent(what, spike.today, spike.baseline, tuple(sent_to))
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
