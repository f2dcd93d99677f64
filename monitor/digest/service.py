"""Digest service: claim undelivered hits into a digest, then work the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from monitor.config.settings import Settings, Subscription
from monitor.digest.build import build_digest
from monitor.digest.deliver import Destination, destinations, retry_delay, send
from monitor.digest.render import render
from monitor.errors import DeliveryError
from monitor.store import Store
from monitor.types import Digest, Labels, RenderedDigest

log = structlog.get_logger()

# A new subscription starts with the hits of the last week, not the whole history.
BACKLOG = timedelta(days=7)


@dataclass
class SendReport:
    digests: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class DigestService:
    def __init__(self, store: Store, settings: Settings, labels: Callable[[], Labels]) -> None:
        self.store = store
        self.settings = settings
        self.labels = labels
        self.digest_dir = settings.path("data/digests")

    def subscription(self, name: str) -> Subscription:
        for s in self.settings.subscriptions:
            if s.name == name:
                return s
        raise KeyError(name)

    def _dests(self, sub: Subscription) -> list[Destination]:
        return destinations(sub.notify, self.digest_dir)

    def preview(self, sub: Subscription, now: datetime | None = None) -> Digest:
        now = now or self.store.clock()
        hits = self.store.undelivered_hits(sub.name, sub.watchlists, now - BACKLOG)
        start = self.store.last_digest_end(sub.name)
        sent = self.store.stories_sent(sub.name, [h.story for h in hits])
        return build_digest(sub.name, hits, self.labels(), start, now, sent)

    def create(self, sub: Subscription, now: datetime | None = None) -> int | None:
        """Claim this subscription's undelivered hits into a new digest; None when there are none."""
        now = now or self.store.clock()
        hits = self.store.undelivered_hits(sub.name, sub.watchlists, now - BACKLOG)
        sent = self.store.stories_sent(sub.name, [h.story for h in hits])
        if all((h.watchlist, h.story) in sent for h in hits):
            # Only more copies of stories already sent: they ride along with the next
            # digest that has news, as "more outlets" lines; alone they are not news.
            return None
        start = self.store.last_digest_end(sub.name)  # None: the first digest
        dests = [(d.key, d.label) for d in self._dests(sub)]
        made = self.store.create_digest(sub.name, [h.hit_id for h in hits], dests, start, now)
        return made.id if made else None

    def built(self, digest_id: int) -> Digest:
        """A stored digest, rebuilt from its hits (stories sent by earlier digests as lines)."""
        d = self.store.digest(digest_id)
        hits = self.store.hits(ids=d.hit_ids)
        sent = self.store.stories_sent(d.subscription, [h.story for h in hits], before_digest=d.id)
        return build_digest(d.subscription, hits, self.labels(), d.period_start, d.period_end, sent)

    def rendered(self, digest_id: int, sub: Subscription) -> RenderedDigest:
        return render(self.built(digest_id), sub.timezone)

    def deliver(self, sub: Subscription, report: SendReport, retry_now: bool = False) -> None:
        """Send the subscription's pending deliveries whose retry is due (all of them
        with `retry_now`)."""
        by_key = {d.key: d for d in self._dests(sub)}
        cache: dict[int, RenderedDigest] = {}
        for p in self.store.pending_deliveries(sub.name, due=not retry_now):
            dest = by_key.get(p.destination)
            if dest is None:
                self.store.delivery_failed(p.id, "destination no longer configured", None)
                report.failed += 1
                continue
            if p.digest_id not in cache:
                cache[p.digest_id] = self.rendered(p.digest_id, sub)
            try:
                send(dest, cache[p.digest_id], p.digest_id, self.digest_dir)
            except DeliveryError as exc:  # one failing destination must not stop the others
                delay = retry_delay(p.attempts)
                self.store.delivery_failed(p.id, str(exc), delay)
                report.failed += 1
                report.errors.append(str(exc))
                log.warning(
                    "digest delivery failed",
                    subscription=sub.name,
                    destination=dest.label,
                    error=str(exc),
                    retry_in_s=delay.total_seconds() if delay else None,
                )
                continue
            self.store.delivery_done(p.id)
            report.sent += 1
            log.info("digest delivered", subscription=sub.name, destination=dest.label)

    def run(self, name: str | None = None, now: datetime | None = None) -> SendReport:
        """Build and deliver pending digests for one subscription or all, now: failed
        deliveries waiting for their next attempt are retried too (`digest send`)."""
        report = SendReport()
        for sub in self.settings.subscriptions:
            if name is not None and sub.name != name:
                continue
            if self.create(sub, now) is not None:
                report.digests += 1
            self.deliver(sub, report, retry_now=True)
        return report
