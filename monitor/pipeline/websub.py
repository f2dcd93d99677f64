"""WebSub decisions: when to (re)subscribe, how often a pushed feed is still polled, what
a hub's verification request gets, whether a push is signed. Pure: the clock and the
subscription come in as arguments.

W3C WebSub: the subscriber asks the hub (hub.mode=subscribe, hub.topic, hub.callback,
hub.secret); the hub checks the intent with a GET to the callback carrying a challenge;
then it POSTs each new version of the feed, signed with HMAC of the secret in
X-Hub-Signature, until the lease it granted ends.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from monitor.types import PushSubscription

LEASE_S = 7 * 86400  # the lease asked for; the hub may grant another
MAX_LEASE_S = 365 * 86400  # a longer lease granted is taken as this
# A pushed feed is still polled, as a safety net, this often (or at its own interval
# when that is longer): a push lost on the way is late by at most this much.
SAFETY_POLL_S = 3600
# A request not yet verified, or one the hub refused, is asked again after these.
VERIFY_WAIT = timedelta(minutes=10)
RETRY_REFUSED = timedelta(hours=6)
SIGNATURES = {
    "sha1": hashlib.sha1,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}

Action = Literal["subscribe", "renew"]


def push_action(
    sub: PushSubscription | None, hub: str, topic: str, now: datetime, poll_s: int
) -> Action | None:
    """What a poll that found `hub` and `topic` in the feed should do about its
    subscription. A renewal is asked while more than two polls of lease remain."""
    if sub is None or sub.hub != hub or sub.topic != topic:
        return "subscribe"
    if sub.state == "requested":
        return "subscribe" if now - sub.requested_at >= VERIFY_WAIT else None
    if sub.state in ("denied", "failed"):
        return "subscribe" if now - sub.requested_at >= RETRY_REFUSED else None
    if now - sub.requested_at < VERIFY_WAIT:  # a renewal asked for: its verification may come
        return None
    if sub.lease_until is None:  # granted without a lease: asked again after our own
        return "renew" if now - sub.requested_at >= timedelta(seconds=LEASE_S) else None
    margin = max(timedelta(seconds=2 * poll_s), (sub.lease_until - sub.requested_at) / 10)
    return "renew" if sub.lease_until - now <= margin else None


def poll_interval(interval_s: int, sub: PushSubscription | None, now: datetime) -> int:
    """How long until a feed's next poll: its own interval, or for a feed a hub pushes,
    the longer safety-net interval, short enough to renew the lease in time."""
    if sub is None or sub.state != "active":
        return interval_s
    left = (sub.lease_until - now).total_seconds() if sub.lease_until else LEASE_S
    if left <= 0:
        return interval_s
    return max(interval_s, min(SAFETY_POLL_S, int(left / 3)))


def signed(secret: str, body: bytes, header: str | None) -> bool:
    """A push's X-Hub-Signature ("sha256=<hex>", or sha1, sha384, sha512) is the HMAC of
    its body with the subscription's secret."""
    if not header or "=" not in header:
        return False
    if not header.isascii():
        return False
    method, _, given = header.strip().partition("=")
    digest = SIGNATURES.get(method.strip().lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


@dataclass(frozen=True)
class Verification:
    """The answer to a hub's verification GET, and what to record."""

    status: int
    body: str
    record: Literal["verified", "denied", "unsubscribed"] | None = None
    lease_s: int | None = None
    reason: str = ""


def verify(sub: PushSubscription | None, params: Mapping[str, str]) -> Verification:
    """A hub's GET to the callback: confirm a subscription we asked for (echo the
    challenge), note a denial; anything else is refused with 404."""
    mode = params.get("hub.mode", "")
    if sub is None:
        return Verification(404, "no such subscription")
    if mode == "denied":
        return Verification(200, "", "denied", reason=params.get("hub.reason", "denied by the hub"))
    if params.get("hub.topic") != sub.topic:
        return Verification(404, "not the topic of this subscription")
    challenge = params.get("hub.challenge", "")
    if not challenge:
        return Verification(400, "hub.challenge is missing")
    if mode == "subscribe" and sub.state in ("requested", "active"):
        lease = params.get("hub.lease_seconds", "")
        granted = min(int(lease), MAX_LEASE_S) if lease.isascii() and lease.isdecimal() else None
        return Verification(200, challenge, "verified", granted)
    # An unsubscribe we never asked for (a forged request would stop the pushes).
    return Verification(404, f"hub.mode={mode or '(none)'} was not asked for")
