"""Digests: the hits each one claimed for its subscription, and the stories it held."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from monitor.clock import aware
from monitor.store.base import StoreBase, chunks, table
from monitor.store.tables import ArticleRow, DeliveryRow, DigestItemRow, DigestRow, HitRow
from monitor.types import StoredDigest

_DIGESTS = col(DigestRow.kind) == "digest"  # digests of hits, not notices


def _lock_key(subscription: str) -> int:
    """The advisory lock under which one subscription's digests are made."""
    digest = hashlib.sha256(f"news-monitor digest {subscription}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class DigestsMixin(StoreBase):
    def stories_sent(
        self, subscription: str, stories: Iterable[str], before_digest: int | None = None
    ) -> dict[tuple[str, str], datetime]:
        """(watchlist, story) pairs among `stories` that digests of the subscription held
        (only those made before `before_digest`, when given), with when the first of
        them was made."""
        found: dict[tuple[str, str], datetime] = {}
        with self.session() as s:
            for chunk in chunks(list(set(stories))):
                q = (
                    select(
                        col(HitRow.watchlist),
                        col(ArticleRow.story),
                        func.min(col(DigestRow.created_at)),
                    )
                    .join(DigestItemRow, col(DigestItemRow.hit_id) == col(HitRow.id))
                    .join(DigestRow, col(DigestRow.id) == col(DigestItemRow.digest_id))
                    .join(ArticleRow, col(ArticleRow.id) == col(HitRow.article_id))
                    .where(col(DigestItemRow.subscription) == subscription)
                    .where(col(ArticleRow.story).in_(chunk))
                    .group_by(col(HitRow.watchlist), col(ArticleRow.story))
                )
                if before_digest is not None:
                    q = q.where(col(DigestItemRow.digest_id) < before_digest)
                found.update(((w, st), aware(at)) for w, st, at in s.execute(q).all())
        return found

    def last_digest_end(self, subscription: str) -> datetime | None:
        with self.session() as s:
            end: datetime | None = s.execute(
                select(func.max(col(DigestRow.period_end))).where(
                    col(DigestRow.subscription) == subscription, _DIGESTS
                )
            ).scalar()
            return end

    def message_kinds(self, subscription: str) -> list[tuple[int, str]]:
        """(id, kind) of the subscription's digests and notices, oldest first."""
        q = (
            select(col(DigestRow.id), col(DigestRow.kind))
            .where(col(DigestRow.subscription) == subscription)
            .order_by(col(DigestRow.id))
        )
        with self.session() as s:
            return [(int(i), str(k)) for i, k in s.execute(q).all()]

    def last_message_at(self, subscription: str) -> datetime | None:
        """When the subscription's last digest or notice was made."""
        with self.session() as s:
            at: datetime | None = s.execute(
                select(func.max(col(DigestRow.created_at))).where(
                    col(DigestRow.subscription) == subscription
                )
            ).scalar()
            return aware(at) if at is not None else None

    def create_notice(
        self,
        subscription: str,
        kind: str,
        note: str,
        dedupe: str,
        destinations: Sequence[tuple[str, str]],
    ) -> StoredDigest | None:
        """A notice (a spike, a heartbeat) to a subscription, queued like a digest; made
        once per `dedupe` whichever daemon gets there first (None: it exists)."""
        now = self.clock()
        with self.writing() as s:
            dig = table(DigestRow)
            row = s.execute(
                self.insert(dig)
                .values(
                    subscription=subscription,
                    period_start=None,
                    period_end=now,
                    created_at=now,
                    key=secrets.token_hex(16),
                    kind=kind,
                    note=note,
                    dedupe=dedupe,
                )
                .on_conflict_do_nothing(index_elements=["subscription", "dedupe"])
                .returning(dig.c.id, dig.c.key)
            ).first()
            if row is None:
                return None
            for key, label in destinations:
                s.add(DeliveryRow(digest_id=row[0], destination=key, label=label[:500]))
            return StoredDigest(row[0], subscription, None, now, (), row[1], kind, note)

    def create_digest(
        self,
        subscription: str,
        hit_ids: Sequence[int],
        destinations: Sequence[tuple[str, str]],
        period_end: datetime,
    ) -> StoredDigest | None:
        """Claim the hits for one digest and queue one delivery per (key, label) destination.

        One subscription's digests are made one at a time across daemons, each
        starting where the last ended: hits another digest claimed first are left
        out, and with none left nothing is created and None is returned.
        """
        with self.writing() as s:
            if self.postgres:  # on SQLite the write transaction is already one at a time
                s.execute(select(func.pg_advisory_xact_lock(_lock_key(subscription))))
            period_start = s.execute(
                select(func.max(col(DigestRow.period_end))).where(
                    col(DigestRow.subscription) == subscription, _DIGESTS
                )
            ).scalar()
            digest = DigestRow(
                subscription=subscription,
                period_start=period_start,
                period_end=period_end,
                created_at=self.clock(),
                key=secrets.token_hex(16),
            )
            s.add(digest)
            s.flush()
            assert digest.id is not None
            item = table(DigestItemRow)
            claimed = []
            for hid in hit_ids:
                r = s.execute(
                    self.insert(item)
                    .values(digest_id=digest.id, subscription=subscription, hit_id=hid)
                    .on_conflict_do_nothing(index_elements=["subscription", "hit_id"])
                    .returning(item.c.hit_id)
                ).first()
                if r is not None:
                    claimed.append(int(r[0]))
            if not claimed:
                s.rollback()
                return None
            for key, label in destinations:
                s.add(DeliveryRow(digest_id=digest.id, destination=key, label=label[:500]))
            return StoredDigest(
                digest.id, subscription, period_start, period_end, tuple(claimed), digest.key or ""
            )

    def digest(self, digest_id: int) -> StoredDigest:
        with self.session() as s:
            d = s.get(DigestRow, digest_id)
            assert d is not None and d.id is not None
            ids = s.execute(
                select(col(DigestItemRow.hit_id)).where(col(DigestItemRow.digest_id) == digest_id)
            ).all()
            return StoredDigest(
                d.id,
                d.subscription,
                d.period_start,
                d.period_end,
                tuple(int(r[0]) for r in ids),
                d.key or f"digest-{d.id}",  # made before digests had keys
                d.kind,
                d.note,
            )
