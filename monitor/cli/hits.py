"""`monitor hits`: the stored hits as a table, JSON or CSV."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from monitor.cli.context import WatchlistOption, duration_option, known_watchlist, state
from monitor.cli.output import hit_record, hits_csv, short_time, table


class HitsFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def hits(
    since: Annotated[
        str, typer.Option(metavar="DURATION", help="How far back, e.g. 12h, 7d.")
    ] = "7d",
    watchlist: WatchlistOption = None,
    format: Annotated[
        HitsFormat, typer.Option("--format", help="table, json or csv.")
    ] = HitsFormat.table,
) -> None:
    """List stored hits."""
    from monitor.store import open_store
    from monitor.watchlists.load import load_watchlists

    back = duration_option(since, "--since")
    settings = state.settings()
    if watchlist is not None:
        lists, _ = load_watchlists(settings.watchlist_paths)
        known_watchlist(watchlist, [w.name for w in lists])
    store = open_store(settings.database_url)
    found = store.hits(since=store.clock() - back, watchlists=[watchlist] if watchlist else None)
    records = [hit_record(h) for h in found]
    if format is HitsFormat.json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif format is HitsFormat.csv:
        typer.echo(hits_csv(records), nl=False)
    elif not records:
        typer.echo(f"no hits in the last {since}")
    else:
        rows = [
            (short_time(h.found_at), h.watchlist, ",".join(h.entities), h.outlet, h.title)
            for h in found
        ]
        table(["found", "watchlist", "entities", "outlet", "title"], rows, [20, 14, 28, 20, 60])
