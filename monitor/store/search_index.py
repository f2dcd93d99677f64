"""PostgreSQL's search index kept up after storing (migration 0014): articles are
stored unsearchable, and marked searchable a batch at a time in a transaction of their
own, where GIN takes their words and their ranking lead is made. SQLite's FTS5 triggers
index in the storing transaction; there is nothing to do."""

from __future__ import annotations

from sqlalchemy import text

from monitor.store.base import StoreBase

BATCH = 500  # articles a transaction: a few hundred milliseconds of the index's upkeep
_LEAD = (
    "setweight(to_tsvector('simple', monitor_fold(coalesce(a.title, ''))), 'A') || "
    "to_tsvector('simple', monitor_fold(left(coalesce(a.text, ''), 400)))"
)
# SKIP LOCKED: daemons indexing at once take different articles, and none waits on an
# article a storing transaction is editing.
_INDEX = text(
    "WITH q AS (SELECT id FROM article WHERE NOT searchable ORDER BY id LIMIT :n "
    "FOR UPDATE SKIP LOCKED) "
    f"UPDATE article a SET searchable = true, search_lead = {_LEAD} FROM q WHERE a.id = q.id"
)


class SearchIndexMixin(StoreBase):
    def index_search(self, batch: int = BATCH, batches: int = 20) -> int:
        """PostgreSQL: put stored articles not yet in the search index into it, up to
        `batches` transactions of `batch`; how many went in."""
        if not self.postgres:
            return 0
        done = 0
        for _ in range(batches):
            with self.writing() as s:
                n = s.connection().execute(_INDEX.bindparams(n=batch)).rowcount
            done += n
            if n < batch:
                break
        return done

    def search_backlog(self) -> int:
        """Articles stored but not yet searchable (0 on SQLite)."""
        if not self.postgres:
            return 0
        with self.session() as s:
            return int(
                s.execute(text("SELECT count(*) FROM article WHERE NOT searchable")).scalar() or 0
            )
