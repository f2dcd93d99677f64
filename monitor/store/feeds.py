"""The feed table: the configured feeds, their poll state and their outages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import bindparam, delete, func, select, update
from sqlmodel import col

from monitor.clock import aware
from monitor.feeds.staleness import arrived, is_stale
from monitor.store.base import StoreBase, chunks, table
from monitor.store.tables import ArticleRow, FeedRow, HitRow, WebSubRow
from monitor.types import (
    SOURCE_KINDS,
    DueFeed,
    FeedSource,
    FeedStatus,
    PollRecord,
    PollState,
    SourceKind,
)

log = structlog.get_logger()


def due_feed(r: Any) -> DueFeed:
    assert r.id is not None
    return DueFeed(
        r.id,
        FeedSource(r.url, r.name, r.interval_s, r.fetch_pages, source_kind(r.kind)),
        PollState(r.etag, r.last_modified),
        r.error_count,
        r.lease_owner,
    )


def _status(
    r: FeedRow, now: datetime, pushed_until: datetime | None = None, hits: int = 0
) -> FeedStatus:
    arrivals = _arrivals(r.arrivals)
    return FeedStatus(
        r.url,
        r.name,
        r.active,
        r.interval_s,
        r.last_success_at,
        r.last_polled_at,
        r.last_error,
        r.error_count,
        r.next_poll_at,
        r.items_seen,
        r.failing_since,
        r.lease_owner if r.lease_until and aware(r.lease_until) > now else None,
        source_kind(r.kind),
        aware(pushed_until) if pushed_until else None,
        arrivals,
        r.active and is_stale(arrivals, r.failing_since is not None, now),
        hits,
        arrivals[-1] if arrivals else None,
    )


def _arrivals(stored: list[str] | None) -> tuple[datetime, ...]:
    return tuple(aware(datetime.fromisoformat(t)) for t in stored or ())


def source_kind(value: str) -> SourceKind:
    """The kind column as the type says; a value a newer version wrote reads as a feed."""
    for kind in SOURCE_KINDS:
        if value == kind:
            return kind
    return "feed"


class FeedsMixin(StoreBase):
    def sync_feeds(self, sources: Sequence[FeedSource]) -> None:
        """Make the feed table hold the configured feeds; others are kept but inactive.

        In a few statements whatever the number of feeds (a config of 100,000 is read
        at every start and edit): the table is read once, then the new, the changed and
        the removed feeds are written in batches."""
        now = self.clock()
        wanted = {s.url: s for s in sources}
        feed = table(FeedRow)
        with self.writing() as s:
            conn = s.connection()
            have = {
                r.url: r
                for r in conn.execute(
                    select(
                        feed.c.id,
                        feed.c.url,
                        feed.c.name,
                        feed.c.interval_s,
                        feed.c.fetch_pages,
                        feed.c.kind,
                        feed.c.active,
                    )
                ).all()
            }
            new = [
                {
                    "url": u,
                    "name": src.name,
                    "interval_s": src.interval_s,
                    "fetch_pages": src.pages,
                    "kind": src.kind,
                    "active": True,
                    "created_at": now,
                    "next_poll_at": now,  # due at once: the first poll
                    "error_count": 0,
                    "items_seen": 0,
                }
                for u, src in wanted.items()
                if u not in have
            ]
            changed = [
                {
                    "b_id": r.id,
                    "b_name": src.name,
                    "b_interval": src.interval_s,
                    "b_pages": src.pages,
                    "b_kind": src.kind,
                }
                for u, src in wanted.items()
                if (r := have.get(u)) is not None
                and (r.name, r.interval_s, r.fetch_pages, r.kind, r.active)
                != (src.name, src.interval_s, src.pages, src.kind, True)
            ]
            removed = [r.id for u, r in have.items() if r.active and u not in wanted]
            for chunk in chunks(new, 1000):
                # A daemon starting beside this one may add the same feeds: theirs stand.
                conn.execute(
                    self.insert(feed).on_conflict_do_nothing(index_elements=["url"]), chunk
                )
            if changed:
                conn.execute(
                    update(feed)
                    .where(feed.c.id == bindparam("b_id"))
                    .values(
                        name=bindparam("b_name"),
                        interval_s=bindparam("b_interval"),
                        fetch_pages=bindparam("b_pages"),
                        kind=bindparam("b_kind"),
                        active=True,
                    ),
                    changed,
                )
            for ids in chunks(removed):
                conn.execute(update(feed).where(feed.c.id.in_(ids)).values(active=False))
            # A feed removed, or now another kind, loses its WebSub subscription: its hub
            # gets 410 Gone, and a feed added again subscribes anew.
            gone = select(col(FeedRow.id)).where(
                ~col(FeedRow.active) | (col(FeedRow.kind) != "feed")
            )
            s.execute(delete(WebSubRow).where(col(WebSubRow.feed_id).in_(gone)))

    def claim_feeds(
        self, owner: str, lease: timedelta, limit: int | None = None, due: bool = True
    ) -> list[DueFeed]:
        """Lease up to `limit` feeds to `owner`: active ones whose next poll has come (all
        active ones with `due=False`) that no other daemon holds, the most overdue first.

        One statement, `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`:
        daemons claiming at once never get the same feed, and none waits for another.
        A daemon that dies keeps its leases only until they expire.
        """
        now = self.clock()
        feed = table(FeedRow)
        pick = select(feed.c.id).where(
            feed.c.active,
            feed.c.lease_until.is_(None) | (feed.c.lease_until < now),
        )
        if due:
            # A range of ix_feed_due (migration 0013): the scan stops at the limit.
            pick = pick.where(feed.c.next_poll_at <= now)
        pick = pick.order_by(feed.c.next_poll_at, feed.c.id)
        if limit is not None:
            pick = pick.limit(limit)
        stmt = (
            update(feed)
            .where(feed.c.id.in_(pick.with_for_update(skip_locked=True)))
            .values(lease_owner=owner, lease_until=now + lease)
            .returning(*feed.c)
        )
        with self.writing() as s:
            rows = s.execute(stmt).all()
        return sorted((due_feed(r) for r in rows), key=lambda f: f.id)

    def renew_leases(self, owner: str, feed_ids: Sequence[int], lease: timedelta) -> int:
        """Extend `owner`'s leases on feeds it is still polling; returns how many it
        renewed. A feed whose row a transaction holds (its result or its articles being
        written) is passed over, not waited for: two writers waiting on each other's
        rows was a deadlock, and that lease is ending or is renewed next time."""
        if not feed_ids:
            return 0
        held = 0
        feed = table(FeedRow)
        with self.writing() as s:
            for chunk in chunks(sorted(feed_ids)):
                mine = (
                    select(feed.c.id)
                    .where(feed.c.id.in_(chunk), feed.c.lease_owner == owner)
                    .with_for_update(skip_locked=True)
                )
                held += (
                    s.connection()
                    .execute(
                        update(feed)
                        .where(feed.c.id.in_(mine))
                        .values(lease_until=self.clock() + lease)
                    )
                    .rowcount
                )
        return held

    def release_leases(self, owner: str) -> int:
        """Give up every lease `owner` holds (a daemon stopping): others take them now."""
        with self.writing() as s:
            return (
                s.connection()
                .execute(
                    update(FeedRow)
                    .where(col(FeedRow.lease_owner) == owner)
                    .values(lease_owner=None, lease_until=None)
                )
                .rowcount
            )

    def active_feeds(self) -> list[DueFeed]:
        """Every configured feed, whatever its schedule (`run --once`)."""
        with self.session() as s:
            rows = s.execute(
                select(FeedRow).where(col(FeedRow.active)).order_by(col(FeedRow.id))
            ).all()
            return [due_feed(r[0]) for r in rows]

    def record_polls(self, records: Sequence[PollRecord]) -> None:
        """Store the outcome of many polls in one transaction (one commit, one fsync).

        Successes share two statement shapes (with or without new validators) and go
        as executemany: building one SQLAlchemy statement per feed costs more CPU than
        the poll itself when thousands of feeds answer 304. A failure keeps the feed's
        validators, so its next poll is a full one.
        """
        now = self.clock()
        feed = table(FeedRow)
        # Fenced: a result is written only while its lease is still the writer's, and
        # writing it ends the lease. (A record without a lease: a feed nobody holds.)
        held = feed.c.lease_owner.is_not_distinct_from(bindparam("b_lease"))
        ok_values = {
            "last_polled_at": now,
            "last_success_at": now,
            "error_count": 0,
            "last_error": None,
            "failing_since": None,
            "next_poll_at": bindparam("b_next"),
            "items_seen": feed.c.items_seen + bindparam("b_new"),
            "lease_owner": None,
            "lease_until": None,
        }
        plain = update(feed).where(feed.c.id == bindparam("b_id"), held).values(**ok_values)
        with_state = plain.values(etag=bindparam("b_etag"), last_modified=bindparam("b_lm"))
        rows: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
        for r in records:
            if r.ok:
                row = {
                    "b_id": r.feed_id,
                    "b_next": r.next_poll_at,
                    "b_new": r.new_items,
                    "b_lease": r.lease,
                }
                if r.state is not None:
                    row.update(b_etag=r.state.etag, b_lm=r.state.last_modified)
                rows[r.state is not None].append(row)
        written = 0
        with self.writing() as s:
            conn = s.connection()
            self.lock_feeds(conn, [r.feed_id for r in records])
            self._record_arrivals(conn, [r for r in records if r.ok and r.new_items], now)
            if rows[False]:
                written += conn.execute(plain, rows[False]).rowcount
            if rows[True]:
                written += conn.execute(with_state, rows[True]).rowcount
            for r in records:
                if r.ok:
                    continue
                written += conn.execute(
                    update(feed)
                    .where(feed.c.id == r.feed_id, held)
                    .values(
                        last_polled_at=now,
                        next_poll_at=r.next_poll_at,
                        last_error=(r.error or "unknown error")[:2000],
                        last_error_at=now,
                        error_count=feed.c.error_count + 1,
                        failing_since=func.coalesce(feed.c.failing_since, now),
                        lease_owner=None,
                        lease_until=None,
                    ),
                    {"b_lease": r.lease},
                ).rowcount
        if written < len(records):
            self.fenced += len(records) - written
            log.warning(
                "poll results dropped: their feeds' leases had passed to another daemon",
                dropped=len(records) - written,
            )

    @staticmethod
    def _record_arrivals(conn: Any, news: Sequence[PollRecord], now: datetime) -> None:
        """Remember when these polls brought new items: before their results are written,
        while the lease that fences them is still held. A feed that brings news is no
        longer stale: the next silence is told again."""
        if not news:
            return
        feed = table(FeedRow)
        stored = dict(
            conn.execute(
                select(feed.c.id, feed.c.arrivals).where(feed.c.id.in_([r.feed_id for r in news]))
            ).all()
        )
        at = aware(now)
        conn.execute(
            update(feed)
            .where(
                feed.c.id == bindparam("b_id"),
                feed.c.lease_owner.is_not_distinct_from(bindparam("b_lease")),
            )
            .values(arrivals=bindparam("b_arrivals"), stale_notified=False),
            [
                {
                    "b_id": r.feed_id,
                    "b_lease": r.lease,
                    "b_arrivals": [
                        t.isoformat() for t in arrived(_arrivals(stored.get(r.feed_id)), at)
                    ],
                }
                for r in news
            ],
        )

    def feed_statuses(self, *where: Any, with_hits: bool = False) -> list[FeedStatus]:
        """Every feed's status, or those meeting the `where` conditions; `with_hits`:
        with the hits of each one's articles counted."""
        with self.session() as s:
            rows = s.execute(select(FeedRow).where(*where).order_by(col(FeedRow.url))).all()
            now = self.clock()
            pushed = dict(
                s.execute(
                    select(col(WebSubRow.feed_id), col(WebSubRow.lease_until)).where(
                        col(WebSubRow.state) == "active", col(WebSubRow.lease_until) > now
                    )
                ).all()
            )
            hits: dict[int, int] = {}
            if with_hits:
                hits = dict(
                    s.execute(
                        select(col(ArticleRow.feed_id), func.count())
                        .select_from(HitRow)
                        .join(ArticleRow, col(HitRow.article_id) == col(ArticleRow.id))
                        .where(col(ArticleRow.feed_id).is_not(None))
                        .group_by(col(ArticleRow.feed_id))
                    ).all()
                )
            return [_status(r, now, pushed.get(r.id), hits.get(r.id or 0, 0)) for (r,) in rows]

    def first_feed_at(self) -> datetime | None:
        """When the first feed was added: the start of the database's watch."""
        with self.session() as s:
            at: datetime | None = s.execute(select(func.min(col(FeedRow.created_at)))).scalar()
            return aware(at) if at is not None else None

    def lease_holders(self) -> dict[str, int]:
        """The daemons polling feeds now, and how many each holds."""
        with self.session() as s:
            rows = s.execute(
                select(col(FeedRow.lease_owner), func.count())
                .where(col(FeedRow.lease_until) > self.clock())
                .group_by(col(FeedRow.lease_owner))
            ).all()
            return {str(owner): int(n) for owner, n in rows}
