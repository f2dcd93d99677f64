"""The full-text index, read for search: the articles an expression finds, scored by
the engine (FTS5's bm25 on SQLite, ts_rank_cd on PostgreSQL) and blended with their
age. Which of them a query really finds is for monitor.search to decide."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, text
from sqlmodel import col

from monitor.clock import aware
from monitor.store.base import StoreBase, chunks
from monitor.store.tables import HitRow
from monitor.views import SearchRow

Sort = Literal["relevance", "newest"]
# Matches of a query read at most, the newest first, before they are ranked: a word in
# every tenth article of a million must not rank a hundred thousand of them.
SCAN = 5000
PG_SCAN = 200  # PostgreSQL: its ranking costs a vector made per row
LEAD = 600  # characters of the text PostgreSQL ranks by, beside the title
HALF_LIFE_DAYS = 30.0  # an article this old weighs half of today's at the same score
TITLE_WEIGHT = 5.0  # a word in the title counts this many times one in the text
_DATE = "coalesce(a.published, a.first_seen_at)"
_PG_DOC = "monitor_fold(coalesce(a.title, '') || ' ' || coalesce(a.text, ''))"


@dataclass(frozen=True)
class SearchFilter:
    since: datetime | None = None
    watchlist: str | None = None  # articles that hit it
    outlet: str | None = None
    language: str | None = None
    month: str | None = None  # "2026-11"


class SearchMixin(StoreBase):
    def search_rows(
        self,
        fts5: str,
        tsquery: str,
        f: SearchFilter,
        sort: Sort,
        limit: int,
        scan: int | None = None,
    ) -> list[SearchRow]:
        """Up to `limit` articles the expression finds (FTS5's for SQLite, a tsquery's
        for PostgreSQL), best first or newest first, with their texts: ranked among the
        `scan` newest it finds (by default SCAN, or PG_SCAN on PostgreSQL)."""
        where, params = self._filters(f)
        default = PG_SCAN if self.postgres else SCAN
        params.update(n=limit, scan=scan or default, now=self.clock())
        if not self.postgres:  # as SQLite holds times: naive UTC text
            params = {k: _naive(v) if isinstance(v, datetime) else v for k, v in params.items()}
        # ties: the copy stored first, the original report, leads its story
        order = f"{_DATE} DESC, a.id" if sort == "newest" else "blended DESC, a.id"
        if self.postgres:
            # ts_rank_cd reads a vector made anew for each row: it ranks by the title
            # and the lead, and over fewer of the newest matches.
            age = f"greatest(0, extract(epoch from (:now - {_DATE})) / 86400.0)"
            sql = (
                "WITH q AS (SELECT to_tsquery('simple', :q) AS q), "
                # Every match's id, through the index first: with the newest first
                # asked for at once, the planner would walk the primary key and make
                # each row's vector to test it.
                "found AS MATERIALIZED (SELECT a.id FROM article a, q "
                f"WHERE to_tsvector('simple', {_PG_DOC}) @@ q.q{where}), "
                "m AS (SELECT id FROM found ORDER BY id DESC LIMIT :scan), "
                "r AS (SELECT a.*, ts_rank_cd(setweight(to_tsvector('simple', "
                "monitor_fold(coalesce(a.title, ''))), 'A') || to_tsvector('simple', "
                f"monitor_fold(left(a.text, {LEAD}))), q.q, 1) AS score "
                "FROM m JOIN article a ON a.id = m.id, q) "
                f"SELECT a.*, a.score / (1 + {age} / {HALF_LIFE_DAYS}) AS blended "
                f"FROM r a ORDER BY {order} LIMIT :n"
            )
            params["q"] = tsquery
        else:
            age = f"max(0, julianday(:now) - julianday({_DATE}))"
            sql = (
                f"WITH m AS (SELECT article_fts.rowid AS id, "
                f"-bm25(article_fts, {TITLE_WEIGHT}, 1.0) AS score "
                "FROM article_fts JOIN article a ON a.id = article_fts.rowid "
                f"WHERE article_fts MATCH :q{where} ORDER BY article_fts.rowid DESC "
                "LIMIT :scan) "
                f"SELECT a.*, m.score AS score, m.score / (1 + {age} / {HALF_LIFE_DAYS}) "
                f"AS blended FROM m JOIN article a ON a.id = m.id ORDER BY {order} LIMIT :n"
            )
            params["q"] = fts5
        with self.session() as s:
            rows = s.execute(text(sql).bindparams(**params)).mappings().all()
        return [_row(r) for r in rows]

    def _filters(self, f: SearchFilter) -> tuple[str, dict[str, Any]]:
        parts: list[str] = []
        params: dict[str, Any] = {}
        if f.since is not None:
            parts.append(f"{_DATE} >= :since")
            params["since"] = f.since
        if f.outlet:
            parts.append("a.outlet = :outlet")
            params["outlet"] = f.outlet
        if f.language:
            parts.append("a.language = :language")
            params["language"] = f.language
        if f.month:
            start, end = _month(f.month)
            parts.append(f"{_DATE} >= :m_start AND {_DATE} < :m_end")
            params.update(m_start=start, m_end=end)
        if f.watchlist:
            hit = "SELECT 1 FROM hit h WHERE h.article_id = a.id AND h.watchlist = :watchlist"
            parts.append(f"EXISTS ({hit})")
            params["watchlist"] = f.watchlist
        return "".join(f" AND {p}" for p in parts), params

    def watchlists_of(self, article_ids: Sequence[int]) -> dict[int, set[str]]:
        """The watchlists each article hit."""
        found: dict[int, set[str]] = defaultdict(set)
        with self.session() as s:
            for chunk in chunks(list(article_ids)):
                q = select(col(HitRow.article_id), col(HitRow.watchlist)).where(
                    col(HitRow.article_id).in_(chunk)
                )
                for aid, wl in s.execute(q).all():
                    found[int(aid)].add(str(wl))
        return found


def _when(value: Any) -> datetime:
    """Raw SQL on SQLite gives times as text: as aware UTC datetimes."""
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _naive(when: datetime) -> str:
    return aware(when).replace(tzinfo=None).isoformat(sep=" ")


def _month(month: str) -> tuple[datetime, datetime]:
    from datetime import UTC

    year, _, mon = month.partition("-")
    y, m = int(year), int(mon)
    start = datetime(y, m, 1, tzinfo=UTC)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
    return start, end


def _row(r: Any) -> SearchRow:
    return SearchRow(
        article_id=int(r["id"]),
        title=r["title"] or "",
        text=r["text"] or "",
        outlet=r["outlet"],
        link=r["link"],
        story=r["story"],
        published=_when(r["published"]) if r["published"] else None,
        first_seen_at=_when(r["first_seen_at"]),
        language=r["language"],
        score=float(r["score"] or 0.0),
    )
