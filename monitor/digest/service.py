"""Digest service: claim undelivered hits into a digest, then work the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

import structlog

from monitor.config.settings import Settings, Subscription
from monitor.digest.alerts import Notice, dumps, render_notice
from monitor.digest.build import build_digest
from monitor.digest.channels import for_url
from monitor.digest.deliver import (
    Destination,
    Render,
    body_limit,
    destinations,
    identity,
    retry_delay,
    send,
)
from monitor.digest.ports import DigestStore
from monitor.digest.render import render
from monitor.digest.split import split_digest
from monitor.errors import DeliveryError
from monitor.store.base import owner_id
from monitor.types import Digest, Labels, StoredDigest

log = structlog.get_logger()

# A new subscription starts with the hits of the last week, not the whole history.
BACKLOG = timedelta(days=7)
# How long a delivery stays with the daemon sending it: one killed while sending keeps
# it this long, then another sends it again (with the same identity). Each delivery
# is claimed just before it is sent, so this covers one send (apprise gives up at 60 s).
CLAIM = timedelta(minutes=2)


@dataclass
class SendReport:
    digests: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # "destination: error", each failure
    dead: list[str] = field(default_factory=list)  # deliveries whose retries ran out now
    cancelled: list[int] = field(default_factory=list)  # orphans: nothing would send them


def orphan_reason(subscription: str, removed: bool) -> str:
    if removed:
        return f"cancelled: subscription {subscription!r} is no longer in monitor.yaml"
    return f"cancelled: destination no longer in subscription {subscription!r}"


class DigestService:
    def __init__(
        self,
        store: DigestStore,
        settings: Settings,
        labels: Callable[[], Labels],
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.labels = labels
        self.owner = owner or owner_id()  # the name this process claims deliveries under
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
        return build_digest(sub.name, hits, self.labels(), start, now, sent, sub.watchlists)

    def create(
        self,
        sub: Subscription,
        now: datetime | None = None,
        watchlists: list[str] | None = None,
    ) -> int | None:
        """Claim this subscription's undelivered hits into a new digest; None when there
        are none. `watchlists`: only theirs (the critical ones, in quiet hours)."""
        now = now or self.store.clock()
        only = watchlists if watchlists is not None else sub.watchlists
        hits = self.store.undelivered_hits(sub.name, only, now - BACKLOG)
        sent = self.store.stories_sent(sub.name, [h.story for h in hits])
        if all((h.watchlist, h.story) in sent for h in hits):
            # Only more copies of stories already sent: they ride along with the next
            # digest that has news, as "more outlets" lines; alone they are not news.
            return None
        dests = [(d.key, d.label) for d in self._dests(sub)]
        made = self.store.create_digest(sub.name, [h.hit_id for h in hits], dests, now)
        return made.id if made else None

    def built(self, digest_id: int) -> Digest:
        """A stored digest, rebuilt from its hits (stories sent by earlier digests as lines)."""
        return self._built(self.store.digest(digest_id))

    def _built(self, d: StoredDigest) -> Digest:
        hits = self.store.hits(ids=d.hit_ids)
        sent = self.store.stories_sent(d.subscription, [h.story for h in hits], before_digest=d.id)
        order = self._order(d.subscription)
        return build_digest(
            d.subscription, hits, self.labels(), d.period_start, d.period_end, sent, order
        )

    def _order(self, name: str) -> list[str] | None:
        """The subscription's watchlists as it lists them: a story hit by several is
        shown under the first."""
        try:
            return self.subscription(name).watchlists
        except KeyError:  # removed from monitor.yaml since: by name
            return None

    def deliver(self, sub: Subscription, report: SendReport, retry_now: bool = False) -> None:
        """Send the subscription's pending deliveries whose retry is due (all of them
        with `retry_now`), each claimed first so no other daemon sends it meanwhile."""
        by_key = {d.key: d for d in self._dests(sub)}
        cache: dict[int, tuple[Digest | None, StoredDigest]] = {}
        tried: set[int] = set()  # once each per run, also those that fail now
        while claimed := self.store.claim_deliveries(
            self.owner, CLAIM, sub.name, due=not retry_now, limit=1, skip=tried
        ):
            [p] = claimed
            tried.add(p.id)
            dest = by_key.get(p.destination)
            if dest is None:  # removed since the orphans were cancelled
                self.store.cancel_deliveries([p.id], orphan_reason(sub.name, False))
                continue
            if p.digest_id not in cache:
                cache[p.digest_id] = self._message(p.digest_id)
            built, stored = cache[p.digest_id]
            parts = self._parts(built, stored, dest, sub.timezone)
            ident = identity(stored.key, dest)
            if not self.store.still_claimed(p.id, p.claim):
                # Its claim passed to another daemon while this one was away (a
                # partition between the claim and now): that one sends it.
                log.warning("delivery not sent: its claim was lost", delivery=p.id)
                continue
            try:
                for i in range(min(p.parts_sent, len(parts) - 1), len(parts)):
                    # Each part is its own message: a repeat after a crash carries its id.
                    send(dest, parts[i], p.digest_id, self.digest_dir, ident + _suffix(i, parts))
                    if i + 1 < len(parts):
                        self.store.delivery_progress(p.id, i + 1, p.claim, CLAIM)
            except DeliveryError as exc:  # one failing destination must not stop the others
                delay = retry_delay(p.attempts)
                self.store.delivery_failed(p.id, str(exc), delay, p.claim)
                report.failed += 1
                report.errors.append(f"{dest.label}: {exc}")
                if delay is None:
                    report.dead.append(f"delivery {p.id} to {dest.label}")
                log.warning(
                    "digest delivery failed",
                    subscription=sub.name,
                    destination=dest.label,
                    error=str(exc),
                    retry_in_s=delay.total_seconds() if delay else None,
                )
                continue
            if not self.store.delivery_done(p.id, p.claim):
                # Sent after the claim passed to another daemon: it may send it again,
                # with the same identity, so a receiver can drop the repeat.
                log.warning("delivery sent after its claim expired", destination=dest.label)
            report.sent += 1
            log.info("digest delivered", subscription=sub.name, destination=dest.label)

    def _message(self, digest_id: int) -> tuple[Digest | None, StoredDigest]:
        """A stored digest and what it holds (None for a notice)."""
        d = self.store.digest(digest_id)
        return (self._built(d) if d.kind == "digest" else None), d

    @staticmethod
    def _parts(
        built: Digest | None, stored: StoredDigest, dest: Destination, timezone: str
    ) -> list[Render]:
        """The message for `dest`: in numbered parts when it is too long for its service,
        each trial part rendered for that service's channel alone."""
        if built is None:
            return [partial(render_notice, stored, timezone)]
        whole = partial(render, built, timezone)
        limit = body_limit(dest)
        if limit is None:
            return [whole]
        c = for_url(dest.url)
        pieces = split_digest(built, lambda d: c.measure(render(d, timezone, c).body) <= limit)
        n = len(pieces)
        if n == 1:
            return [whole]
        return [
            partial(render, p, timezone, part=(i + 1, n, built.count)) for i, p in enumerate(pieces)
        ]

    def notify(self, sub: Subscription, notice: Notice) -> int | None:
        """Queue a notice (a spike, a heartbeat) once; None when it was already made."""
        dests = [(d.key, d.label) for d in self._dests(sub)]
        made = self.store.create_notice(
            sub.name, notice.kind, dumps(notice.note), notice.dedupe, dests
        )
        if made is not None:
            log.info("notice queued", subscription=sub.name, kind=notice.kind)
        return made.id if made else None

    def cancel_orphans(self) -> list[int]:
        """Cancel the pending deliveries of subscriptions and destinations no longer in
        monitor.yaml: nothing would send them. They stay, with the reason, as the record;
        `monitor digest retry ID` queues one again."""
        configured = {s.name: {d.key for d in self._dests(s)} for s in self.settings.subscriptions}
        cancelled: list[int] = []
        for d in self.store.orphaned_deliveries(configured):
            why = orphan_reason(d.subscription, d.subscription not in configured)
            cancelled += self.store.cancel_deliveries([d.id], why)
        if cancelled:
            log.warning("deliveries cancelled", count=len(cancelled), ids=cancelled)
        return cancelled

    def run(self, name: str | None = None, now: datetime | None = None) -> SendReport:
        """Build and deliver pending digests for one subscription or all, now: failed
        deliveries waiting for their next attempt are retried too (`digest send`)."""
        report = SendReport()
        report.cancelled = self.cancel_orphans()
        for sub in self.settings.subscriptions:
            if name is not None and sub.name != name:
                continue
            if self.create(sub, now) is not None:
                report.digests += 1
            self.deliver(sub, report, retry_now=True)
        return report


def _suffix(i: int, parts: list[Render]) -> str:
    return f".{i + 1}" if len(parts) > 1 else ""
