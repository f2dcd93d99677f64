"""The outbox: one delivery per digest and destination, each retried on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from monitor.store.base import StoreBase
from monitor.store.tables import DeliveryRow, DigestRow
from monitor.types import PendingDelivery


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

    def delivery_done(self, delivery_id: int) -> None:
        with self.writing() as s:
            s.execute(
                update(DeliveryRow)
                .where(col(DeliveryRow.id) == delivery_id)
                .values(status="sent", sent_at=self.clock(), attempts=col(DeliveryRow.attempts) + 1)
            )

    def delivery_failed(self, delivery_id: int, error: str, retry_in: timedelta | None) -> None:
        """Record a failed attempt; without a retry time the delivery is dead (shown to the operator)."""
        values: dict[str, Any] = {
            "attempts": col(DeliveryRow.attempts) + 1,
            "last_error": error[:2000],
        }
        if retry_in is None:
            values["status"] = "dead"
        else:
            values["next_attempt_at"] = self.clock() + retry_in
        with self.writing() as s:
            s.execute(
                update(DeliveryRow).where(col(DeliveryRow.id) == delivery_id).values(**values)
            )
