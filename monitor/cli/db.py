"""`monitor db upgrade | prune | backup | restore`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import count
from monitor.errors import MonitorError

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
    retention.articles and hits older than retention.hits leave the database, files
    older than retention.digest_files the digest folder."""
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
        f"{count(report.hits_deleted, 'hit')}, {count(report.entries_deleted, 'feed entry', 'feed entries')}, "
        f"{count(report.digest_files_deleted, 'digest file')}"
    )
    if report.bytes_freed is not None:
        typer.echo(f"database file {report.bytes_freed / 2**20:.1f} MB smaller")


@app.command("backup")
def backup(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the backup.")],
) -> None:
    """Back the database up while the daemon runs: SQLite's online backup (WAL and all),
    or pg_dump's custom format on PostgreSQL."""
    from monitor.store.backup import backup as run

    run(state.settings().database_url, path)
    typer.echo(f"database backed up to {path} ({path.stat().st_size / 2**20:.1f} MB)")


@app.command("restore")
def restore(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A file `db backup` wrote.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database's content; stop the daemons first.")
    ] = False,
) -> None:
    """Replace the database's content with a backup. Stop every daemon first."""
    from monitor.store.backup import restore as run

    if not yes:
        raise MonitorError(
            f"restoring replaces everything in the database with {path}: stop the daemons, "
            "then give --yes"
        )
    run(state.settings().database_url, path)
    typer.echo(f"database restored from {path}")
