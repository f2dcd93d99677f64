"""`monitor feeds list | import | health`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import count, short_time, table

app = typer.Typer(help="The feeds and their health.", no_args_is_help=True)


@app.command("list")
def list_feeds() -> None:
    """The configured feeds (OPML files expanded) with their poll interval."""
    from monitor.config.sources import feed_sources
    from monitor.config.units import format_duration

    for f in feed_sources(state.settings()):
        typer.echo(f"{format_duration(f.interval_s):>5}  {f.name or '-':24.24}  {f.url}")


@app.command("import")
def import_(
    opml: Annotated[Path, typer.Argument(help="An OPML file (a feed reader's export).")],
) -> None:
    """Add an OPML file's feeds to monitor.yaml (as an `opml:` entry; comments are kept)."""
    from monitor.config.editor import import_opml

    report = import_opml(state.config, opml)
    if not report.added:
        typer.echo(f"{report.opml} is already in {state.config}: {count(report.feeds, 'feed')}")
        return
    typer.echo(
        f"added {report.opml} to {state.config}: {count(report.feeds, 'feed')}, {report.new} new "
        "(a running daemon polls them after a restart)"
    )


@app.command("health")
def health() -> None:
    """Last success, error count, next poll, items seen, the daemon polling it now (when
    several share the database) and the last error, per feed."""
    from monitor.clock import aware
    from monitor.store import open_store

    store = open_store(state.settings().database_url)
    now = store.clock()
    rows = [
        (
            s.url,
            short_time(s.last_success_at) if s.last_success_at else "never",
            str(s.error_count),
            short_time(s.next_poll_at) if s.next_poll_at and aware(s.next_poll_at) > now else "due",
            str(s.items_seen),
            s.held_by or "",
            (s.last_error or "") if s.error_count else "",
        )
        for s in store.feed_statuses()
        if s.active
    ]
    if not rows:
        typer.echo("no feeds polled yet")
        return
    table(
        ["feed", "last success", "errors", "next poll", "items", "polled by", "last error"],
        rows,
        [50, 20, 6, 20, 6, 30, 60],
    )
