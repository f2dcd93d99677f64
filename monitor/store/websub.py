"""The websub table: each feed's subscription at the hub it names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import col

from monitor.clock import aware
from monitor.store.base import StoreBase, chunks, table
from monitor.store.feeds import due_feed
from monitor.store.tables import FeedRow, WebSubRow
from monitor.types import DueFeed, PushSubscription


def _sub(r: WebSubRow) -> PushSubscription:
    return PushSubscription(
        r.feed_id,
        r.hub,
        r.topic,
        r.secret,
        r.token,
        r.state,
        aware(r.requested_at),
        aware(r.lease_until) if r.lease_until else None,
        r.last_error,
    )


class WebSubMixin(StoreBase):
    def push_subscription(self, feed_id: int) -> PushSubscription | None:
        with self.session() as s:
            row = s.execute(select(WebSubRow).where(col(WebSubRow.feed_id) == feed_id)).first()
            return _sub(row[0]) if row else None

    def push_subscriptions(self, feed_ids: Sequence[int]) -> list[PushSubscription | None]:
        """Each feed's subscription, in order (None: none): one query for a batch of
        polls, where a lookup per 304 cost more than the poll."""
        found: dict[int, PushSubscription] = {}
        with self.session() as s:
            for chunk in chunks(list(dict.fromkeys(feed_ids))):
                q = select(WebSubRow).where(col(WebSubRow.feed_id).in_(chunk))
                found.update((r.feed_id, _sub(r)) for r in s.execute(q).scalars())
        return [found.get(i) for i in feed_ids]

    def push_subscription_by_token(self, token: str) -> PushSubscription | None:
        """The subscription a callback token names, while its feed is configured: a
        removed feed's hub is told 410 Gone and stops pushing."""
        with self.session() as s:
            row = s.execute(
                select(WebSubRow)
                .join(FeedRow, col(FeedRow.id) == col(WebSubRow.feed_id))
                .where(
                    col(WebSubRow.token) == token, col(FeedRow.active), col(FeedRow.kind) == "feed"
                )
            ).first()
            return _sub(row[0]) if row else None

    def request_push(self, sub: PushSubscription) -> None:
        """Record a subscription request about to be sent: a new one, or a renewal (the
        token and secret then stay, so pushes signed meanwhile still verify)."""
        with self.writing() as s:
            found = s.execute(
                select(WebSubRow).where(col(WebSubRow.feed_id) == sub.feed_id)
            ).first()
            if found is None:
                s.add(
                    WebSubRow(
                        feed_id=sub.feed_id,
                        hub=sub.hub,
                        topic=sub.topic,
                        secret=sub.secret,
                        token=sub.token,
                        state="requested",
                        requested_at=sub.requested_at,
                    )
                )
                return
            row = found[0]
            renewal = (row.hub, row.topic, row.token) == (sub.hub, sub.topic, sub.token)
            row.hub, row.topic, row.secret, row.token = sub.hub, sub.topic, sub.secret, sub.token
            row.requested_at = sub.requested_at
            row.last_error = None
            if not (renewal and row.state == "active"):
                # Another hub or topic: nothing is pushed until the new hub verifies.
                row.state, row.lease_until = "requested", None

    def push_verified(self, token: str, lease_s: int | None) -> None:
        """The hub confirmed the subscription: pushes count from now until the lease ends."""
        until = self.clock() + timedelta(seconds=lease_s) if lease_s else None
        self._set(token, state="active", lease_until=until, last_error=None)

    def push_refused(self, token: str, state: str, reason: str) -> None:
        """The hub denied the subscription, or the request failed ("denied", "failed")."""
        self._set(token, state=state, last_error=reason[:2000], lease_until=None)

    def push_received(self, token: str) -> None:
        with self.writing() as s:
            s.execute(
                update(WebSubRow)
                .where(col(WebSubRow.token) == token)
                .values(pushes=col(WebSubRow.pushes) + 1, last_push_at=self.clock())
            )

    def claim_feed(self, owner: str, feed_id: int, lease: timedelta) -> DueFeed | None:
        """Lease one feed now, due or not (a push to process), unless another daemon
        holds it."""
        now = self.clock()
        feed = table(FeedRow)
        stmt = (
            update(feed)
            .where(
                feed.c.id == feed_id,
                feed.c.active,
                feed.c.lease_until.is_(None) | (feed.c.lease_until < now),
            )
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(*feed.c)
        )
        with self.writing() as s:
            row = s.execute(stmt).first()
        return due_feed(row) if row is not None else None

    def _set(self, token: str, **values: object) -> None:
        with self.writing() as s:
            s.execute(update(WebSubRow).where(col(WebSubRow.token) == token).values(**values))
