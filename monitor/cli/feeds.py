"""`monitor feeds list | add | import | health`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import count, short_time, table

if TYPE_CHECKING:
    from monitor.config.settings import Settings
    from monitor.feeds.discover import Found
    from monitor.pipeline.discover import Discovery

NAME_MAX = 100  # a feed's title as the entry's name: longer ones are cut

app = typer.Typer(help="The feeds and their health.", no_args_is_help=True)


@app.command("list")
def list_feeds() -> None:
    """The configured sources (OPML files expanded): poll interval, kind, name, URL."""
    from monitor.basics.units import format_duration
    from monitor.config.sources import feed_sources

    for f in feed_sources(state.settings()):
        typer.echo(
            f"{format_duration(f.interval_s):>5}  {f.kind:8}  {f.name or '-':24.24}  {f.url}"
        )


@app.command("add")
def add(
    url: Annotated[
        str,
        typer.Argument(
            help="A page of the site (its home page will do), or a feed's or sitemap's own "
            "address; example.org means https://example.org/."
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Add the best one found without asking.")
    ] = False,
) -> None:
    """Find a site's feeds (or its news sitemap, or a page of article links) and add one
    to monitor.yaml."""
    from monitor.feeds.discover import site_url

    try:
        target = site_url(url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="URL") from exc
    settings = state.settings()
    if _interactive():
        typer.echo(f"looking for feeds at {target} …", err=True)
    found = asyncio.run(_discover(target, settings))
    configured = _configured(settings)
    _show(found, configured)
    fresh = [i for i, f in enumerate(found.found) if not _known(f.url, configured)]
    if not fresh:
        typer.echo(f"nothing added: already configured in {state.config}")
        return
    if yes:
        choice: int | None = fresh[0]
    elif _interactive():
        choice = _ask(len(found.found), fresh[0])
    else:
        typer.echo(
            f"nothing added: re-run with --yes to add #{fresh[0] + 1}, or on a terminal to choose"
        )
        return
    if choice is None:
        typer.echo("nothing added")
        return
    _add(found.found[choice])


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
    """Per source, failing ones first, then stale ones (answering, but nothing new for
    far longer than usual): its name, kind (and whether a WebSub hub pushes it), state,
    last success, last new item, hits, error count, next poll, items seen, the daemon
    polling it now (when several share the database) and the last error."""
    from monitor.clock import aware
    from monitor.store import open_store
    from monitor.views import health_order

    store = open_store(state.settings().database_url)
    now = store.clock()
    shown = sorted((s for s in store.feed_statuses(with_hits=True) if s.active), key=health_order)
    rows = [
        (
            s.name or "",
            s.url,
            f"{s.kind}, pushed" if s.pushed_until else s.kind,
            "failing" if s.failing_since else "stale" if s.stale else "ok",
            short_time(s.last_success_at) if s.last_success_at else "never",
            short_time(s.last_new_at) if s.last_new_at else "none yet",
            str(s.hits),
            str(s.error_count),
            short_time(s.next_poll_at) if s.next_poll_at and aware(s.next_poll_at) > now else "due",
            str(s.items_seen),
            s.held_by or "",
            (s.last_error or "") if s.error_count else "",
        )
        for s in shown
    ]
    if not rows:
        typer.echo("no feeds polled yet")
        return
    table(
        [
            "name",
            "source",
            "kind",
            "state",
            "last success",
            "last new item",
            "hits",
            "errors",
            "next poll",
            "items",
            "polled by",
            "last error",
        ],
        rows,
        [24, 50, 14, 7, 20, 20, 6, 6, 20, 6, 30, 60],
    )


def _interactive() -> bool:
    """On a terminal, a person can be asked which one to add."""
    return sys.stdin.isatty() and sys.stdout.isatty()


async def _discover(url: str, settings: Settings) -> Discovery:
    from monitor.config.policies import fetch_policy
    from monitor.fetch.aio import AioFetcher
    from monitor.pipeline.discover import discover

    async with AioFetcher(fetch_policy(settings)) as fetcher:
        return await discover(url, fetcher)


def _configured(settings: Settings) -> set[str]:
    from monitor.config.sources import feed_sources
    from monitor.feeds.discover import url_key

    return {url_key(s.url) for s in feed_sources(settings)}


def _known(url: str, configured: set[str]) -> bool:
    from monitor.feeds.discover import url_key

    return url_key(url) in configured


def _show(found: Discovery, configured: set[str]) -> None:
    if [f.kind for f in found.found] == ["page"]:
        page = found.found[0]
        typer.echo(
            f"no feed or news sitemap found at {found.url}; the page itself links to "
            f"{count(page.items, 'article')}, for example:"
        )
        for title in page.examples:
            typer.echo(f"  - {title}")
    rows = [
        (
            str(n),
            f.kind,
            f.title or "-",
            str(f.items),
            short_time(f.newest) if f.newest else "-",
            f.url,
            "already configured" if _known(f.url, configured) else "",
        )
        for n, f in enumerate(found.found, 1)
    ]
    table(["#", "kind", "title", "items", "newest", "url", ""], rows, [3, 7, 40, 5, 20, 300, 18])


def _ask(n: int, best: int) -> int | None:
    """The index the person picks (Enter: `best`); None for none."""
    while True:
        answer = typer.prompt(
            f"add which one? [1-{n}, Enter = {best + 1}, q = none]",
            default="",
            show_default=False,
        ).strip()
        if answer.lower() in ("q", "quit", "n", "none"):
            return None
        if not answer:
            return best
        if answer.isdigit() and 1 <= int(answer) <= n:
            return int(answer) - 1
        typer.echo(f"a number from 1 to {n}, Enter or q", err=True)


def _add(f: Found) -> None:
    from monitor.config.editor import AddedKind, add_source

    kinds: dict[str, AddedKind] = {"feed": "feed", "sitemap": "sitemap", "page": "page"}
    kind = kinds[f.kind]  # discovery finds no other kind
    # A feed's title, or a news sitemap's publication name; a page's title is the
    # section's ("World news — Herald"), not the outlet's.
    name = f.title[:NAME_MAX].rstrip() if f.title and kind != "page" else None
    report = add_source(state.config, kind, f.url, name)
    if not report.added:
        typer.echo(f"nothing added: {f.url} is already configured in {state.config}")
        return
    typer.echo(f"added to {state.config}: - {report.entry}" + (f" ({name})" if name else ""))
