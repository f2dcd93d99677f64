"""Search the stored articles: the query's candidates from the full-text index, checked by
the matcher, grouped by story, counted by watchlist, outlet, language and month.

The web page and `monitor search` both call `search`; the store only gives the
index's candidates and their texts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from monitor.match.matcher import Matcher
from monitor.search.candidates import Candidates, candidates
from monitor.search.query import Query, QueryError, parse_query
from monitor.store.search import SearchFilter, Sort
from monitor.types import Snippet
from monitor.views import SearchRow
from monitor.watchlists.model import Watchlist

# Candidates read for a page of results: the matcher keeps what the query really finds.
POOL = 400
FACETS = ("watchlist", "outlet", "language", "month")


class SearchStore(Protocol):
    """What search needs of the store."""

    def search_rows(
        self,
        fts5: str,
        tsquery: str,
        f: SearchFilter,
        sort: Sort,
        limit: int,
        scan: int | None = ...,
        rank: str = ...,
    ) -> list[SearchRow]: ...

    def held_words(self, words: Collection[str]) -> frozenset[str] | None: ...

    def watchlists_of(self, article_ids: Sequence[int]) -> dict[int, set[str]]: ...


@dataclass(frozen=True)
class Copy:
    article_id: int
    title: str
    outlet: str
    link: str
    published: datetime | None
    first_seen_at: datetime
    language: str | None


@dataclass(frozen=True)
class Result:
    """A story the query finds: its best copy, with the sentences that matched, and the
    other outlets that carried it."""

    story: str
    best: Copy
    snippets: tuple[Snippet, ...]
    also: tuple[Copy, ...] = ()
    watchlists: tuple[str, ...] = ()
    score: float = 0.0


@dataclass(frozen=True)
class SearchPage:
    query: Query
    results: tuple[Result, ...]
    articles: int  # articles found among those read
    more: bool  # the index offered more than were read: there may be more
    counts: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    sort: Sort = "relevance"


def search(
    store: SearchStore,
    watchlists: Sequence[Watchlist],
    text: str,
    f: SearchFilter | None = None,
    sort: Sort = "relevance",
    limit: int = 50,
    everything: bool = False,
) -> SearchPage:
    """The stories the query finds, best (or newest) first. QueryError for a query that
    does not parse or cannot be searched. A page reads a few hundred candidates, ranked
    among the newest few thousand; `everything` reads them all (to count, or to
    compare with a replay)."""
    query = parse_query(text, watchlists)
    try:
        matcher, expr = compiled(query.watchlist)
    except ValueError as exc:
        raise QueryError(str(exc)) from None
    pool = 10**9 if everything else max(POOL, limit * 4)
    scan = {"scan": 10**9} if everything else {}
    tsquery = expr.tsquery_of(store.held_words(expr.words))
    rows = (
        store.search_rows(
            expr.fts5, tsquery, f or SearchFilter(), sort, pool, rank=expr.rank, **scan
        )
        if tsquery
        else []
    )
    found: list[tuple[SearchRow, tuple[Snippet, ...]]] = []
    stories: set[str] = set()
    stopped = False
    for row in rows:
        if not everything and len(stories) > limit:
            stopped = True  # a page's stories are in: the rest need not be matched
            break
        matches = matcher.match(row.title, row.text)
        if matches:
            found.append((row, matches[0].snippets))
            stories.add(row.story)
    hit = store.watchlists_of([r.article_id for r, _ in found]) if found else {}
    results = _by_story(found, hit)
    return SearchPage(
        query,
        tuple(results if everything else results[:limit]),
        len(found),
        more=stopped or len(rows) >= pool,
        counts=_counts(found, hit),
        sort=sort,
    )


@lru_cache(maxsize=256)
def compiled(watchlist: Watchlist) -> tuple[Matcher, Candidates]:
    """A query's matcher and index expressions, made once: a desk asks the same
    questions again, and an entity's keys take a while to make."""
    return Matcher([watchlist]), candidates(watchlist)


def _copy(r: SearchRow) -> Copy:
    return Copy(r.article_id, r.title, r.outlet, r.link, r.published, r.first_seen_at, r.language)


def _by_story(
    found: list[tuple[SearchRow, tuple[Snippet, ...]]], hit: dict[int, set[str]]
) -> list[Result]:
    """One result per story, in the order of its first copy; the rest are "also"."""
    order: list[str] = []
    groups: dict[str, list[tuple[SearchRow, tuple[Snippet, ...]]]] = {}
    for row, snippets in found:
        if row.story not in groups:
            order.append(row.story)
        groups.setdefault(row.story, []).append((row, snippets))
    out = []
    for story in order:
        (best, snippets), *rest = groups[story]
        lists = sorted(set().union(*(hit.get(r.article_id, set()) for r, _ in groups[story])))
        also = tuple(_copy(r) for r, _ in rest if r.outlet != best.outlet or r.link != best.link)
        out.append(Result(story, _copy(best), snippets, also, tuple(lists), best.score))
    return out


def _counts(
    found: list[tuple[SearchRow, tuple[Snippet, ...]]], hit: dict[int, set[str]]
) -> dict[str, list[tuple[str, int]]]:
    """Articles found by watchlist, outlet, language and month, most first."""
    by: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for row, _ in found:
        by["outlet"][row.outlet] += 1
        if row.language:
            by["language"][row.language] += 1
        when = row.published or row.first_seen_at
        by["month"][when.strftime("%Y-%m")] += 1
        for wl in hit.get(row.article_id, ()):
            by["watchlist"][wl] += 1
    out = {name: c.most_common() for name, c in by.items()}
    out["month"] = sorted(by["month"].items(), reverse=True)  # months in order, not by count
    return out
