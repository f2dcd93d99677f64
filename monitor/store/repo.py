"""Repository functions: everything that reads or writes the database.

Each public method is one transaction. Rows never leave this module: callers get
dataclasses from monitor.types or plain values.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import numpy as np
import structlog
from sqlalchemy import Engine, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from monitor.store.db import for_writing
from monitor.store.tables import (
    ArticleRow,
    DeliveryRow,
    DigestItemRow,
    DigestRow,
    EntryRow,
    FeedRow,
    HitRow,
)
from monitor.stories import (
    WINDOW_DAYS,
    band_key_matrix,
    best_story,
    minhash_matrix,
)
from monitor.storyindex import BandIndex, Indexed
from monitor.types import (
    Article,
    FeedSource,
    HitView,
    PollState,
    Signature,
    Snippet,
    WatchlistMatch,
)

T = TypeVar("T")
log = structlog.get_logger()


def table(model: type) -> Table:
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def utcnow() -> datetime:
    return datetime.now(UTC)


_STORY_LOCK = int.from_bytes(hashlib.sha256(b"news-monitor stories").digest()[:8], "big") >> 1


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# Articles of a transaction, not yet committed, by band key: story -> signature.
_Pending = dict[int, dict[str, Signature]]


def _epoch(t: datetime) -> float:
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


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
    story: str


@dataclass(frozen=True)
class NewEntry:
    """An article to store with its matches and, when it came from a feed, the entry."""

    article: Article
    matches: tuple[WatchlistMatch, ...]
    key: str | None = None  # the feed entry's key
    fingerprint: str | None = None  # the feed entry's title and summary, hashed


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
        self._writer = for_writing(engine)
        self._write_lock: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )
        # The story index of this process (monitor.storyindex), built on first use; its
        # lock makes this process's story assignments, and their index updates, one at a time.
        self._index = BandIndex()
        self._index_built = False
        self._seen_id = 0  # every article up to this id is known to the index (or not banded)
        self._story_lock = threading.Lock()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction. On SQLite, this process's writers take turns here:
        waiting on SQLite's own lock means its busy handler's sleeps, which cost
        more than the writes when many feeds finish at once."""
        with self._write_lock, Session(self._writer, expire_on_commit=False) as s, s.begin():
            yield s

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    # -- feeds -----------------------------------------------------------

    def sync_feeds(self, sources: Sequence[FeedSource]) -> None:
        """Make the feed table hold the configured feeds; others are kept but inactive."""
        now = utcnow()
        wanted = {s.url: s for s in sources}
        with self.writing() as s:
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
        with self.writing() as s:
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
        with self.writing() as s:
            res = s.execute(
                update(FeedRow)
                .where(col(FeedRow.url) == url, *untold)
                .values(down_notified=down_notified)
                .returning(col(FeedRow.id))
            )
            return res.first() is not None

    # -- entries and articles ----------------------------------------------

    def fresh_entries(self, feed_id: int, entries: Sequence[tuple[str, str]]) -> dict[str, bool]:
        """Of (key, fingerprint) pairs, those new to this feed (False) or edited since (True).

        An entry whose title and summary are unchanged is not news again, whatever
        its date says.
        """
        by_hash = {key_hash(k): (k, fp) for k, fp in entries}
        if not by_hash:
            return {}
        seen: dict[str, str | None] = {}
        with self.session() as s:
            for chunk in _chunks(list(by_hash), 500):
                rows = s.execute(
                    select(col(EntryRow.key_hash), col(EntryRow.fingerprint))
                    .where(col(EntryRow.feed_id) == feed_id)
                    .where(col(EntryRow.key_hash).in_(chunk))
                ).all()
                seen.update((h, fp) for h, fp in rows)
        out = {}
        for h, (k, fp) in by_hash.items():
            if h not in seen:
                out[k] = False
            elif seen[h] is not None and seen[h] != fp:
                out[k] = True
        return out

    def known_articles(self, urls: Iterable[str]) -> dict[str, int]:
        """Article ids by canonical URL, for the URLs already stored."""
        found: dict[str, int] = {}
        with self.session() as s:
            for chunk in _chunks(list(set(urls)), 500):
                rows = s.execute(
                    select(col(ArticleRow.url), col(ArticleRow.id)).where(
                        col(ArticleRow.url).in_(chunk)
                    )
                ).all()
                found.update((u, int(i)) for u, i in rows)
        return found

    def mark_seen(self, feed_id: int, seen: Sequence[tuple[str, str | None, int | None]]) -> None:
        """Record (key, fingerprint, article id) entries of a feed as processed."""
        with self.writing() as s:
            self._mark_seen(s, feed_id, seen)

    def _mark_seen(
        self, s: Session, feed_id: int, seen: Sequence[tuple[str, str | None, int | None]]
    ) -> None:
        if not seen:
            return
        now = utcnow()
        rows = {
            h: {
                "feed_id": feed_id,
                "key_hash": h,
                "fingerprint": fp,
                "article_id": aid,
                "seen_at": now,
            }
            for h, fp, aid in ((key_hash(k), fp, aid) for k, fp, aid in seen)
        }
        stmt = self._insert(table(EntryRow))
        stmt = stmt.on_conflict_do_update(
            index_elements=["feed_id", "key_hash"],
            set_={"fingerprint": stmt.excluded.fingerprint, "article_id": stmt.excluded.article_id},
        )
        s.connection().execute(stmt, list(rows.values()))

    def save_article(
        self,
        article: Article,
        matches: Sequence[WatchlistMatch],
        *,
        feed_id: int | None = None,
        entry_key: str | None = None,
    ) -> SavedArticle:
        return self.save_articles([NewEntry(article, tuple(matches), entry_key)], feed_id)[0]

    def save_articles(
        self, entries: Sequence[NewEntry], feed_id: int | None = None
    ) -> list[SavedArticle]:
        """Store a feed's new articles, their hits and its entries in one transaction.

        An article is stored once (by canonical URL), and joins the story of an earlier
        copy (same text, or a near-duplicate within the clustering window). An article
        seen before with other text is updated; it gets hits only for watchlists it
        did not hit before. Hits are unique per (article, watchlist).
        """
        return self.save_feeds([(feed_id, entries)])[0]

    def save_feeds(
        self, feeds: Sequence[tuple[int | None, Sequence[NewEntry]]]
    ) -> list[list[SavedArticle]]:
        """save_articles for several feeds in one transaction (one commit for a burst).

        If the transaction fails, each feed is tried in its own, so a feed whose
        entries cannot be stored costs only itself (its call raises).
        """
        with self._story_lock:
            try:
                return self._save_committed(feeds)
            except Exception:
                if len(feeds) == 1:
                    raise
            out: list[list[SavedArticle]] = []
            for feed in feeds:
                try:
                    out += self._save_committed([feed])
                except Exception:
                    log.exception("articles not stored", feed_id=feed[0], articles=len(feed[1]))
                    out.append([])
            return out

    def _save_committed(
        self, feeds: Sequence[tuple[int | None, Sequence[NewEntry]]]
    ) -> list[list[SavedArticle]]:
        """One transaction; its articles join the story index once it has committed, so
        the index never holds an article the database does not."""
        fresh: list[Indexed] = []
        pending: _Pending = {}
        with self.writing() as s:
            if self.engine.dialect.name == "postgresql":
                # Story assignment reads then writes: one daemon at a time, so two
                # copies saved at once by two daemons still meet. (On SQLite the
                # write transaction, BEGIN IMMEDIATE, is already one at a time.)
                s.execute(select(func.pg_advisory_xact_lock(_STORY_LOCK)))
            # Before this transaction inserts anything: the index must not take in
            # rows that are not committed yet.
            self._catch_up(s.connection(), utcnow())
            out = [self._save(s, entries, feed_id, fresh, pending) for feed_id, entries in feeds]
            top = s.execute(select(func.max(col(ArticleRow.id)))).scalar()
        self._index.add(fresh)
        # Every id up to the highest now stored was committed by this transaction or
        # before it (all article inserts hold the story lock): none to catch up on.
        self._seen_id = max(self._seen_id, int(top or 0))
        return out

    def _save(
        self,
        s: Session,
        entries: Sequence[NewEntry],
        feed_id: int | None,
        fresh: list[Indexed],
        pending: _Pending,
    ) -> list[SavedArticle]:
        """Store one feed's entries; `fresh` gets the new articles for the story index,
        `pending` (see _assign_stories) those of the transaction so far."""
        now = utcnow()
        conn = s.connection()
        by_url: dict[str, Article] = {}
        for e in entries:
            by_url.setdefault(e.article.url, e.article)
        existing = {
            u: (int(cast(int, i)), h, src, st)
            for u, i, h, src, st in conn.execute(
                select(
                    col(ArticleRow.url),
                    col(ArticleRow.id),
                    col(ArticleRow.content_hash),
                    col(ArticleRow.source),
                    col(ArticleRow.story),
                ).where(col(ArticleRow.url).in_(list(by_url)))
            ).all()
        }
        new = [a for u, a in by_url.items() if u not in existing]
        ids: dict[str, tuple[int, str]] = {u: (v[0], v[3]) for u, v in existing.items()}
        if new:
            stories = self._assign_stories(conn, new, now, pending)
            ids.update(self._insert_articles(conn, new, stories, feed_id, now, fresh))
        for u, (aid, old_hash, old_source, _) in existing.items():
            a = by_url[u]
            # An edit replaces the text, but a feed summary never replaces a page's text.
            if old_hash != a.content_hash and not (a.source == "feed" and old_source == "page"):
                conn.execute(
                    update(ArticleRow)
                    .where(col(ArticleRow.id) == aid)
                    .values(
                        title=a.title,
                        text=a.text,
                        content_hash=a.content_hash,
                        source=a.source,
                        updated_at=now,
                    )
                )
        hits = self._add_hits_many(
            conn, [(ids[e.article.url][0], m) for e in entries for m in e.matches], now
        )
        if feed_id is not None:
            self._mark_seen(
                s,
                feed_id,
                [(e.key, e.fingerprint, ids[e.article.url][0]) for e in entries if e.key],
            )
        created = {a.url for a in new}
        return [
            SavedArticle(
                ids[e.article.url][0],
                tuple(hits.get(ids[e.article.url][0], ())),
                e.article.url in created,
                ids[e.article.url][1],
            )
            for e in entries
        ]

    def _insert_articles(
        self,
        conn: Any,
        new: Sequence[Article],
        stories: Sequence[tuple[str, list[int] | None]],
        feed_id: int | None,
        now: datetime,
        fresh: list[Indexed],
    ) -> dict[str, tuple[int, str]]:
        art = table(ArticleRow)
        values = [
            {
                "url": a.url,
                "link": a.link,
                "title": a.title,
                "text": a.text,
                "outlet": a.outlet,
                "author": a.author,
                "published": a.published,
                "language": a.language,
                "source": a.source,
                "content_hash": a.content_hash,
                "story": story,
                "feed_id": feed_id,
                "first_seen_at": now,
                "updated_at": now,
                "minhash": a.signature.values if a.signature else None,
                "shingles": a.signature.shingles if a.signature else 0,
                "banded": keys is not None,
            }
            for a, (story, keys) in zip(new, stories, strict=True)
        ]
        # executemany with RETURNING in parameter order: one cached statement, sent in
        # batches, where a multi-VALUES insert would be compiled anew for each size.
        # The URLs were checked absent in this transaction, under the story lock.
        rows = conn.execute(
            insert(art).returning(art.c.id, sort_by_parameter_order=True), values
        ).all()
        ids = {a.url: (int(r[0]), st) for a, (st, _), r in zip(new, stories, rows, strict=True)}
        seen = now.timestamp()
        fresh += [
            Indexed(ids[a.url][0], st, seen, keys)
            for a, (st, keys) in zip(new, stories, strict=True)
            if keys is not None
        ]
        return ids

    def _catch_up(self, conn: Any, now: datetime) -> None:
        """Bring the story index up to date with the database: all of the window on
        first use, then the articles other daemons (or processes) stored since."""
        art = table(ArticleRow)
        cutoff = now - timedelta(days=WINDOW_DAYS)
        q = select(art.c.id, art.c.story, art.c.first_seen_at, art.c.minhash).where(art.c.banded)
        if self._index_built:
            # The window is checked below, not in SQL: the newest rows by primary key,
            # with no planner choosing the first-seen index (all of the window) instead.
            q = q.where(art.c.id > self._seen_id)
        else:
            top = conn.execute(select(func.max(art.c.id))).scalar()
            self._seen_id = max(self._seen_id, int(top or 0))
            q = q.where(art.c.first_seen_at >= cutoff)
        fetched = conn.execute(q.order_by(art.c.id)).all()
        rows = [r for r in fetched if _epoch(r[2]) >= cutoff.timestamp()]
        if rows:
            self._index.build(
                np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                [r[1] for r in rows],
                np.fromiter((_epoch(r[2]) for r in rows), dtype=np.float64, count=len(rows)),
                minhash_matrix([bytes(r[3]) for r in rows]),
            )
        if fetched:  # committed rows: read once, whatever becomes of this transaction
            self._seen_id = max(self._seen_id, int(fetched[-1][0]))
        self._index_built = True

    def _assign_stories(
        self, conn: Any, new: Sequence[Article], now: datetime, pending: _Pending
    ) -> list[tuple[str, list[int] | None]]:
        """The story of each new article: an earlier copy's, else a story of its own;
        and its band keys for the index (None for an exact copy: its original's are there).

        `pending`: the articles this transaction assigned so far, by band key (not in
        the index until it commits); the new ones are added to it.
        """
        art = table(ArticleRow)
        exact: dict[str, str] = {}
        for chunk in _chunks(list({a.content_hash for a in new}), 500):
            rows = conn.execute(
                select(art.c.content_hash, func.min(art.c.story))
                .where(art.c.content_hash.in_(chunk))
                .group_by(art.c.content_hash)
            ).all()
            exact.update((h, st) for h, st in rows)
        # An exact copy is not banded: its original's keys are in the index.
        banding = {
            i: a.signature for i, a in enumerate(new) if a.signature and a.content_hash not in exact
        }
        matrix = band_key_matrix(minhash_matrix([sig.values for sig in banding.values()]))
        keyed = dict(zip(banding, matrix.tolist(), strict=True))
        keys = [keyed.get(i, []) for i in range(len(new))]
        where, found = self._index.matches(matrix.ravel())
        owner = np.repeat(np.fromiter(banding, np.int64, len(banding)), matrix.shape[1])[where]
        candidates: list[set[int]] = [set() for _ in keys]
        # An article meets a candidate under several keys: each pair once.
        for i, aid in set(zip(owner.tolist(), found.tolist(), strict=True)):
            candidates[i].add(aid)
        known: dict[int, tuple[str, Signature]] = {}
        window = now - timedelta(days=WINDOW_DAYS)
        for ids_chunk in _chunks(list({c for cs in candidates for c in cs}), 500):
            rows = conn.execute(
                select(art.c.id, art.c.story, art.c.minhash, art.c.shingles).where(
                    art.c.id.in_(ids_chunk), art.c.banded, art.c.first_seen_at >= window
                )
            ).all()
            known.update((int(i), (st, Signature(bytes(mh), int(n)))) for i, st, mh, n in rows)
        out: list[tuple[str, list[int] | None]] = []
        for a, ks, cands in zip(new, keys, candidates, strict=True):
            story = exact.get(a.content_hash)
            banded = story is None and a.signature is not None
            if banded:
                assert a.signature is not None
                pool = [known[c] for c in cands if c in known]
                # Met under several keys, an earlier article of the transaction counts once.
                pool += {
                    id(sig): (st, sig) for k in ks for st, sig in pending.get(k, {}).items()
                }.values()
                story = best_story(a.signature, pool) or a.content_hash[:16]
                for k in ks:  # one entry per story and key, as in the index
                    pending.setdefault(k, {}).setdefault(story, a.signature)
            story = story or a.content_hash[:16]
            exact.setdefault(a.content_hash, story)
            out.append((story, ks if banded else None))
        return out

    def prune_stories(self, now: datetime | None = None) -> int:
        """Take articles older than the clustering window out of the story index.

        Keeps the index (and each lookup) the size of the window, not of the history.
        Returns how many articles were taken out.
        """
        cutoff = (now or utcnow()) - timedelta(days=WINDOW_DAYS)
        with self._story_lock:
            return self._index.prune(cutoff.timestamp())

    def indexed_articles(self) -> int:
        """Articles in this process's story index (the clustering window)."""
        return len(self._index)

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
        with self.writing() as s:
            return self._add_hits_many(
                s.connection(), [(article_id, m) for m in matches], utcnow()
            ).get(article_id, [])

    def _add_hits_many(
        self, conn: Any, pairs: Sequence[tuple[int, WatchlistMatch]], now: datetime
    ) -> dict[int, list[int]]:
        """Insert (article id, match) hits; returns the new hit ids by article id."""
        hit = table(HitRow)
        unique = {(aid, m.watchlist): (aid, m) for aid, m in pairs}
        values = [
            {
                "article_id": aid,
                "watchlist": m.watchlist,
                "entities": list(m.entities),
                "snippets": [_snippet_json(sn) for sn in m.snippets],
                "found_at": now,
            }
            for aid, m in unique.values()
        ]
        out: dict[int, list[int]] = defaultdict(list)
        for chunk in _chunks(values, 100):
            rows = conn.execute(
                self._insert(hit)
                .values(chunk)
                .on_conflict_do_nothing(index_elements=["article_id", "watchlist"])
                .returning(hit.c.id, hit.c.article_id)
            ).all()
            for hid, aid in sorted(rows):
                out[int(aid)].append(int(hid))
        return out

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

    def stories_sent(
        self, subscription: str, stories: Iterable[str], before_digest: int | None = None
    ) -> set[tuple[str, str]]:
        """(watchlist, story) pairs among `stories` that digests of the subscription held
        (only those made before `before_digest`, when given)."""
        wanted = list(set(stories))
        found: set[tuple[str, str]] = set()
        for chunk in _chunks(wanted, 500):
            q = (
                select(col(HitRow.watchlist), col(ArticleRow.story))
                .join(DigestItemRow, col(DigestItemRow.hit_id) == col(HitRow.id))
                .join(ArticleRow, col(ArticleRow.id) == col(HitRow.article_id))
                .where(col(DigestItemRow.subscription) == subscription)
                .where(col(ArticleRow.story).in_(chunk))
                .distinct()
            )
            if before_digest is not None:
                q = q.where(col(DigestItemRow.digest_id) < before_digest)
            with self.session() as s:
                found.update((w, st) for w, st in s.execute(q).all())
        return found

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
        with self.writing() as s:
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
        with self.writing() as s:
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
        with self.writing() as s:
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
        url=a.link,  # the link as published (tracking removed); a.url is the identity
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
