"""Articles: stored once by canonical URL, each in a story, with their hits and the feed
entries they came from, a burst of feeds in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import structlog
from sqlalchemy import func, insert, select, text, update
from sqlmodel import col

from monitor.errors import LeaseLost
from monitor.identity.assign import Assignment, Pending
from monitor.identity.bandindex import Indexed
from monitor.store.base import chunks, store_error, table
from monitor.store.entries import EntriesMixin
from monitor.store.hits import HitsMixin
from monitor.store.stories import StoryIndex
from monitor.store.tables import ArticleRow, FeedRow
from monitor.types import Article, FeedBatch, NewEntry, SavedArticle, SeenEntry, StoredText

log = structlog.get_logger()

_STORY_LOCK = int.from_bytes(hashlib.sha256(b"news-monitor stories").digest()[:8], "big") >> 1


class ArticlesMixin(EntriesMixin, HitsMixin):
    stories: StoryIndex

    def known_articles(self, urls: Iterable[str]) -> dict[str, int]:
        """Article ids by canonical URL, for the URLs already stored."""
        found: dict[str, int] = {}
        with self.session() as s:
            for chunk in chunks(list(set(urls))):
                rows = s.execute(
                    select(col(ArticleRow.url), col(ArticleRow.id)).where(
                        col(ArticleRow.url).in_(chunk)
                    )
                ).all()
                found.update((u, int(i)) for u, i in rows)
        return found

    def save_feeds(self, feeds: Sequence[FeedBatch]) -> list[list[SavedArticle] | Exception]:
        """Store the new articles of several feeds, their hits and entries, in one
        transaction (one commit for a burst of feeds).

        An article is stored once (by canonical URL), and joins the story of an earlier
        copy (same text, or a near-duplicate within the clustering window). An article
        seen before with other text is updated; it gets hits only for watchlists it
        did not hit before. Hits are unique per (article, watchlist).

        Fenced: a feed polled under a lease is stored only while the lease is still the
        poller's, checked in the same transaction (the feed's row locked until it
        commits); otherwise its place holds LeaseLost and nothing of it is stored.

        If the transaction fails, each feed is tried in its own, so a feed whose
        entries cannot be stored costs only itself: its place in the result holds the
        exception, and nothing of it is stored.
        """
        with self.stories.lock:
            try:
                return self._save_committed(feeds)
            except Exception as exc:
                if len(feeds) == 1:
                    return [store_error("entries not stored", exc)]
            out: list[list[SavedArticle] | Exception] = []
            for feed in feeds:
                try:
                    out += self._save_committed([feed])
                except Exception as exc:  # this feed's own fault, or the database's
                    out.append(store_error("entries not stored", exc))
            return out

    def _save_committed(self, feeds: Sequence[FeedBatch]) -> list[list[SavedArticle] | Exception]:
        """One transaction; its articles join the story index once it has committed."""
        fresh: list[Indexed] = []
        pending = Pending()
        now = self.clock()
        out: list[list[SavedArticle] | Exception] = []
        with self.writing() as s:
            conn = s.connection()
            if self.postgres:
                # Story assignment reads then writes: one daemon at a time, so two
                # copies saved at once by two daemons still meet. (On SQLite the
                # write transaction, BEGIN IMMEDIATE, is already one at a time.)
                conn.execute(select(func.pg_advisory_xact_lock(_STORY_LOCK)))
                # Every read here is a lookup by key. The statistics of a fast-growing
                # article table lag (and there are none where autovacuum is off): with
                # none, PostgreSQL takes `id > n` for a third of the table and 100
                # hashes for half of it, and scans it, 45 ms a batch at 100,000.
                conn.execute(text("SET LOCAL enable_seqscan = off"))
            held = self._leases_held(conn, feeds)
            self.stories.catch_up(conn, now)
            for feed_id, entries, lease in feeds:
                if lease is not None and feed_id not in held:
                    self.fenced += 1
                    log.warning("entries not stored: the feed's lease was lost", feed_id=feed_id)
                    out.append(LeaseLost(f"entries not stored: feed {feed_id}'s lease was lost"))
                    continue
                out.append(self._save(conn, entries, feed_id, now, fresh, pending))
            top = conn.execute(select(func.max(col(ArticleRow.id)))).scalar()
        self.stories.committed(fresh, int(top or 0))
        return out

    def _leases_held(self, conn: Any, feeds: Sequence[FeedBatch]) -> set[int]:
        """The feeds of `feeds` polled under a lease that is still the poller's, their
        rows locked until this transaction ends: no claim moves them meanwhile."""
        leased = [(b.feed_id, b.lease) for b in feeds if b.lease is not None and b.feed_id]
        if not leased:
            return set()
        self.lock_feeds(conn, [f for f, _ in leased])
        feed = table(FeedRow)
        q = select(feed.c.id, feed.c.lease_owner).where(feed.c.id.in_([f for f, _ in leased]))
        owners = dict(conn.execute(q).all())
        return {f for f, lease in leased if owners.get(f) == lease}

    def _save(
        self,
        conn: Any,
        entries: Sequence[NewEntry],
        feed_id: int | None,
        now: datetime,
        fresh: list[Indexed],
        pending: Pending,
    ) -> list[SavedArticle]:
        """Store one feed's entries; `fresh` gets the new articles for the story index,
        `pending` those of the transaction so far (see identity.assign)."""
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
            stories = self.stories.assign(conn, new, now, pending)
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
                        searchable=not self.postgres,  # its new words: indexed anew
                    )
                )
        hits = self._insert_hits(
            conn, [(ids[e.article.url][0], m) for e in entries for m in e.matches], now
        )
        if feed_id is not None:
            self._mark_seen(
                conn,
                feed_id,
                [SeenEntry(e.key, e.fingerprint, ids[e.article.url][0]) for e in entries if e.key],
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
        stories: Sequence[Assignment],
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
                "story": st.story,
                "feed_id": feed_id,
                "first_seen_at": now,
                "updated_at": now,
                "minhash": a.signature.values if a.signature else None,
                "shingles": a.signature.shingles if a.signature else 0,
                "banded": st.keys is not None,
                # PostgreSQL indexes it for search after this transaction (search_index.py)
                "searchable": not self.postgres,
            }
            for a, st in zip(new, stories, strict=True)
        ]
        # executemany with RETURNING in parameter order: one cached statement, sent in
        # batches, where a multi-VALUES insert would be compiled anew for each size.
        # The URLs were checked absent in this transaction, under the story lock.
        rows = conn.execute(
            insert(art).returning(art.c.id, sort_by_parameter_order=True), values
        ).all()
        ids = {a.url: (int(r[0]), st.story) for a, st, r in zip(new, stories, rows, strict=True)}
        seen = now.timestamp()
        fresh += [
            Indexed(ids[a.url][0], st.story, seen, st.keys)
            for a, st in zip(new, stories, strict=True)
            if st.keys is not None
        ]
        return ids

    def texts_since(self, since: datetime, after_id: int = 0, limit: int = 200) -> list[StoredText]:
        """Articles first seen since `since`, in id order, a page at a time (replay)."""
        with self.session() as s:
            rows = s.execute(
                select(col(ArticleRow.id), col(ArticleRow.title), col(ArticleRow.text))
                .where(col(ArticleRow.first_seen_at) >= since)
                .where(col(ArticleRow.id) > after_id)
                .order_by(col(ArticleRow.id))
                .limit(limit)
            ).all()
            return [StoredText(int(i), t, x) for i, t, x in rows]
