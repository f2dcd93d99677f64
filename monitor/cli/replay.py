"""`monitor replay`: re-match stored articles after a watchlist edit."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from monitor.cli.context import WatchlistOption, duration_option, state
from monitor.cli.output import count


def replay(
    since: Annotated[
        str, typer.Option(metavar="DURATION", help="Articles stored in this period, e.g. 30d.")
    ] = "30d",
    watchlist: WatchlistOption = None,
) -> None:
    """Re-match stored articles after a watchlist edit and store the new hits."""
    from monitor.pipeline.replay import replay as rematch

    back = duration_option(since, "--since")
    application = state.app()
    store = application.store
    on_terminal = sys.stderr.isatty()

    def progress(articles: int, hits: int) -> None:
        typer.echo(f"\r{articles} articles re-matched, {hits} new hits", nl=False, err=True)

    n_articles, n_hits = rematch(
        store,
        application.watch.watchlists,
        store.clock() - back,
        watchlist,
        progress if on_terminal else None,
    )
    if on_terminal:
        typer.echo(err=True)
    typer.echo(f"re-matched {count(n_articles, 'article')}: {count(n_hits, 'new hit')}")
