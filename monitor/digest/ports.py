"""What the digest side needs of the store: hits to send, the outbox, the operator's
notices, and what the rounds read to decide; nothing else, so that a test of digests
can hand it a store of its own."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from monitor.clock import Clock
from monitor.types import DeliveryView, FeedStatus, HitView, PendingDelivery, StoredDigest


class NoticeStore(Protocol):
    """The operator's notices: feeds down and back, deliveries dead; each told once."""

    def down_since(self, before: datetime) -> list[FeedStatus]: ...

    def claim_down_notice(self, url: str) -> bool: ...

    def recovered(self) -> list[FeedStatus]: ...

    def claim_recovery_notice(self, url: str) -> bool: ...

    def stale_untold(self) -> list[FeedStatus]: ...

    def claim_stale_notice(self, url: str) -> bool: ...

    def dead_untold(self) -> list[DeliveryView]: ...

    def claim_dead_notice(self, delivery_id: int) -> bool: ...


class DigestStore(NoticeStore, Protocol):
    """Digests made from undelivered hits, their deliveries, and the rounds' reads."""

    @property
    def clock(self) -> Clock: ...

    def undelivered_hits(
        self, subscription: str, watchlists: Sequence[str] | None, since: datetime
    ) -> list[HitView]: ...

    def oldest_undelivered(
        self, subscription: str, watchlists: Sequence[str] | None, since: datetime
    ) -> datetime | None: ...

    def last_digest_end(self, subscription: str) -> datetime | None: ...

    def stories_sent(
        self, subscription: str, stories: Iterable[str], before_digest: int | None = None
    ) -> dict[tuple[str, str], datetime]: ...

    def create_digest(
        self,
        subscription: str,
        hit_ids: Sequence[int],
        destinations: Sequence[tuple[str, str]],
        period_end: datetime,
    ) -> StoredDigest | None: ...

    def create_notice(
        self,
        subscription: str,
        kind: str,
        note: str,
        dedupe: str,
        destinations: Sequence[tuple[str, str]],
    ) -> StoredDigest | None: ...

    def digest(self, digest_id: int) -> StoredDigest: ...

    def hits(
        self,
        *,
        since: datetime | None = None,
        watchlists: Sequence[str] | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[HitView]: ...

    def claim_deliveries(
        self,
        owner: str,
        lease: timedelta,
        subscription: str,
        due: bool = True,
        limit: int | None = None,
        skip: Collection[int] = (),
    ) -> list[PendingDelivery]: ...

    def delivery_progress(
        self, delivery_id: int, parts_sent: int, claim: str | None, lease: timedelta
    ) -> bool: ...

    def still_claimed(self, delivery_id: int, claim: str | None) -> bool: ...

    def delivery_done(self, delivery_id: int, claim: str | None = None) -> bool: ...

    def delivery_failed(
        self, delivery_id: int, error: str, retry_in: timedelta | None, claim: str | None = None
    ) -> bool: ...

    def orphaned_deliveries(
        self, configured: Mapping[str, Collection[str]]
    ) -> list[DeliveryView]: ...

    def cancel_deliveries(self, ids: Sequence[int], reason: str) -> list[int]: ...

    def found_stories(
        self, watchlist: str, since: datetime
    ) -> list[tuple[datetime, str, tuple[str, ...]]]: ...

    def last_message_at(self, subscription: str) -> datetime | None: ...

    def first_feed_at(self) -> datetime | None: ...

    def feed_statuses(self, *where: Any) -> list[FeedStatus]: ...
