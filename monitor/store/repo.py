"""Repository functions: everything that reads or writes the database.

Each public method is one transaction. Rows never leave this module: callers get
dataclasses from monitor.types or plain values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from monitor.store.tables import (
    ArticleRow,
    DeliveryRow,
    DigestItemRow,
    DigestRow,
    EntryRow,
    FeedRow,
    HitRow,
)
from monitor.types import Article, FeedSource, HitView, PollState, Snippet, WatchlistMatch


def table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def utcnow() -> datetime:
    return datetime.now(UTC)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class DueFeed:
    id: int
    source: FeedSource
    state: PollState


@dataclass(frozen=True)
class PollRecord:
    feed_id: int
    ok: bool
    next_poll_at: datetime
    state: PollState | None = None
    error: str | None = None
    new_items: int = 0


@dataclass(frozen=True)
class FeedStatus:
    url: str
    name: str | None
    active: bool
    interval_s: int
    last_success_at: datetime | None
    last_polled_at: datetime | None
    last_error: str | None
    error_count: int
    next_poll_at: datetime | None
    items_seen: int
    failing_since: datetime | None = None


@dataclass(frozen=True)
class SavedArticle:
    article_id: int
    new_hits: tuple[int, ...]
    created: bool


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    digest_id: int
    subscription: str
    destination: str
    attempts: int


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # -- feeds -----------------------------------------------------------

    def sync_feeds(self, sources: Sequence[FeedSource]) -> None:
        """Make the feed table hold the configured feeds; others are kept but inactive."""
        now = utcnow()
        wanted = {s.url: s for s in sources}
        with self.session() as s, s.begin():
            for url, src in wanted.items():
                stmt = (
                    self._insert(table(FeedRow))
                    .values(
                        url=url,
                        name=src.name,
                        interval_s=src.interval_s,
                        fetch_pages=src.pages,
                        active=True,
                        created_at=now,
                        error_count=0,
                        items_seen=0,
                    )
                    .on_conflict_do_update(
                        index_elements=["url"],
                        set_={
                            "name": src.name,
                            "interval_s": src.interval_s,
                            "fetch_pages": src.pages,
                            "active": True,
                        },
                    )
                )
                s.execute(stmt)
            s.execute(
                update(FeedRow).where(col(FeedRow.url).not_in(list(wanted))).values(active=False)
            )

    def due_feeds(self, now: datetime | None = None) -> list[DueFeed]:
        now = now or utcnow()
        with self.session() as s:
            rows = s.execute(
                select(FeedRow)
                .where(col(FeedRow.active))
                .where((col(FeedRow.next_poll_at).is_(None)) | (col(FeedRow.next_poll_at) <= now))
                .order_by(col(FeedRow.next_poll_at))
            ).all()
            return [self._due(r[0]) for r in rows]

    def feed(self, url: str) -> DueFeed | None:
        with self.session() as s:
            row = s.execute(select(FeedRow).where(col(FeedRow.url) == url)).first()
            return self._due(row[0]) if row else None

    @staticmethod
    def _due(r: FeedRow) -> DueFeed:
        assert r.id is not None
        return DueFeed(
            r.id,
            FeedSource(r.url, r.name, r.interval_s, r.fetch_pages),
            PollState(r.etag, r.last_modified),
        )

    def record_poll(
        self,
        feed_id: int,
        *,
        ok: bool,
        next_poll_at: datetime,
        state: PollState | None = None,
        error: str | None = None,
        new_items: int = 0,
    ) -> None:
        self.record_polls([PollRecord(feed_id, ok, next_poll_at, state, error, new_items)])

    def record_polls(self, records: Sequence[PollRecord]) -> None:
        """Store the outcome of many polls in one transaction (one commit, one fsync).

        Successes share two statement shapes (with or without new validators) and go
        as executemany: building one SQLAlchemy statement per feed costs more CPU than
        the poll itself when thousands of feeds answer 304.
        """
        now = utcnow()
        feed = table(FeedRow)
        ok_values = {
            "last_polled_at": now,
            "last_success_at": now,
            "error_count": 0,
            "last_error": None,
            "failing_since": None,
            "next_poll_at": bindparam("b_next"),
            "items_seen": feed.c.items_seen + bindparam("b_new"),
        }
        plain = update(feed).where(feed.c.id == bindparam("b_id")).values(**ok_values)
        with_state = plain.values(etag=bindparam("b_etag"), last_modified=bindparam("b_lm"))
        rows: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
        for r in records:
            if r.ok:
                row = {"b_id": r.feed_id, "b_next": r.next_poll_at, "b_new": r.new_items}
                if r.state is not None:
                    row.update(b_etag=r.state.etag, b_lm=r.state.last_modified)
                rows[r.state is not None].append(row)
        with self.session() as s, s.begin():
            conn = s.connection()
            if rows[False]:
                conn.execute(plain, rows[False])
            if rows[True]:
                conn.execute(with_state, rows[True])
            for r in records:
                if r.ok:
                    continue
                conn.execute(
                    update(feed)
                    .where(feed.c.id == r.feed_id)
                    .values(
                        last_polled_at=now,
                        next_poll_at=r.next_poll_at,
                        last_error=(r.error or "unknown error")[:2000],
                        last_error_at=now,
                        error_count=feed.c.error_count + 1,
                        failing_since=func.coalesce(feed.c.failing_since, now),
                    )
                )

    def error_count(self, feed_id: int) -> int:
        """Failures in a row of this feed so far."""
        with self.session() as s:
            n = s.execute(
                select(col(FeedRow.error_count)).where(col(FeedRow.id) == feed_id)
            ).scalar()
            return int(n or 0)

    def feed_statuses(self, *where: Any) -> list[FeedStatus]:
        """Every feed's status, or those meeting the `where` conditions."""
        with self.session() as s:
            rows = s.execute(select(FeedRow).where(*where).order_by(col(FeedRow.url))).all()
            return [
                FeedStatus(
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
                )
                for (r,) in rows
            ]

    # A feed's outage: failing_since set by its first failure, down_notified once the
    # operator is told; a success clears failing_since, and the recovery notice clears
    # down_notified. Each flip is a conditional UPDATE, so one daemon of several sends it.
    _DOWN_UNTOLD = (col(FeedRow.failing_since).is_not(None), col(FeedRow.down_notified).is_(False))
    _BACK_UNTOLD = (col(FeedRow.failing_since).is_(None), col(FeedRow.down_notified))

    def down_since(self, before: datetime) -> list[FeedStatus]:
        """Feeds failing since before `before` whose outage the operator has not been told of."""
        return self.feed_statuses(
            col(FeedRow.active), col(FeedRow.failing_since) <= before, *self._DOWN_UNTOLD
        )

    def recovered(self) -> list[FeedStatus]:
        """Feeds reported down that have succeeded since."""
        return self.feed_statuses(*self._BACK_UNTOLD)

    def claim_down_notice(self, url: str) -> bool:
        """True for exactly one caller (of several daemons) per outage."""
        return self._claim(url, self._DOWN_UNTOLD, down_notified=True)

    def claim_recovery_notice(self, url: str) -> bool:
        """True once after a feed that was reported down has succeeded again."""
        return self._claim(url, self._BACK_UNTOLD, down_notified=False)

    def _claim(self, url: str, untold: tuple[Any, ...], down_notified: bool) -> bool:
        with self.session() as s, s.begin():
            res = s.execute(
                update(FeedRow)
                .where(col(FeedRow.url) == url, *untold)
                .values(down_notified=down_notified)
                .returning(col(FeedRow.id))
            )
            return res.first() is not None

    # -- entries and articles ----------------------------------------------

    def unseen_keys(self, feed_id: int, keys: Iterable[str]) -> set[str]:
        """The entry keys of this feed not processed before."""
        by_hash = {key_hash(k): k for k in keys}
        if not by_hash:
            return set()
        with self.session() as s:
            seen = s.execute(
                select(col(EntryRow.key_hash))
                .where(col(EntryRow.feed_id) == feed_id)
                .where(col(EntryRow.key_hash).in_(list(by_hash)))
            ).all()
        seen_hashes = {r[0] for r in seen}
        return {k for h, k in by_hash.items() if h not in seen_hashes}

    def article_id(self, url: str) -> int | None:
        with self.session() as s:
            row = s.execute(select(col(ArticleRow.id)).where(col(ArticleRow.url) == url)).first()
            return row[0] if row else None

    def mark_seen(self, feed_id: int, key: str, article_id: int | None) -> None:
        with self.session() as s, s.begin():
            self._mark_seen(s, feed_id, key, article_id)

    def _mark_seen(self, s: Session, feed_id: int, key: str, article_id: int | None) -> None:
        s.execute(
            self._insert(table(EntryRow))
            .values(
                feed_id=feed_id, key_hash=key_hash(key), article_id=article_id, seen_at=utcnow()
            )
            .on_conflict_do_nothing(index_elements=["feed_id", "key_hash"])
        )

    def save_article(
        self,
        article: Article,
        matches: Sequence[WatchlistMatch],
        *,
        feed_id: int | None = None,
        entry_key: str | None = None,
    ) -> SavedArticle:
        """Store the article once (by canonical URL) and its hits once (by article, watchlist).

        An article seen before with other text is updated; it gets hits only for
        watchlists it did not hit before.
        """
        now = utcnow()
        with self.session() as s, s.begin():
            existing = s.execute(
                select(col(ArticleRow.id), col(ArticleRow.content_hash)).where(
                    col(ArticleRow.url) == article.url
                )
            ).first()
            created = existing is None
            if existing is None:
                row = s.execute(
                    self._insert(table(ArticleRow))
                    .values(
                        url=article.url,
                        link=article.link,
                        title=article.title,
                        text=article.text,
                        outlet=article.outlet,
                        author=article.author,
                        published=article.published,
                        language=article.language,
                        source=article.source,
                        content_hash=article.content_hash,
                        story=article.content_hash[:16],
                        feed_id=feed_id,
                        first_seen_at=now,
                        updated_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["url"])
                    .returning(table(ArticleRow).c.id)
                ).first()
                if row is None:  # another daemon stored it a moment ago
                    created = False
                    row = s.execute(
                        select(col(ArticleRow.id)).where(col(ArticleRow.url) == article.url)
                    ).first()
                assert row is not None
                article_id = int(row[0])
            else:
                article_id = int(existing[0])
                if existing[1] != article.content_hash and article.source == "page":
                    s.execute(
                        update(ArticleRow)
                        .where(col(ArticleRow.id) == article_id)
                        .values(
                            title=article.title,
                            text=article.text,
                            content_hash=article.content_hash,
                            updated_at=now,
                        )
                    )
            new_hits = self._add_hits(s, article_id, matches)
            if feed_id is not None and entry_key is not None:
                self._mark_seen(s, feed_id, entry_key, article_id)
        return SavedArticle(article_id, tuple(new_hits), created)

    def articles_since(
        self, since: datetime, after_id: int = 0, limit: int = 200
    ) -> list[tuple[int, str, str]]:
        """(id, title, text) of articles first seen since `since`, in id order, a page at a time."""
        with self.session() as s:
            rows = s.execute(
                select(col(ArticleRow.id), col(ArticleRow.title), col(ArticleRow.text))
                .where(col(ArticleRow.first_seen_at) >= since)
                .where(col(ArticleRow.id) > after_id)
                .order_by(col(ArticleRow.id))
                .limit(limit)
            ).all()
            return [(int(i), t, x) for i, t, x in rows]

    def add_hits(self, article_id: int, matches: Sequence[WatchlistMatch]) -> list[int]:
        """Store hits for an existing article; (article, watchlist) pairs already hit are skipped."""
        with self.session() as s, s.begin():
            return self._add_hits(s, article_id, matches)

    def _add_hits(
        self, s: Session, article_id: int, matches: Sequence[WatchlistMatch]
    ) -> list[int]:
        new_hits = []
        now = utcnow()
        for m in matches:
            hit = s.execute(
                self._insert(table(HitRow))
                .values(
                    article_id=article_id,
                    watchlist=m.watchlist,
                    entities=list(m.entities),
                    snippets=[_snippet_json(sn) for sn in m.snippets],
                    found_at=now,
                )
                .on_conflict_do_nothing(index_elements=["article_id", "watchlist"])
                .returning(table(HitRow).c.id)
            ).first()
            if hit is not None:
                new_hits.append(int(hit[0]))
        return new_hits

    def article_text(self, url: str) -> tuple[str, str] | None:
        with self.session() as s:
            row = s.execute(
                select(col(ArticleRow.title), col(ArticleRow.text)).where(
                    col(ArticleRow.url) == url
                )
            ).first()
            return (row[0], row[1]) if row else None

    # -- hits ----------------------------------------------------------------

    def hits(
        self,
        *,
        since: datetime | None = None,
        watchlists: Sequence[str] | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[HitView]:
        q = select(HitRow, ArticleRow).join(
            ArticleRow, col(HitRow.article_id) == col(ArticleRow.id)
        )
        if since is not None:
            q = q.where(col(HitRow.found_at) >= since)
        if watchlists is not None:
            q = q.where(col(HitRow.watchlist).in_(list(watchlists)))
        if ids is not None:
            q = q.where(col(HitRow.id).in_(list(ids)))
        q = q.order_by(col(HitRow.found_at).desc(), col(HitRow.id).desc())
        with self.session() as s:
            return [_hit_view(h, a) for h, a in s.execute(q).all()]

    @staticmethod
    def _undelivered(
        q: Any, subscription: str, watchlists: Sequence[str] | None, since: datetime
    ) -> Any:
        """Restrict a query on HitRow to hits not yet claimed by a digest of the subscription."""
        claimed = select(col(DigestItemRow.hit_id)).where(
            col(DigestItemRow.subscription) == subscription
        )
        q = q.where(col(HitRow.found_at) >= since).where(col(HitRow.id).not_in(claimed))
        if watchlists is not None:
            q = q.where(col(HitRow.watchlist).in_(list(watchlists)))
        return q

    def undelivered_hits(
        self, subscription: str, watchlists: Sequence[str] | None, since: datetime
    ) -> list[HitView]:
        q = self._undelivered(
            select(HitRow, ArticleRow).join(
                ArticleRow, col(HitRow.article_id) == col(ArticleRow.id)
            ),
            subscription,
            watchlists,
            since,
        ).order_by(col(HitRow.found_at).desc(), col(HitRow.id).desc())
        with self.session() as s:
            return [_hit_view(h, a) for h, a in s.execute(q).all()]

    def oldest_undelivered(
        self, subscription: str, watchlists: Sequence[str] | None, since: datetime
    ) -> datetime | None:
        """When the oldest hit still waiting for this subscription was found, if any."""
        q = self._undelivered(
            select(func.min(col(HitRow.found_at))), subscription, watchlists, since
        )
        with self.session() as s:
            return s.execute(q).scalar()

    # -- digests and the outbox ---------------------------------------------

    def last_digest_end(self, subscription: str) -> datetime | None:
        with self.session() as s:
            return s.execute(
                select(func.max(col(DigestRow.period_end))).where(
                    col(DigestRow.subscription) == subscription
                )
            ).scalar()

    def create_digest(
        self,
        subscription: str,
        hit_ids: Sequence[int],
        destinations: Sequence[tuple[str, str]],
        period_start: datetime | None,
        period_end: datetime,
    ) -> tuple[int, list[int]] | None:
        """Claim the hits for one digest and queue one delivery per destination.

        Hits another digest claimed first (another daemon) are left out; with none
        left, nothing is created and None is returned. Returns (digest id, hit ids).
        """
        with self.session() as s, s.begin():
            digest = DigestRow(
                subscription=subscription,
                period_start=period_start,
                period_end=period_end,
                created_at=utcnow(),
            )
            s.add(digest)
            s.flush()
            assert digest.id is not None
            claimed = []
            for hid in hit_ids:
                r = s.execute(
                    self._insert(table(DigestItemRow))
                    .values(digest_id=digest.id, subscription=subscription, hit_id=hid)
                    .on_conflict_do_nothing(index_elements=["subscription", "hit_id"])
                    .returning(table(DigestItemRow).c.hit_id)
                ).first()
                if r is not None:
                    claimed.append(int(r[0]))
            if not claimed:
                s.rollback()
                return None
            for key, label in destinations:
                s.add(DeliveryRow(digest_id=digest.id, destination=key, label=label[:500]))
            return digest.id, claimed

    def digest_info(self, digest_id: int) -> tuple[str, datetime | None, datetime, list[int]]:
        with self.session() as s:
            d = s.get(DigestRow, digest_id)
            assert d is not None
            ids = s.execute(
                select(col(DigestItemRow.hit_id)).where(col(DigestItemRow.digest_id) == digest_id)
            ).all()
            return d.subscription, d.period_start, d.period_end, [int(r[0]) for r in ids]

    def pending_deliveries(
        self, subscription: str | None = None, now: datetime | None = None
    ) -> list[PendingDelivery]:
        now = now or utcnow()
        q = (
            select(DeliveryRow, col(DigestRow.subscription))
            .join(DigestRow, col(DeliveryRow.digest_id) == col(DigestRow.id))
            .where(col(DeliveryRow.status) == "pending")
            .where(
                (col(DeliveryRow.next_attempt_at).is_(None))
                | (col(DeliveryRow.next_attempt_at) <= now)
            )
            .order_by(col(DeliveryRow.id))
        )
        if subscription is not None:
            q = q.where(col(DigestRow.subscription) == subscription)
        with self.session() as s:
            return [
                PendingDelivery(d.id, d.digest_id, sub, d.destination, d.attempts)
                for d, sub in s.execute(q).all()
            ]

    def delivery_done(self, delivery_id: int) -> None:
        with self.session() as s, s.begin():
            s.execute(
                update(DeliveryRow)
                .where(col(DeliveryRow.id) == delivery_id)
                .values(status="sent", sent_at=utcnow(), attempts=col(DeliveryRow.attempts) + 1)
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
            values["next_attempt_at"] = utcnow() + retry_in
        with self.session() as s, s.begin():
            s.execute(
                update(DeliveryRow).where(col(DeliveryRow.id) == delivery_id).values(**values)
            )

    def delivery_counts(self) -> dict[str, int]:
        with self.session() as s:
            rows = s.execute(
                select(col(DeliveryRow.status), func.count()).group_by(col(DeliveryRow.status))
            ).all()
            return {str(st): int(n) for st, n in rows}


def _snippet_json(sn: Snippet) -> dict[str, Any]:
    return {
        "text": sn.text,
        "highlights": [list(h) for h in sn.highlights],
        "entities": list(sn.entities),
    }


def _hit_view(h: HitRow, a: ArticleRow) -> HitView:
    assert h.id is not None
    return HitView(
        hit_id=h.id,
        url=a.url,
        title=a.title,
        outlet=a.outlet,
        published=a.published,
        watchlist=h.watchlist,
        entities=tuple(h.entities),
        entity_labels=tuple(h.entities),
        snippets=tuple(
            Snippet(
                text=sn["text"],
                highlights=tuple((int(x), int(y)) for x, y in sn["highlights"]),
                entities=tuple(sn.get("entities", ())),
            )
            for sn in h.snippets
        ),
        story=a.story,
        found_at=h.found_at,
        source=a.source,
    )
