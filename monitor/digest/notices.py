"""Notices to the operator (the `admin:` section): a feed down, a feed back, a delivery
dead.

Sent through apprise like digests, but best effort: a failed notice is logged,
never retried, and never stops polling. Every notice is also a log line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import apprise
import structlog

from monitor.digest.deliver import stamped
from monitor.fetch.client import redact
from monitor.store import Store
from monitor.types import FeedStatus

log = structlog.get_logger()


class Notifier:
    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = list(urls)

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


def announce_down(store: Store, notifier: Notifier, down_after: timedelta, now: datetime) -> int:
    """One notice per feed whose failures have lasted longer than `down_after`."""
    sent = 0
    for f in store.down_since(now - down_after):
        if not store.claim_down_notice(f.url):  # another daemon told them already
            continue
        since = f.failing_since.isoformat(timespec="minutes") if f.failing_since else "?"
        notifier.send(
            f"Feed down: {_name(f)}",
            f"{_name(f)} has failed since {since} ({f.error_count} polls in a row).\n"
            f"Last error: {f.last_error}\n"
            f"It is still polled, less often; a notice follows when it recovers.",
        )
        sent += 1
    return sent


def announce_recovery(store: Store, notifier: Notifier) -> int:
    """One notice per feed reported down that has succeeded since."""
    sent = 0
    for f in store.recovered():
        if store.claim_recovery_notice(f.url):
            notifier.send(f"Feed recovered: {_name(f)}", f"{_name(f)} answers again.")
            sent += 1
    return sent


def announce_dead(store: Store, notifier: Notifier) -> int:
    """One notice per delivery whose retries are used up."""
    sent = 0
    for d in store.dead_untold():
        if not store.claim_dead_notice(d.id):  # another daemon told them already
            continue
        notifier.send(
            f"Delivery dead: {d.subscription} to {d.label}",
            f"Digest {d.digest_id} of {d.subscription} could not be delivered to {d.label} "
            f"after {d.attempts} attempts; it will not be tried again.\n"
            f"Last error: {d.last_error}\n"
            f"`monitor deliveries --dead` lists it; `monitor digest retry {d.id}` sends it again.",
        )
        sent += 1
    return sent


def check_feeds(store: Store, notifier: Notifier, down_after: timedelta, now: datetime) -> int:
    return announce_down(store, notifier, down_after, now) + announce_recovery(store, notifier)
