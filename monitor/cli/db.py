"""`monitor db upgrade | prune`."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import count

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply database migrations (the daemon also does this at start)."""
    from monitor.store.db import current_revision, make_engine
    from monitor.store.db import upgrade as migrate

    engine = make_engine(state.settings().database_url)
    migrate(engine)
    typer.echo(f"database at revision {current_revision(engine)}")


@app.command("prune")
def prune(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would go; remove nothing.")
    ] = False,
) -> None:
    """Apply the retention now (the daemon does it daily): article texts older than
    retention.articles and hits older than retention.hits leave the database."""
    from monitor.app import apply_retention
    from monitor.basics.units import format_duration
    from monitor.store import open_store

    settings = state.settings()  # no watchlists needed: prune runs on any checkout
    keep = settings.retention
    report = apply_retention(open_store(settings.database_url), settings, dry_run)
    cut = report.cutoffs
    typer.echo(
        f"retention: articles older than {format_duration(keep.articles)} "
        f"(before {cut['articles']:%Y-%m-%d %H:%M} UTC), hits older than "
        f"{format_duration(keep.hits)} (before {cut['hits']:%Y-%m-%d %H:%M} UTC)"
    )
    verb = "would remove" if dry_run else "removed"
    typer.echo(
        f"{verb}: {count(report.articles_deleted, 'article')} with no hit, "
        f"the text of {count(report.texts_removed, 'article')} kept for their hits, "
        f"{count(report.hits_deleted, 'hit')}, {count(report.entries_deleted, 'feed entry', 'feed entries')}"
    )
    if report.bytes_freed is not None:
        typer.echo(f"database file {report.bytes_freed / 2**20:.1f} MB smaller")
