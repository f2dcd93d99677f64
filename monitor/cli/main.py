"""The command line. Thin: parse arguments, call one function, print.

Exit codes: 0 success, 1 a user error (bad config or watchlist, named with its
place), 2 a usage error, 3 an internal failure.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli import (
    db,
    deliveries,
    demo,
    digest,
    feeds,
    hits,
    match,
    replay,
    run,
    search,
    watchlists,
    web,
)
from monitor.cli.context import MonitorGroup, state
from monitor.config.settings import config_path
from monitor.logs import LogLevel, setup_logging

app = typer.Typer(
    cls=MonitorGroup,
    help="news-monitor: watches news feeds for the names you care about and sends digests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click output: an error is one `error: ...` line, help is plain text.
    rich_markup_mode=None,
)


@app.callback()
def _root(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="PATH",
            help="monitor.yaml to use (default: $MONITOR_CONFIG or ./monitor.yaml); "
            "also accepted after the command.",
        ),
    ] = None,
    log_level: Annotated[
        LogLevel,
        typer.Option(case_sensitive=False, help="How much to log: DEBUG, INFO, WARNING or ERROR."),
    ] = LogLevel.INFO,
) -> None:
    state.config = config_path(config)
    setup_logging(log_level.value)


app.command()(run.run)
app.command()(hits.hits)
app.command()(match.match)
app.command()(replay.replay)
app.command()(search.search)
app.command()(demo.demo)
app.command()(deliveries.deliveries)
app.command()(web.web)
app.add_typer(digest.app, name="digest")
app.add_typer(watchlists.app, name="watchlists")
app.add_typer(feeds.app, name="feeds")
app.add_typer(db.app, name="db")


def main() -> None:
    try:
        app()
    except Exception:  # a bug, not a user error: show the traceback, exit 3
        traceback.print_exc()
        sys.exit(3)
