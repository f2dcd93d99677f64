"""`monitor run`: the daemon, or one pass for cron with --once."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import count
from monitor.errors import MonitorError

# `run --once` when a feed's entries could not be stored (a full disk, a database
# error): an internal failure, so cron reports it; the next run stores them.
EXIT_NOT_STORED = 3


def run(
    once: Annotated[
        bool, typer.Option("--once", help="Poll every feed once, send due digests, exit.")
    ] = False,
) -> None:
    """Run the daemon: poll feeds, match, store hits, send digests on schedule."""
    application = state.app()
    if once and application.watch.problems:
        # Under cron nobody reads the log: nothing is matched without these watchlists.
        raise MonitorError("\n".join(application.watch.problems))
    if not once:
        from monitor.daemon import Daemon

        asyncio.run(Daemon(application).run())
        return
    results = asyncio.run(application.poll_all_once())
    application.rounds.check_spikes()
    report = application.rounds.send_due_digests()
    application.rounds.send_notices()  # feeds down or back, deliveries dead: under cron too
    failed = [r for r in results if r.failed]
    hits = sum(len(r.new_hits) for r in results)
    typer.echo(
        f"polled {count(len(results), 'feed')}: "
        f"{count(sum(r.new_items for r in results), 'new item')}, {count(hits, 'new hit')}, "
        f"{count(len(failed), 'feed error')}; {count(report.digests, 'digest')}, "
        f"{count(report.sent, 'delivery', 'deliveries')} sent, {report.failed} failed"
    )
    for r in failed:
        typer.echo(f"  feed error: {r.url}: {r.error}", err=True)
    if any(r.status == "internal-error" for r in results):
        raise typer.Exit(EXIT_NOT_STORED)
