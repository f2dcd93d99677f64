"""`monitor digest send | retry | cancel | preview`."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import check_subscription, state
from monitor.cli.output import count
from monitor.digest.channels import CHANNELS
from monitor.errors import MonitorError

app = typer.Typer(help="Build, preview and send digests.", no_args_is_help=True)


# `--format`: a channel's name; html is email's page
FORMATS = {"html": "email", **{c.name: c.name for c in CHANNELS}}


@app.command("send")
def send(
    subscription: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only this subscription.")
    ] = None,
) -> None:
    """Build and deliver pending digests now, whatever the schedule; retry failed
    deliveries now."""
    application = state.app()
    check_subscription(application.settings, subscription)
    report = application.digests.run(subscription)
    typer.echo(
        f"{count(report.digests, 'digest')} built, "
        f"{count(report.sent, 'delivery', 'deliveries')} sent, {report.failed} failed"
    )
    for e in report.errors:
        typer.echo(f"  {e}", err=True)
    for d in report.dead:
        typer.echo(f"  gone dead, no more retries: {d} (monitor digest retry)", err=True)
    if report.failed:  # a script or a cron job must see it, also beside others sent
        raise typer.Exit(1)


@app.command("retry")
def retry(
    ids: Annotated[
        list[int] | None, typer.Argument(metavar="ID", help="Dead deliveries to send again.")
    ] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Every dead delivery.")] = False,
) -> None:
    """Queue dead deliveries again (see `monitor deliveries --dead`); the daemon, or
    `monitor digest send`, sends them."""
    from monitor.store import open_store

    if not ids and not dead:
        raise typer.BadParameter("name the deliveries, or give --dead for all of them")
    store = open_store(state.settings().database_url)
    queued = store.retry_dead(None if dead else ids)
    missing = sorted(set(ids or ()) - set(queued))
    typer.echo(f"{count(len(queued), 'delivery', 'deliveries')} queued again")
    if missing:
        raise MonitorError(
            f"not dead, or no such delivery: {', '.join(map(str, missing))} "
            "(monitor deliveries --dead lists them)"
        )


@app.command("cancel")
def cancel(
    ids: Annotated[list[int], typer.Argument(metavar="ID", help="Pending deliveries to cancel.")],
) -> None:
    """Cancel deliveries still waiting to be sent (see `monitor deliveries`, or
    `--orphaned` for those of removed subscriptions and destinations). They stay in the
    outbox as cancelled, the record of it; `monitor digest retry ID` queues one again."""
    from monitor.store import open_store

    store = open_store(state.settings().database_url)
    done = store.cancel_deliveries(ids, "cancelled by the operator (monitor digest cancel)")
    typer.echo(f"{count(len(done), 'delivery', 'deliveries')} cancelled")
    if missing := sorted(set(ids) - set(done)):
        raise MonitorError(
            f"not waiting to be sent, or no such delivery: {', '.join(map(str, missing))} "
            "(monitor deliveries lists them)"
        )


@app.command("preview")
def preview(
    subscription: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Subscription to preview (default: the first)."),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help=f"{', '.join(FORMATS)}.", metavar="FORMAT")
    ] = "text",
) -> None:
    """Show the next digest without sending it or marking anything delivered."""
    from monitor.digest.render import render

    if format not in FORMATS:
        raise typer.BadParameter(f"{format!r}: one of {', '.join(FORMATS)}", param_hint="--format")
    application = state.app()
    subs = application.settings.subscriptions
    if not subs:
        raise MonitorError(f"{state.config}: no subscriptions are configured")
    check_subscription(application.settings, subscription)
    sub = next(s for s in subs if subscription in (None, s.name))
    d = application.digests.preview(sub)
    if d.count == 0:
        typer.echo(f"nothing new for {sub.name}", err=True)
        return
    typer.echo(render(d, sub.timezone, FORMATS[format]).body)
