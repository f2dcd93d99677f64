"""The full-text index, read for search: the articles an expression finds, scored by
the engine (FTS5's bm25 on SQLite, ts_rank_cd on PostgreSQL) and blended with their
age. Which of them a query really finds is for monitor.search to decide."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import TextClause, select, text
from sqlmodel import Session, col

from monitor.clock import aware
from monitor.store.base import chunks
from monitor.store.search_index import SearchIndexMixin
from monitor.store.tables import HitRow
from monitor.views import SearchRow

Sort = Literal["relevance", "newest"]
# Matches of a query read at most, the newest first, before they are ranked: a word in
# every tenth article of a million must not rank a hundred thousand of them.
SCAN = 2000
PG_SCAN = 400  # PostgreSQL: a query reads slices of ids until it has this many
HALF_LIFE_DAYS = 30.0  # an article this old weighs half of today's at the same score
TITLE_WEIGHT = 5.0  # a word in the title counts this many times one in the text
_DATE = "coalesce(a.published, a.first_seen_at)"
# PostgreSQL's index (migrations 0010, 0014): the words, and a word for the article's
# slice of SLICE ids, which lets a search read the newest slices first; of the articles
# indexed so far (store/search_index.py), which is the index's own condition.
SLICE = 1024
# Matches the rest may hold to be read at once: a rare word's few, and a query that
# finds nothing, are no reason to read every slice.
REST_AT_ONCE = 4000
_PG_VECTOR = (
    "(to_tsvector('simple', monitor_fold(coalesce(a.title, '') || ' ' || "
    f"coalesce(a.text, ''))) || array_to_tsvector(ARRAY['~' || (a.id / {SLICE})::text]))"
)
# A negative merge merges every level, as 'optimize' does, a step at a time.
_MERGE = "INSERT INTO article_fts(article_fts, rank) VALUES ('merge', :n)"
MERGE_PAGES = 2000  # pages written a step: well under a second of the write lock
MERGE_STEPS = 10_000  # steps at most a run: it ends when nothing is left to merge
HELD_KEPT = 100_000  # words known to be in PostgreSQL's index, remembered at most


@dataclass(frozen=True)
class SearchFilter:
    since: datetime | None = None
    watchlist: str | None = None  # articles that hit it
    outlet: str | None = None
    language: str | None = None
    month: str | None = None  # "2026-11"


class SearchMixin(SearchIndexMixin):
    _held: set[str] | None = None  # words PostgreSQL's index holds, made on first use

    def search_rows(
        self,
        fts5: str,
        tsquery: str,
        f: SearchFilter,
        sort: Sort,
        limit: int,
        scan: int | None = None,
        rank: str = "",
    ) -> list[SearchRow]:
        """Up to `limit` articles the expression finds (FTS5's for SQLite, a tsquery's
        for PostgreSQL), best first or newest first, with their texts: ranked among the
        `scan` newest it finds (by default SCAN, or PG_SCAN on PostgreSQL). PostgreSQL
        ranks by `rank`, a tsquery of fewer words, when given."""
        where, params = self._filters(f)
        params.update(n=limit, now=self.clock())
        if self.postgres:
            self.index_search()  # what was stored before the search is searched
            with self.session() as s:
                params["q"] = tsquery
                ids = _pg_newest(s, where, params, scan or PG_SCAN)
                ranked = {**params, "q": rank or tsquery}
                rows = _pg_ranked(s, ids, sort, ranked) if ids else []
            return [_row(r) for r in rows]
        params = {k: _naive(v) if isinstance(v, datetime) else v for k, v in params.items()}
        params.update(q=fts5, scan=scan or SCAN)
        age = f"max(0, julianday(:now) - julianday({_DATE}))"
        sql = (
            f"WITH m AS (SELECT article_fts.rowid AS id, "
            f"-bm25(article_fts, {TITLE_WEIGHT}, 1.0) AS score "
            "FROM article_fts JOIN article a ON a.id = article_fts.rowid "
            f"WHERE article_fts MATCH :q{where} ORDER BY article_fts.rowid DESC "
            "LIMIT :scan), "
            + _page_of(
                f"SELECT m.id AS id, m.score AS score, {_DATE} AS d, "
                f"m.score / (1 + {age} / {HALF_LIFE_DAYS}) AS blended "
                "FROM m JOIN article a ON a.id = m.id",
                sort,
            )
        )
        with self.session() as s:
            rows = s.execute(text(sql).bindparams(**params)).mappings().all()
        return [_row(r) for r in rows]

    def held_words(self, words: Collection[str]) -> frozenset[str] | None:
        """PostgreSQL: those of the words its index holds (None on SQLite, whose FTS5
        reads a word it does not hold at no cost). A word once held is remembered:
        one in every tenth article takes 10 ms to find; an absent one, 5 µs."""
        if not self.postgres:
            return None
        if self._held is None:
            self._held = set()
        known = self._held
        ask = sorted(w for w in words if w not in known)
        if ask:
            self.index_search()
            sql = (
                "SELECT t.w FROM unnest(CAST(:ws AS text[]), CAST(:qs AS tsquery[])) "
                f"AS t(w, q) WHERE EXISTS (SELECT 1 FROM article a WHERE a.searchable AND {_PG_VECTOR} @@ t.q)"
            )
            with self.session() as s:
                s.execute(text("SET LOCAL enable_seqscan = off"))
                s.execute(text("SET LOCAL jit = off"))
                found = s.execute(text(sql).bindparams(ws=ask, qs=[ts_lexeme(w) for w in ask]))
                held = {str(w) for w in found.scalars()}
            if len(known) + len(held) > HELD_KEPT:
                known.clear()
            known.update(held)
        return frozenset(w for w in words if w in known)

    def merge_search_index(self, pages: int = MERGE_PAGES, steps: int = MERGE_STEPS) -> int:
        """SQLite: merge the full-text index's segments into one, `pages` pages at a
        time, each step a short write of its own; the steps that merged. Every word a
        query asks for is looked up in every segment: at a million articles, 33
        segments made a query of an entity's forms six times slower than one.
        PostgreSQL's index needs nothing: its vacuum keeps it."""
        if self.postgres:
            return 0
        for taken in range(steps):
            with self.writing() as s:
                raw = s.connection().connection.dbapi_connection
                before = raw.total_changes  # type: ignore[union-attr]
                s.execute(text(_MERGE).bindparams(n=-pages))
                if raw.total_changes - before < 2:  # type: ignore[union-attr]
                    return taken  # FTS5: nothing was left to merge
        return steps

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


def _pg_newest(s: Session, where: str, params: dict[str, Any], scan: int) -> list[int]:
    """The ids of the `scan` newest articles the tsquery finds, newest first: read a
    slice of ids at a time, newest first, a fourfold wider run of slices per query,
    until the matches so far say that the rest holds few: those are read at once."""
    top = s.execute(text("SELECT max(id) FROM article")).scalar()
    if top is None:
        return []
    # The matches come through the index alone, the other conditions after: a planner
    # that thinks a long query costly would rather make each row's vector to test it,
    # a millisecond a row, by the primary key, an outlet's index or a table scan.
    s.execute(text("SET LOCAL enable_seqscan = off"))
    # The same planner, counting the long query's cost, compiles it (JIT) and starts
    # workers: more than the query itself costs.
    s.execute(text("SET LOCAL jit = off"))
    s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    # the matches in a run of slices, and the newest of them the other filters keep
    window = (
        f"WITH f AS MATERIALIZED (SELECT a.id FROM article a WHERE a.searchable AND {_PG_VECTOR} @@ "
        "(CAST(:q AS tsquery) && CAST(:slices AS tsquery))), "
        f"k AS (SELECT a.id FROM f JOIN article a ON a.id = f.id WHERE TRUE{where} "
        "ORDER BY a.id DESC LIMIT :left) "
        "SELECT (SELECT count(*) FROM f) AS matched, ARRAY(SELECT id FROM k) AS ids"
    )
    # every match at once: GIN then reads the postings of each AND's rarest word, where
    # a run of slices reads every row in them
    rest = (
        f"WITH f AS MATERIALIZED (SELECT a.id FROM article a WHERE a.searchable AND {_PG_VECTOR} @@ "
        "CAST(:q AS tsquery)) "
        f"SELECT a.id FROM f JOIN article a ON a.id = f.id WHERE f.id < :below{where} "
        "ORDER BY a.id DESC LIMIT :left"
    )
    ids: list[int] = []
    first = newest = int(top) // SLICE
    width, matched = 1, 0
    while len(ids) < scan and newest >= 0:
        run = range(newest, max(newest - width, -1), -1)
        # a slice's word is no text's word: cast, not parsed, so that '~' stays
        slices = " | ".join(f"'~{n}'" for n in run)
        got = s.execute(_bound(window, {**params, "slices": slices, "left": scan - len(ids)}))
        n, found = got.one()
        matched += int(n)
        ids += [int(i) for i in found]
        newest -= width
        if len(ids) < scan and newest >= 0 and _few_left(matched, first - newest, newest + 1):
            below = {**params, "below": (newest + 1) * SLICE, "left": scan - len(ids)}
            ids += [int(i) for i in s.execute(_bound(rest, below)).scalars()]
            break
        width = _next_width(scan - len(ids), len(ids), first - newest, width)
    return ids


def _few_left(matched: int, read: int, left: int) -> bool:
    """Whether the `left` slices hold few matches (at most REST_AT_ONCE), by the
    `matched` in the `read` slices so far, three more as if by chance unseen."""
    return (matched + 3) * left <= REST_AT_ONCE * read


def _next_width(wanted: int, found: int, read: int, width: int) -> int:
    """Slices to read next: as many as the matches so far say hold the `wanted` rest
    (a fifth more), at most four times the last; four times the last if none."""
    if not found:
        return width * 4
    return max(1, min(width * 4, math.ceil(wanted * read / found * 1.2)))


def _pg_ranked(s: Session, ids: list[int], sort: Sort, params: dict[str, Any]) -> Sequence[Any]:
    """The articles, ranked by ts_rank_cd over their title (weight A) and lead (kept in
    search_lead, migration 0010), blended with age, or newest first; ties to the copy
    stored first. Texts are read for the `n` kept only."""
    age = f"greatest(0, extract(epoch from (:now - {_DATE})) / 86400.0)"
    sql = "WITH " + _page_of(
        f"SELECT a.id AS id, s.score AS score, {_DATE} AS d, "
        f"s.score / (1 + {age} / {HALF_LIFE_DAYS}) AS blended "
        "FROM article a, LATERAL (SELECT ts_rank_cd(a.search_lead, "
        "CAST(:q AS tsquery), 1) AS score) s WHERE a.id = ANY(:ids)",
        sort,
    )
    return s.execute(_bound(sql, {**params, "ids": ids})).mappings().all()


def _page_of(ranked: str, sort: Sort) -> str:
    """The best `:n` of `ranked` (its rows' id, score, date d and blended score) by
    `sort`, with their articles: ranked on those alone, so that a text is read only
    for the rows kept. Ties go to the copy stored first, the original report."""
    first = "d" if sort == "newest" else "blended"
    return (
        f"r AS MATERIALIZED ({ranked} ORDER BY {first} DESC, id LIMIT :n) "
        "SELECT a.*, r.score AS score, r.blended AS blended "
        f"FROM r JOIN article a ON a.id = r.id ORDER BY r.{first} DESC, r.id"
    )


def ts_lexeme(word: str) -> str:
    """A word as a tsquery of it alone, quoted, not parsed into words."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _bound(sql: str, params: dict[str, Any]) -> TextClause:
    """The statement with those of `params` it names."""
    return text(sql).bindparams(**{k: v for k, v in params.items() if re.search(rf":{k}\b", sql)})


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
