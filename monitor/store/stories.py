"""This process's story index, kept in step with the database, and the reads that story
assignment needs. The decisions are identity.assign's; the buckets identity.bandindex's.

The index is built from the database on first use, caught up with the articles other
daemons (or processes) stored before each assignment, and given this process's own
articles once their transaction has committed, so it never holds an article the
database does not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from monitor.clock import aware
from monitor.identity.assign import Assignment, Pending, assign, band_keys, candidates
from monitor.identity.bandindex import BandIndex, Indexed
from monitor.identity.minhash import WINDOW_DAYS, minhash_matrix
from monitor.store.base import chunks, table
from monitor.store.tables import ArticleRow
from monitor.types import Article, Signature


class StoryIndex:
    def __init__(self) -> None:
        self.index = BandIndex()
        # This process's story assignments, and their index updates, one at a time.
        self.lock = threading.Lock()
        self._built = False
        self._seen_id = 0  # every article up to this id is known to the index (or not banded)

    def __len__(self) -> int:
        """Articles in the index (the clustering window)."""
        return len(self.index)

    def catch_up(self, conn: Any, now: datetime) -> None:
        """Bring the index up to date with the database: all of the window on first
        use, then the articles stored since by others. Call before the transaction
        inserts anything: the index must not take in rows that are not committed."""
        art = table(ArticleRow)
        cutoff = now - timedelta(days=WINDOW_DAYS)
        q = select(art.c.id, art.c.story, art.c.first_seen_at, art.c.minhash).where(art.c.banded)
        if self._built:
            # The window is checked below, not in SQL: the newest rows by primary key,
            # with no planner choosing the first-seen index (all of the window) instead.
            q = q.where(art.c.id > self._seen_id)
        else:
            top = conn.execute(select(func.max(art.c.id))).scalar()
            self._seen_id = max(self._seen_id, int(top or 0))
            q = q.where(art.c.first_seen_at >= cutoff)
        fetched = conn.execute(q.order_by(art.c.id)).all()
        rows = [r for r in fetched if aware(r[2]) >= cutoff]
        if rows:
            self.index.build(
                np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                [r[1] for r in rows],
                np.fromiter(
                    (aware(r[2]).timestamp() for r in rows), dtype=np.float64, count=len(rows)
                ),
                minhash_matrix([bytes(r[3]) for r in rows]),
            )
        if fetched:  # committed rows: read once, whatever becomes of this transaction
            self._seen_id = max(self._seen_id, int(fetched[-1][0]))
        self._built = True

    def assign(
        self, conn: Any, new: Sequence[Article], now: datetime, pending: Pending
    ) -> list[Assignment]:
        """The story of each new article (see identity.assign), read in this transaction."""
        art = table(ArticleRow)
        exact: dict[str, str] = {}
        for chunk in chunks(list({a.content_hash for a in new})):
            rows = conn.execute(
                select(art.c.content_hash, func.min(art.c.story))
                .where(art.c.content_hash.in_(chunk))
                .group_by(art.c.content_hash)
            ).all()
            exact.update((h, st) for h, st in rows)
        keyed = band_keys(new, exact)
        met = candidates(self.index, keyed)
        known: dict[int, tuple[str, Signature]] = {}
        window = now - timedelta(days=WINDOW_DAYS)
        for ids_chunk in chunks(list({c for cs in met.values() for c in cs})):
            rows = conn.execute(
                select(art.c.id, art.c.story, art.c.minhash, art.c.shingles).where(
                    art.c.id.in_(ids_chunk), art.c.banded, art.c.first_seen_at >= window
                )
            ).all()
            known.update((int(i), (st, Signature(bytes(mh), int(n)))) for i, st, mh, n in rows)
        return assign(new, exact, keyed, met, known, pending)

    def committed(self, fresh: Iterable[Indexed], top_id: int) -> None:
        """A transaction that stored `fresh` has committed; `top_id`: the highest article
        id it saw. Every id up to it was committed by that transaction or before it (all
        article inserts hold the story lock): none to catch up on."""
        self.index.add(fresh)
        self._seen_id = max(self._seen_id, top_id)

    def prune(self, now: datetime) -> int:
        """Take articles that have left the clustering window out of the index; returns
        how many. Keeps the index (and each lookup) the size of the window, not of the
        history; the database's first-seen time decides the window in any case."""
        with self.lock:
            return self.index.prune((now - timedelta(days=WINDOW_DAYS)).timestamp())
