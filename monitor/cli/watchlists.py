"""`monitor watchlists check | test | add`."""

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
    """Validate watchlists, and the config's subscriptions against them; print
    file:line:col errors and exit 1 if any."""
    from monitor.config.subscriptions import subscription_problems
    from monitor.watchlists.load import load_watchlists, watchlist_files

    settings = None if paths else state.settings()
    targets = paths or (settings.watchlist_paths if settings else [])
    lists, problems = load_watchlists(targets)
    if settings is not None:  # the config's own watchlists: its subscriptions name them
        problems += subscription_problems(settings, [w.name for w in lists])
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


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The new watchlist's name (and file name).")],
    from_search: Annotated[
        str,
        typer.Option("--from-search", metavar="QUERY", help="A search query to watch for."),
    ],
) -> None:
    """Write a watchlist that matches what a search finds, and say how many stored articles
    it would have hit in the last 30 days."""
    import re
    from datetime import timedelta

    from monitor.pipeline.replay import matching
    from monitor.search.query import QueryError, as_yaml, parse_query
    from monitor.store import open_store
    from monitor.watchlists.load import load_watchlists

    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", name):
        raise typer.BadParameter("letters, digits, _ and - only", param_hint="NAME")
    settings = state.settings()
    folders = [p for p in settings.watchlist_paths if p.is_dir()]
    if not folders:
        raise MonitorError("watchlists: names no folder to write the new watchlist in")
    lists, _ = load_watchlists(settings.watchlist_paths)
    if any(w.name == name for w in lists):
        raise MonitorError(f"a watchlist named {name!r} exists already")
    target = folders[0] / f"{name}.yaml"
    if target.exists():
        raise MonitorError(f"{target} exists already")
    try:
        query = parse_query(from_search, lists)
    except QueryError as exc:
        raise MonitorError(f"--from-search {from_search!r}: {exc}") from None
    target.write_text(as_yaml(query, name), encoding="utf-8")
    written, problems = load_watchlists([target])
    if problems:  # what was written must load: take it back
        target.unlink()
        raise MonitorError("\n".join(problems))
    store = open_store(settings.database_url)
    hits = matching(store, written[0], store.clock() - timedelta(days=30))
    typer.echo(
        f"wrote {target}: {count(len(written[0].entities), 'entity', 'entities')}; it would "
        f"have hit {count(len(hits), 'stored article')} in the last 30 days"
    )
