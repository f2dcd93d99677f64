"""`monitor watchlists check | test`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import count
from monitor.errors import MonitorError

app = typer.Typer(help="Validate and test watchlist files.", no_args_is_help=True)

Paths = Annotated[
    list[Path] | None, typer.Argument(help="Files or folders (default: the config's).")
]


@app.command("check")
def check(paths: Paths = None) -> None:
    """Validate watchlists; print file:line:col errors and exit 1 if any."""
    from monitor.watchlists.load import load_watchlists, watchlist_files

    targets = paths or state.settings().watchlist_paths
    lists, problems = load_watchlists(targets)
    for p in problems:
        typer.echo(p, err=True)
    files = watchlist_files(targets)
    entities = sum(len(w.entities) for w in lists)
    aliases = sum(len(e.aliases) for w in lists for e in w.entities)
    typer.echo(
        f"{count(len(lists), 'watchlist')} OK"
        + (f", {count(len(problems), 'error')}" if problems else "")
        + f" ({count(len(files), 'file')}, {count(entities, 'entity', 'entities')}, "
        f"{count(aliases, 'alias', 'aliases')})"
    )
    if problems:
        raise typer.Exit(1)


@app.command("test")
def test(paths: Paths = None) -> None:
    """Run the `examples:` of each watchlist; exit 1 if any fails."""
    from monitor.match.examples import run_examples
    from monitor.watchlists.load import load_watchlists

    lists, problems = load_watchlists(paths or state.settings().watchlist_paths)
    if problems:
        raise MonitorError("\n".join(problems))
    results = run_examples(lists)
    failed = [r for r in results if not r.passed]
    for r in failed:
        note = f" ({r.example.note})" if r.example.note else ""
        typer.echo(
            f"FAIL {r.example.where or r.watchlist.path}: {r.watchlist.name}: {r.example.text!r}\n"
            f"     expected {sorted(r.example.expect)}, got {list(r.found)}{note}"
        )
    typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)
