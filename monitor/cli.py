"""The command line. Thin: parse arguments, call one function, print.

Exit codes: 0 success, 1 a user error (bad config or watchlist, named with its
place), 2 a usage error, 3 an internal failure.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.config import Settings, config_path, load_settings
from monitor.errors import MonitorError
from monitor.logs import setup_logging
from monitor.types import HitView
from monitor.units import parse_duration

app = typer.Typer(
    help="news-monitor: watches news feeds for the names you care about and sends digests.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
digest_app = typer.Typer(help="Build, preview and send digests.", no_args_is_help=True)
watchlists_app = typer.Typer(help="Validate and test watchlist files.", no_args_is_help=True)
feeds_app = typer.Typer(help="The feeds and their health.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")
app.add_typer(watchlists_app, name="watchlists")
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")


class State:
    config: Path = Path("monitor.yaml")

    def settings(self) -> Settings:
        return load_settings(self.config)


state = State()


@app.callback()
def _root(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="monitor.yaml to use (default: $MONITOR_CONFIG or ./monitor.yaml).",
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="DEBUG, INFO, WARNING or ERROR.")] = "INFO",
) -> None:
    state.config = config_path(config)
    setup_logging(log_level.upper())


def _app() -> Any:
    from monitor.app import App

    return App(state.settings())


# -- run ----------------------------------------------------------------------


@app.command()
def run(
    once: Annotated[
        bool, typer.Option("--once", help="Poll every feed once, send due digests, exit.")
    ] = False,
) -> None:
    """Run the daemon: poll feeds, match, store hits, send digests on schedule."""
    application = _app()
    if once:
        results = asyncio.run(application.poll_all_once())
        report = application.send_due_digests()
        errors = [r for r in results if r.status == "error"]
        hits = sum(len(r.new_hits) for r in results)
        typer.echo(
            f"polled {len(results)} feeds: {sum(r.new_items for r in results)} new items, "
            f"{hits} new hits, {len(errors)} feed errors; "
            f"{report.digests} digests, {report.sent} deliveries sent, {report.failed} failed"
        )
        for r in errors:
            typer.echo(f"  feed error: {r.url}: {r.error}", err=True)
        return
    from monitor.daemon import Daemon

    asyncio.run(Daemon(application).run())


# -- digests ------------------------------------------------------------------


class PreviewFormat(StrEnum):
    html = "html"
    text = "text"
    slack = "slack"


@digest_app.command("send")
def digest_send(
    subscription: Annotated[str | None, typer.Option(help="Only this subscription.")] = None,
) -> None:
    """Build and deliver pending digests now, whatever the schedule."""
    application = _app()
    _check_subscription(application.settings, subscription)
    report = application.digests.run(subscription)
    typer.echo(
        f"{report.digests} digests built, {report.sent} deliveries sent, {report.failed} failed"
    )
    for e in report.errors:
        typer.echo(f"  {e}", err=True)
    if report.failed and not report.sent:
        raise typer.Exit(1)


@digest_app.command("preview")
def digest_preview(
    subscription: Annotated[
        str | None, typer.Option(help="Subscription to preview (default: the first).")
    ] = None,
    format: Annotated[
        PreviewFormat, typer.Option("--format", help="html, text or slack.")
    ] = PreviewFormat.text,
) -> None:
    """Show the next digest without sending it or marking anything delivered."""
    from monitor.digest.render import render

    application = _app()
    subs = application.settings.subscriptions
    if not subs:
        raise MonitorError(f"{state.config}: no subscriptions are configured")
    _check_subscription(application.settings, subscription)
    sub = next(s for s in subs if subscription in (None, s.name))
    d = application.digests.preview(sub)
    if d.count == 0:
        typer.echo(f"nothing new for {sub.name}", err=True)
        return
    r = render(d, sub.timezone)
    typer.echo({"html": r.html, "text": r.text, "slack": r.slack}[format.value])


def _check_subscription(settings: Settings, name: str | None) -> None:
    if name is not None and name not in {s.name for s in settings.subscriptions}:
        known = ", ".join(s.name for s in settings.subscriptions) or "none"
        raise MonitorError(f"{state.config}: no subscription named {name!r} (configured: {known})")


# -- hits -----------------------------------------------------------------------


class HitsFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def hit_record(h: HitView) -> dict[str, Any]:
    return {
        "url": h.url,
        "title": h.title,
        "outlet": h.outlet,
        "published": h.published.isoformat() if h.published else None,
        "watchlist": h.watchlist,
        "entities": list(h.entities),
        "snippets": [sn.text for sn in h.snippets],
        "highlights": [[list(x) for x in sn.highlights] for sn in h.snippets],
        "story": h.story,
        "found_at": h.found_at.isoformat(),
        "matched_in": "feed summary" if h.source == "feed" else "article",
    }


@app.command()
def hits(
    since: Annotated[str, typer.Option(help="How far back, e.g. 12h, 7d.")] = "7d",
    watchlist: Annotated[str | None, typer.Option(help="Only this watchlist.")] = None,
    format: Annotated[
        HitsFormat, typer.Option("--format", help="table, json or csv.")
    ] = HitsFormat.table,
) -> None:
    """List stored hits."""
    from monitor.store import open_store, utcnow

    try:
        seconds = parse_duration(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from exc
    store = open_store(state.settings().database_url)
    found = store.hits(
        since=utcnow() - timedelta(seconds=seconds),
        watchlists=[watchlist] if watchlist else None,
    )
    records = [hit_record(h) for h in found]
    if format is HitsFormat.json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    elif format is HitsFormat.csv:
        buf = io.StringIO()
        fields = [
            "found_at",
            "watchlist",
            "entities",
            "outlet",
            "published",
            "title",
            "url",
            "story",
            "snippets",
        ]
        w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for r in records:
            w.writerow(
                {**r, "entities": " ".join(r["entities"]), "snippets": " | ".join(r["snippets"])}
            )
        typer.echo(buf.getvalue(), nl=False)
    else:
        if not records:
            typer.echo(f"no hits in the last {since}")
            return
        rows = [
            (_short_time(h.found_at), h.watchlist, ",".join(h.entities), h.outlet, h.title)
            for h in found
        ]
        _table(
            ["found", "watchlist", "entities", "outlet", "title"], rows, widths=[16, 14, 28, 20, 60]
        )


def _short_time(d: datetime) -> str:
    return d.astimezone().strftime("%Y-%m-%d %H:%M")


def _table(head: list[str], rows: Sequence[Sequence[str]], widths: list[int]) -> None:
    def cut(s: str, w: int) -> str:
        s = " ".join(str(s).split())
        return s if len(s) <= w else s[: w - 1] + "…"

    cols = [
        min(w, max([len(h)] + [len(cut(r[i], w)) for r in rows]))
        for i, (h, w) in enumerate(zip(head, widths, strict=True))
    ]
    typer.echo("  ".join(h.ljust(c) for h, c in zip(head, cols, strict=True)).rstrip())
    for r in rows:
        typer.echo("  ".join(cut(v, c).ljust(c) for v, c in zip(r, cols, strict=True)).rstrip())


# -- match ----------------------------------------------------------------------


@app.command()
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
) -> None:
    """Show what would match these pages, and why: entities, aliases and sentences."""
    from monitor.explain import describe_match, load_target
    from monitor.match import Matcher
    from monitor.watchlists import load_watchlists

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
    color = sys.stdout.isatty()
    for t in targets:
        title, text, where = load_target(t, settings)
        typer.echo(describe_match(where, title, text, matcher.match(title, text), lists, color))


# -- watchlists ---------------------------------------------------------------


@watchlists_app.command("check")
def watchlists_check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the config's).")
    ] = None,
) -> None:
    """Validate watchlists; print file:line:col errors and exit 1 if any."""
    from monitor.watchlists import load_watchlists, watchlist_files

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


@watchlists_app.command("test")
def watchlists_test(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: the config's).")
    ] = None,
) -> None:
    """Run the `examples:` of each watchlist; exit 1 if any fails."""
    from monitor.match import Matcher
    from monitor.watchlists import load_watchlists

    lists, problems = load_watchlists(paths or state.settings().watchlist_paths)
    if problems:
        raise MonitorError("\n".join(problems))
    failed = total = 0
    for wl in lists:
        matcher = Matcher([wl])
        for ex in wl.examples:
            total += 1
            found = matcher.match("", ex.text)
            got = sorted(found[0].entities) if found else []
            if got != sorted(ex.expect):
                failed += 1
                typer.echo(
                    f"FAIL {wl.path}: {wl.name}: {ex.text!r}\n     expected {sorted(ex.expect)}, got {got}"
                )
    typer.echo(f"{total - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


# -- feeds ----------------------------------------------------------------------


@feeds_app.command("list")
def feeds_list() -> None:
    """The configured feeds (OPML files expanded) with their poll interval."""
    from monitor.app import feed_sources
    from monitor.units import format_duration

    for f in feed_sources(state.settings()):
        typer.echo(f"{format_duration(f.interval_s):>5}  {f.name or '-':24.24}  {f.url}")


@feeds_app.command("import")
def feeds_import(
    opml: Annotated[Path, typer.Argument(help="An OPML file (a feed reader's export).")],
) -> None:
    """Add an OPML file's feeds to monitor.yaml (as an `opml:` entry; comments are kept)."""
    from monitor.feedimport import import_opml

    report = import_opml(state.config, opml)
    if not report.added:
        typer.echo(f"{report.opml} is already in {state.config}: {report.feeds} feeds")
        return
    typer.echo(
        f"added {report.opml} to {state.config}: {report.feeds} feeds, {report.new} new "
        "(a running daemon polls them after a restart)"
    )


@feeds_app.command("health")
def feeds_health() -> None:
    """Last success, last error, error count, next poll and items seen, per feed."""
    from monitor.store import open_store

    store = open_store(state.settings().database_url)
    rows = [
        (
            s.url,
            _short_time(s.last_success_at) if s.last_success_at else "never",
            str(s.error_count),
            _short_time(s.next_poll_at) if s.next_poll_at else "now",
            str(s.items_seen),
            (s.last_error or "") if s.error_count else "",
        )
        for s in store.feed_statuses()
        if s.active
    ]
    if not rows:
        typer.echo("no feeds polled yet")
        return
    _table(
        ["feed", "last success", "errors", "next poll", "items", "last error"],
        rows,
        [50, 16, 6, 16, 6, 60],
    )


# -- replay, db, demo -----------------------------------------------------------


@app.command()
def replay(
    since: Annotated[str, typer.Option(help="Articles stored in this period, e.g. 30d.")] = "30d",
    watchlist: Annotated[str | None, typer.Option(help="Only this watchlist.")] = None,
) -> None:
    """Re-match stored articles after a watchlist edit and store the new hits."""
    from monitor.replay import replay as do_replay

    application = _app()
    n_articles, n_hits = do_replay(application, timedelta(seconds=parse_duration(since)), watchlist)
    typer.echo(f"re-matched {n_articles} articles: {n_hits} new hits")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (the daemon also does this at start)."""
    from monitor.store.db import current_revision, make_engine, upgrade

    engine = make_engine(state.settings().database_url)
    upgrade(engine)
    typer.echo(f"database at revision {current_revision(engine)}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where to leave the digest.")] = Path("data/demo"),
) -> None:
    """Run the whole pipeline offline on bundled sample news sites and write the digest."""
    from monitor.demo import run_demo

    path = run_demo(out)
    typer.echo(f"digest written: {path}")


def main() -> None:
    try:
        app()
    except MonitorError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # a bug, not a user error: show the traceback, exit 3
        import traceback

        traceback.print_exc()
        sys.exit(3)
