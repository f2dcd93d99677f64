"""Retention: older articles and hits leave the database, in small transactions.

An article older than the articles' cutoff goes whole when no hit points at it; one
with hits keeps its title, link, outlet and story (what a hit shows) and loses its
text and signature. Hits older than theirs go with their digest items; digests and
their deliveries stay, the record of what was sent. Feed entries seen before the
older cutoff go too. On SQLite the freed pages go back to the disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Executable, delete, exists, func, select, update
from sqlmodel import col

from monitor.store.base import StoreBase, chunks
from monitor.store.tables import ArticleRow, DigestItemRow, EntryRow, HitRow
from monitor.views import PruneReport

BATCH = 500  # rows per transaction: the daemons' writes wait for one batch at most


class RetentionMixin(StoreBase):
    def prune(
        self, articles_before: datetime, hits_before: datetime, dry_run: bool = False
    ) -> PruneReport:
        size_before = self._file_bytes()
        old_hits = self._ids(select(col(HitRow.id)).where(col(HitRow.found_at) < hits_before))
        old = col(ArticleRow.first_seen_at) < articles_before
        with_hit = exists().where(col(HitRow.article_id) == col(ArticleRow.id))
        if dry_run:
            # What goes if the hits go first: an article whose every hit is old goes whole.
            keep = exists().where(
                col(HitRow.article_id) == col(ArticleRow.id), col(HitRow.found_at) >= hits_before
            )
            whole = self._count(select(func.count()).where(old, ~keep))
            texts = self._count(
                select(func.count()).where(old, keep, func.length(col(ArticleRow.text)) > 0)
            )
        else:
            for batch in chunks(old_hits, BATCH):
                with self.writing() as s:
                    s.execute(delete(DigestItemRow).where(col(DigestItemRow.hit_id).in_(batch)))
                    s.execute(delete(HitRow).where(col(HitRow.id).in_(batch)))
            texts = self._strip_texts(
                self._ids(
                    select(col(ArticleRow.id)).where(
                        old, with_hit, func.length(col(ArticleRow.text)) > 0
                    )
                )
            )
            whole = self._delete_articles(
                self._ids(select(col(ArticleRow.id)).where(old, ~with_hit))
            )
        entries_q = col(EntryRow.seen_at) < min(articles_before, hits_before)
        if dry_run:
            entries = self._count(select(func.count()).select_from(EntryRow).where(entries_q))
        else:
            entries = 0
            for batch in chunks(self._ids(select(col(EntryRow.id)).where(entries_q)), BATCH):
                with self.writing() as s:
                    s.execute(delete(EntryRow).where(col(EntryRow.id).in_(batch)))
                entries += len(batch)
        freed = None
        if size_before is not None and not dry_run:
            self._vacuum()
            after = self._file_bytes()
            freed = size_before - after if after is not None else None
        return PruneReport(
            articles_deleted=whole,
            texts_removed=texts,
            hits_deleted=len(old_hits),
            entries_deleted=entries,
            bytes_freed=freed,
            cutoffs={"articles": articles_before, "hits": hits_before},
        )

    def _ids(self, q: Executable) -> list[int]:
        with self.session() as s:
            return [int(i) for i in s.execute(q).scalars()]

    def _count(self, q: Executable) -> int:
        with self.session() as s:
            return int(s.execute(q).scalar() or 0)

    def _strip_texts(self, ids: Sequence[int]) -> int:
        for batch in chunks(ids, BATCH):
            with self.writing() as s:
                s.execute(
                    update(ArticleRow)
                    .where(col(ArticleRow.id).in_(batch))
                    .values(text="", minhash=None, shingles=0, banded=False)
                )
        return len(ids)

    def _delete_articles(self, ids: Sequence[int]) -> int:
        gone = 0
        no_hit = ~exists().where(col(HitRow.article_id) == col(ArticleRow.id))
        for batch in chunks(ids, BATCH):
            with self.writing() as s:
                # Unless a hit was found for it meanwhile, the article goes; its feed
                # entry stays, so its page is not fetched again.
                ids_now = list(
                    s.execute(
                        select(col(ArticleRow.id)).where(col(ArticleRow.id).in_(batch), no_hit)
                    ).scalars()
                )
                s.execute(
                    update(EntryRow)
                    .where(col(EntryRow.article_id).in_(ids_now))
                    .values(article_id=None)
                )
                s.execute(delete(ArticleRow).where(col(ArticleRow.id).in_(ids_now)))
                gone += len(ids_now)
        return gone

    def _file_bytes(self) -> int | None:
        """The SQLite file's size in pages in use and free; None on PostgreSQL."""
        if self.postgres or self.engine.url.database in (None, "", ":memory:"):
            return None
        with self.engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar() or 0
            size = conn.exec_driver_sql("PRAGMA page_size").scalar() or 0
        return int(pages) * int(size)

    def _vacuum(self) -> None:
        raw = self.engine.raw_connection()  # outside a transaction, as the pragmas ask
        try:
            db = raw.driver_connection
            assert db is not None
            # Python's sqlite3 steps a statement without result columns once, and each
            # step of incremental_vacuum frees one page: step it until none is free.
            while db.execute("PRAGMA freelist_count").fetchone()[0]:
                db.execute("PRAGMA incremental_vacuum")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
