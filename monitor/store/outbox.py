"""The outbox: one delivery per digest and destination, each retried on its own."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from monitor.store.base import StoreBase, table
from monitor.store.tables import DeliveryRow, DigestRow
from monitor.types import DeliveryStatus, DeliveryView, PendingDelivery

_STATUS: dict[str, DeliveryStatus] = {
    "pending": "pending",
    "sent": "sent",
    "dead": "dead",
    "cancelled": "cancelled",
}


class OutboxMixin(StoreBase):
    def pending_deliveries(
        self, subscription: str | None = None, now: datetime | None = None, due: bool = True
    ) -> list[PendingDelivery]:
        """Deliveries not yet sent (nor dead): those whose next attempt is due, or all
        of them with `due=False` (`digest send`: sending now means retrying now)."""
        now = now or self.clock()
        q = (
            select(DeliveryRow, col(DigestRow.subscription))
            .join(DigestRow, col(DeliveryRow.digest_id) == col(DigestRow.id))
            .where(col(DeliveryRow.status) == "pending")
            .order_by(col(DeliveryRow.id))
        )
        if due:
            q = q.where(
                (col(DeliveryRow.next_attempt_at).is_(None))
                | (col(DeliveryRow.next_attempt_at) <= now)
            )
        if subscription is not None:
            q = q.where(col(DigestRow.subscription) == subscription)
        with self.session() as s:
            out = []
            for d, sub in s.execute(q).all():
                assert d.id is not None
                out.append(PendingDelivery(d.id, d.digest_id, sub, d.destination, d.attempts))
            return out

    def claim_deliveries(
        self,
        owner: str,
        lease: timedelta,
        subscription: str,
        due: bool = True,
        limit: int | None = None,
        skip: Collection[int] = (),
    ) -> list[PendingDelivery]:
        """Claim the subscription's pending deliveries for `owner` to send: those whose
        next attempt is due (all with `due=False`) that no other daemon is sending.

        `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`: two daemons never
        send one delivery at once. A daemon killed while sending keeps the claim only
        until it expires; then the delivery is sent again, with the same identity.
        """
        now = self.clock()
        d = table(DeliveryRow)
        digests = select(col(DigestRow.id)).where(col(DigestRow.subscription) == subscription)
        pick = select(d.c.id).where(
            d.c.status == "pending",
            d.c.digest_id.in_(digests),
            d.c.claim_until.is_(None) | (d.c.claim_until < now),
        )
        if due:
            pick = pick.where(d.c.next_attempt_at.is_(None) | (d.c.next_attempt_at <= now))
        if skip:
            pick = pick.where(d.c.id.not_in(list(skip)))
        if limit is not None:
            pick = pick.order_by(d.c.id).limit(limit)
        stmt = (
            update(d)
            .where(d.c.id.in_(pick.with_for_update(skip_locked=True)))
            .values(claim_owner=owner, claim_until=now + lease)
            .returning(d.c.id, d.c.digest_id, d.c.destination, d.c.attempts, d.c.parts_sent)
        )
        with self.writing() as s:
            rows = s.connection().execute(stmt).all()
        claimed = [
            PendingDelivery(int(i), int(g), subscription, dest, int(n), owner, int(k or 0))
            for i, g, dest, n, k in rows
        ]
        return sorted(claimed, key=lambda p: p.id)

    def release_claims(self, owner: str) -> int:
        """Give back every delivery `owner` was sending (a daemon known to be gone)."""
        d = table(DeliveryRow)
        with self.writing() as s:
            return (
                s.connection()
                .execute(
                    update(d)
                    .where(d.c.claim_owner == owner)
                    .values(claim_owner=None, claim_until=None)
                )
                .rowcount
            )

    def delivery_progress(
        self, delivery_id: int, parts_sent: int, claim: str | None, lease: timedelta
    ) -> bool:
        """Parts of a split digest sent so far; the claim is kept, and renewed for the
        next part. False when the claim has passed to another daemon."""
        d = table(DeliveryRow)
        with self.writing() as s:
            done = s.connection().execute(
                update(d)
                .where(d.c.id == delivery_id, d.c.claim_owner.is_not_distinct_from(claim))
                .values(parts_sent=parts_sent, claim_until=self.clock() + lease)
            )
            return bool(done.rowcount)

    def still_claimed(self, delivery_id: int, claim: str | None) -> bool:
        """Whether the delivery is still pending under `claim`, by the database's time:
        a daemon back from a partition does not send what passed to another meanwhile."""
        if claim is None:
            return True
        d = table(DeliveryRow)
        with self.session() as s:
            found = s.execute(
                select(d.c.id).where(
                    d.c.id == delivery_id,
                    d.c.status == "pending",
                    d.c.claim_owner == claim,
                    d.c.claim_until > self.clock(),
                )
            ).first()
        return found is not None

    def delivery_done(self, delivery_id: int, claim: str | None = None) -> bool:
        """Mark it sent, if the claim is still `claim`'s; False when it was not."""
        return self._settle(
            delivery_id,
            claim,
            status="sent",
            sent_at=self.clock(),
            attempts=col(DeliveryRow.attempts) + 1,
        )

    def delivery_failed(
        self, delivery_id: int, error: str, retry_in: timedelta | None, claim: str | None = None
    ) -> bool:
        """Record a failed attempt; without a retry time the delivery is dead (shown to
        the operator). Written only while the claim is still `claim`'s."""
        values: dict[str, Any] = {
            "attempts": col(DeliveryRow.attempts) + 1,
            "last_error": error[:2000],
        }
        if retry_in is None:
            values["status"] = "dead"
        else:
            values["next_attempt_at"] = self.clock() + retry_in
        return self._settle(delivery_id, claim, **values)

    def _settle(self, delivery_id: int, claim: str | None, **values: Any) -> bool:
        d = table(DeliveryRow)
        with self.writing() as s:
            done = s.connection().execute(
                update(d)
                .where(d.c.id == delivery_id, d.c.claim_owner.is_not_distinct_from(claim))
                .values(claim_owner=None, claim_until=None, **values)
            )
            return bool(done.rowcount)

    def dead_untold(self) -> list[DeliveryView]:
        """Dead deliveries the operator has not been told of."""
        return self._views(
            col(DeliveryRow.status) == "dead", col(DeliveryRow.dead_notified).is_(False)
        )

    def claim_dead_notice(self, delivery_id: int) -> bool:
        """True for exactly one caller (of several daemons) per dead delivery."""
        with self.writing() as s:
            res = s.execute(
                update(DeliveryRow)
                .where(
                    col(DeliveryRow.id) == delivery_id, col(DeliveryRow.dead_notified).is_(False)
                )
                .values(dead_notified=True)
                .returning(col(DeliveryRow.id))
            )
            return res.first() is not None

    def deliveries(self, dead: bool = False, limit: int = 200) -> list[DeliveryView]:
        """The outbox, newest first: what was sent where, what waits, what is dead."""
        where = [col(DeliveryRow.status) == "dead"] if dead else []
        return self._views(*where, newest_first=True, limit=limit)

    def orphaned_deliveries(self, configured: Mapping[str, Collection[str]]) -> list[DeliveryView]:
        """Pending deliveries that nothing configured will send: their subscription is
        not in `configured` (name -> destination keys), or their destination is not
        among its keys. Oldest first."""
        return [
            v
            for v, key in self._views_keyed(col(DeliveryRow.status) == "pending")
            if key not in configured.get(v.subscription, ())
        ]

    def cancelled_deliveries(self, limit: int = 200) -> list[DeliveryView]:
        return self._views(col(DeliveryRow.status) == "cancelled", newest_first=True, limit=limit)

    def cancel_deliveries(self, ids: Sequence[int], reason: str) -> list[int]:
        """Cancel these deliveries if still pending, keeping them, with the reason, as the
        record; returns the ids cancelled. Any other is left as it is."""
        d = table(DeliveryRow)
        stmt = (
            update(d)
            .where(d.c.status == "pending", d.c.id.in_(list(ids)))
            .values(
                status="cancelled", last_error=reason[:2000], claim_owner=None, claim_until=None
            )
            .returning(d.c.id)
        )
        with self.writing() as s:
            return sorted(int(i) for (i,) in s.connection().execute(stmt).all())

    def _views(
        self, *where: Any, newest_first: bool = False, limit: int | None = None
    ) -> list[DeliveryView]:
        return [v for v, _ in self._views_keyed(*where, newest_first=newest_first, limit=limit)]

    def _views_keyed(
        self, *where: Any, newest_first: bool = False, limit: int | None = None
    ) -> list[tuple[DeliveryView, str]]:
        """Outbox rows as shown, each with its destination's key."""
        order = col(DeliveryRow.id).desc() if newest_first else col(DeliveryRow.id)
        q = (
            select(DeliveryRow, DigestRow)
            .join(DigestRow, col(DeliveryRow.digest_id) == col(DigestRow.id))
            .where(*where)
            .order_by(order)
            .limit(limit)
        )
        with self.session() as s:
            return [
                (
                    DeliveryView(
                        d.id or 0,
                        d.digest_id,
                        g.subscription,
                        d.label,
                        _STATUS.get(d.status, "pending"),
                        d.attempts,
                        d.last_error,
                        d.next_attempt_at,
                        d.sent_at,
                        g.created_at,
                        d.claim_owner,
                    ),
                    d.destination,
                )
                for d, g in s.execute(q).all()
            ]

    def retry_dead(self, ids: Sequence[int] | None = None) -> list[int]:
        """Queue dead deliveries (these, or all dead ones; these may also be cancelled)
        again, with their retries anew; returns the ids queued. Any other is left."""
        d = table(DeliveryRow)
        if ids is None:
            stmt = update(d).where(d.c.status == "dead")
        else:
            stmt = update(d).where(d.c.status.in_(("dead", "cancelled")), d.c.id.in_(list(ids)))
        stmt = stmt.values(
            status="pending", attempts=0, next_attempt_at=None, dead_notified=False
        ).returning(d.c.id)
        with self.writing() as s:
            return sorted(int(i) for (i,) in s.connection().execute(stmt).all())
