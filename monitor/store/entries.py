"""Feed entries already processed, by feed and key: what makes an entry new or edited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from monitor.identity.fingerprint import key_hash
from monitor.store.base import StoreBase, chunks, table
from monitor.store.tables import EntryRow
from monitor.types import SeenEntry


class EntriesMixin(StoreBase):
    def entry_fingerprints(self, feed_id: int, keys: Iterable[str]) -> dict[str, str | None]:
        """The stored fingerprint of each of these entry keys that the feed has seen
        (None for an entry seen before fingerprints were kept)."""
        by_hash = {key_hash(k): k for k in keys}
        out: dict[str, str | None] = {}
        with self.session() as s:
            for chunk in chunks(list(by_hash)):
                rows = s.execute(
                    select(col(EntryRow.key_hash), col(EntryRow.fingerprint))
                    .where(col(EntryRow.feed_id) == feed_id)
                    .where(col(EntryRow.key_hash).in_(chunk))
                ).all()
                out.update((by_hash[h], fp) for h, fp in rows)
        return out

    def mark_seen(self, feed_id: int, seen: Sequence[SeenEntry]) -> None:
        """Record entries of a feed as processed, with the article each became."""
        with self.writing() as s:
            self._mark_seen(s.connection(), feed_id, seen)

    def _mark_seen(self, conn: Any, feed_id: int, seen: Sequence[SeenEntry]) -> None:
        if not seen:
            return
        now = self.clock()
        rows = {
            h: {
                "feed_id": feed_id,
                "key_hash": h,
                "fingerprint": e.fingerprint,
                "article_id": e.article_id,
                "seen_at": now,
            }
            for h, e in ((key_hash(e.key), e) for e in seen)
        }
        stmt = self.insert(table(EntryRow))
        stmt = stmt.on_conflict_do_update(
            index_elements=["feed_id", "key_hash"],
            set_={"fingerprint": stmt.excluded.fingerprint, "article_id": stmt.excluded.article_id},
        )
        conn.execute(stmt, list(rows.values()))
