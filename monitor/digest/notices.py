"""Notices to the operator (the `admin:` section): a feed down, a feed back, a feed gone
silent, a delivery dead, a spike sent, configuration errors. Each is a frozen value worded by its template (templates/*.txt:
the first line its title, the rest its body).
A configuration error is told by the daemon that read it, once while it lasts.

Sent through apprise like digests, but best effort: a failed notice is logged,
never retried, and never stops polling. Every notice is also a log line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

import apprise
import structlog

from monitor.digest.channels.base import templates
from monitor.digest.deliver import stamped
from monitor.digest.ports import NoticeStore
from monitor.feeds.staleness import usual_gap
from monitor.fetch.client import redact
from monitor.types import FeedStatus

log = structlog.get_logger()


@dataclass(frozen=True)
class FeedDown:
    feed: str  # its name and address, secrets redacted
    since: str
    polls: int  # failed in a row
    last_error: str | None
    template: ClassVar[str] = "feed_down.txt"


@dataclass(frozen=True)
class FeedStale:
    feed: str
    since: str  # its last new item
    silent: str  # for how long, "6 days"
    usual: str  # its median gap, "8 hours"
    template: ClassVar[str] = "feed_stale.txt"


@dataclass(frozen=True)
class FeedRecovered:
    feed: str
    template: ClassVar[str] = "feed_recovered.txt"


@dataclass(frozen=True)
class DeliveryDead:
    delivery: int
    digest: int
    subscription: str
    destination: str  # its label: apprise's URL without secrets
    attempts: int
    last_error: str | None
    template: ClassVar[str] = "delivery_dead.txt"


@dataclass(frozen=True)
class SpikeSent:
    what: str  # the watchlist, or the watchlist (entity)
    today: int
    baseline: float
    sent_to: tuple[str, ...]  # subscriptions
    template: ClassVar[str] = "spike_sent.txt"


@dataclass(frozen=True)
class ConfigBroken:
    host: str  # the daemon that read it: each reads its own files
    problems: tuple[str, ...]  # the new ones, "file:line:col: message"
    template: ClassVar[str] = "config_broken.txt"


OperatorNotice = FeedDown | FeedStale | FeedRecovered | DeliveryDead | SpikeSent | ConfigBroken


def worded(notice: OperatorNotice) -> tuple[str, str]:
    """The notice's title and body, from its template."""
    text = templates.get_template(notice.template).render(n=notice)
    title, _, body = text.partition("\n")
    return title, body.strip()


class Notifier:
    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = list(urls)

    def tell(self, notice: OperatorNotice) -> bool:
        return self.send(*worded(notice))

    def send(self, title: str, body: str) -> bool:
        log.warning("operator notice", title=title, body=body)
        if not self.urls:
            return True
        a = apprise.Apprise()
        for i, url in enumerate(self.urls):
            if not a.add(url):
                log.error("admin notify URL not understood by apprise", index=i)
        try:
            with stamped(None):
                ok = bool(a.notify(title=title, body=body))
        except Exception:  # a notice must never stop the daemon
            log.exception("operator notice failed")
            return False
        if not ok:
            log.error("operator notice not delivered", title=title)
        return ok


def _name(f: FeedStatus) -> str:
    return f"{f.name} ({redact(f.url)})" if f.name else redact(f.url)


def announce_down(
    store: NoticeStore, notifier: Notifier, down_after: timedelta, now: datetime
) -> int:
    """One notice per feed whose failures have lasted longer than `down_after`."""
    sent = 0
    for f in store.down_since(now - down_after):
        if not store.claim_down_notice(f.url):  # another daemon told them already
            continue
        since = f.failing_since.isoformat(timespec="minutes") if f.failing_since else "?"
        notifier.tell(FeedDown(_name(f), since, f.error_count, f.last_error))
        sent += 1
    return sent


def announce_recovery(store: NoticeStore, notifier: Notifier) -> int:
    """One notice per feed reported down that has succeeded since."""
    sent = 0
    for f in store.recovered():
        if store.claim_recovery_notice(f.url):
            notifier.tell(FeedRecovered(_name(f)))
            sent += 1
    return sent


def announce_stale(store: NoticeStore, notifier: Notifier, now: datetime) -> int:
    """One notice per feed that answers but has gone silent (feeds.staleness)."""
    sent = 0
    for f in store.stale_untold():
        usual = usual_gap(f.arrivals)
        if not f.last_new_at or usual is None or not store.claim_stale_notice(f.url):
            continue
        since = f.last_new_at.isoformat(timespec="minutes")
        notifier.tell(FeedStale(_name(f), since, _span(now - f.last_new_at), _span(usual)))
        sent += 1
    return sent


def _span(d: timedelta) -> str:
    """A duration as a person says it: "6 days", "8 hours", "25 minutes"."""
    for unit, secs in (("day", 86400), ("hour", 3600), ("minute", 60)):
        n = int(d.total_seconds() // secs)
        if n >= 1:
            return f"{n} {unit}s" if n != 1 else f"1 {unit}"
    return "under a minute"


def announce_dead(store: NoticeStore, notifier: Notifier) -> int:
    """One notice per delivery whose retries are used up."""
    sent = 0
    for d in store.dead_untold():
        if not store.claim_dead_notice(d.id):  # another daemon told them already
            continue
        notifier.tell(
            DeliveryDead(d.id, d.digest_id, d.subscription, d.label, d.attempts, d.last_error)
        )
        sent += 1
    return sent


def announce_config(notifier: Notifier, problems: Sequence[str], told: set[str], host: str) -> int:
    """One notice for the configuration errors not told before; `told` (this process's
    memory) then holds those still there, so one fixed and broken again is told again."""
    new = [p for p in dict.fromkeys(problems) if p not in told]
    told.intersection_update(problems)
    if not new:
        return 0
    notifier.tell(ConfigBroken(host, tuple(new)))
    told.update(new)
    return 1


def check_feeds(
    store: NoticeStore, notifier: Notifier, down_after: timedelta, now: datetime
) -> int:
    return (
        announce_down(store, notifier, down_after, now)
        + announce_recovery(store, notifier)
        + announce_stale(store, notifier, now)
    )
