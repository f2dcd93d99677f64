"""`monitor db upgrade`."""

from __future__ import annotations

import typer

from monitor.cli.context import state

app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Apply database migrations (the daemon also does this at start)."""
    from monitor.store.db import current_revision, make_engine
    from monitor.store.db import upgrade as migrate

    engine = make_engine(state.settings().database_url)
    migrate(engine)
    typer.echo(f"database at revision {current_revision(engine)}")
