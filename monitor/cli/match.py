"""`monitor match`: what would match these pages, and why."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.errors import MonitorError


class MatchFormat(StrEnum):
    text = "text"
    json = "json"


def match(
    targets: Annotated[
        list[str],
        typer.Argument(metavar="FILE_OR_URL...", help="HTML or text files, or http(s) URLs."),
    ],
    watchlists: Annotated[
        list[Path] | None,
        typer.Option(
            "--watchlists", "-w", help="Watchlist file or folder (default: the config's)."
        ),
    ] = None,
    format: Annotated[
        MatchFormat,
        typer.Option(
            "--format",
            help="text, or json: one array, per target its hits with the entity, alias, "
            "form found, rule, language and sentence with offsets.",
        ),
    ] = MatchFormat.text,
) -> None:
    """Show what would match these pages, and why: entities, aliases, the word form
    found and its rule, and sentences."""
    from monitor.config.policies import fetch_policy
    from monitor.extract.target import load_target
    from monitor.fetch.client import FetchPolicy
    from monitor.match.explain import describe_match, match_json
    from monitor.match.matcher import Matcher
    from monitor.watchlists.load import load_watchlists

    settings = (
        state.settings()
        if not watchlists or any(t.startswith(("http://", "https://")) for t in targets)
        else None
    )
    paths = watchlists or (settings.watchlist_paths if settings else [])
    lists, problems = load_watchlists(paths)
    if problems:
        raise MonitorError("\n".join(problems))
    matcher = Matcher(lists)
    policy = fetch_policy(settings) if settings else FetchPolicy()
    color = sys.stdout.isatty()
    failed = 0
    results = []
    for t in targets:
        try:
            title, text = load_target(t, policy)
        except MonitorError as exc:  # this one cannot be read; the others still can
            typer.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        found = matcher.match(title, text)
        if format is MatchFormat.json:
            results.append(match_json(t, title, text, found, lists))
        else:
            typer.echo(describe_match(t, title, text, found, lists, color))
    if format is MatchFormat.json:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
    if failed:
        raise typer.Exit(1)
