"""`monitor search QUERY`: the web page's search, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Annotated, Any

import typer

from monitor.cli.context import WatchlistOption, duration_option, known_watchlist, state
from monitor.cli.output import short_time, table
from monitor.errors import MonitorError

FIELDS = ["story", "title", "outlet", "published", "url", "watchlists", "also", "snippets"]


class SearchFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class SearchSort(StrEnum):
    relevance = "relevance"
    newest = "newest"


def search(
    query: Annotated[
        str,
        typer.Argument(
            help='Words (in every form), "exact phrases", @entity ids, AND OR NOT ( ) NEAR/n.'
        ),
    ],
    since: Annotated[
        str, typer.Option(metavar="DURATION", help="How far back, e.g. 7d, 30d, 365d.")
    ] = "30d",
    watchlist: WatchlistOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Stories at most.")] = 50,
    sort: Annotated[SearchSort, typer.Option(help="relevance or newest.")] = SearchSort.relevance,
    format: Annotated[
        SearchFormat, typer.Option("--format", help="table, json or csv.")
    ] = SearchFormat.table,
) -> None:
    """Search the stored articles, as the web page does: best (or newest) first, one line
    per story."""
    from monitor.search.query import QueryError
    from monitor.search.service import search as run
    from monitor.store import open_store
    from monitor.store.search import SearchFilter
    from monitor.watchlists.load import load_watchlists

    back = duration_option(since, "--since")
    settings = state.settings()
    lists, _ = load_watchlists(settings.watchlist_paths)
    known_watchlist(watchlist, [w.name for w in lists])
    store = open_store(settings.database_url)
    f = SearchFilter(since=store.clock() - back, watchlist=watchlist)
    try:
        page = run(store, lists, query, f, sort.value, limit)
    except QueryError as exc:
        raise MonitorError(f"search {query!r}: {exc}") from None
    records = [_record(r) for r in page.results]
    if format is SearchFormat.json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif format is SearchFormat.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=FIELDS)
        w.writeheader()
        for r in records:
            w.writerow({**r, **{k: " | ".join(r[k]) for k in ("watchlists", "also", "snippets")}})
        typer.echo(buf.getvalue(), nl=False)
    elif not records:
        typer.echo(f"nothing stored in the last {since} matches {query}")
    else:
        rows = [
            (
                short_time(r.best.published or r.best.first_seen_at),
                r.best.outlet,
                str(len(r.also)),
                r.best.title,
            )
            for r in page.results
        ]
        table(["published", "outlet", "more", "title"], rows, [20, 20, 4, 70])
        more = "+" if page.more else ""
        typer.echo(f"{len(records)} stories ({page.articles}{more} articles)")


def _record(r: Any) -> dict[str, Any]:
    best = r.best
    when = best.published or best.first_seen_at
    return {
        "story": r.story,
        "title": best.title,
        "outlet": best.outlet,
        "published": when.isoformat(),
        "url": best.link,
        "watchlists": list(r.watchlists),
        "also": [c.link for c in r.also],
        "snippets": [s.text for s in r.snippets],
    }
