"""`monitor watchlists check | test`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import state
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
    typer.echo(
        f"{len(lists)} watchlists OK"
        + (f", {len(problems)} errors" if problems else "")
        + f" ({len(files)} files, {sum(len(w.entities) for w in lists)} entities, "
        f"{sum(len(e.aliases) for w in lists for e in w.entities)} aliases)"
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
        typer.echo(
            f"FAIL {r.watchlist.path}: {r.watchlist.name}: {r.example.text!r}\n"
            f"     expected {sorted(r.example.expect)}, got {list(r.found)}"
        )
    typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)
