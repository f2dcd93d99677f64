"""`monitor deliveries`: the outbox, what was sent where, what waits, what is dead."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import short_time, table


def deliveries(
    dead: Annotated[bool, typer.Option("--dead", help="Only the dead ones.")] = False,
    orphaned: Annotated[
        bool,
        typer.Option(
            "--orphaned",
            help="Only those of subscriptions or destinations removed from monitor.yaml: "
            "waiting (the daemon cancels them at its next round) or cancelled.",
        ),
    ] = False,
) -> None:
    """The outbox, newest first: each digest's delivery to each destination, its state,
    tries, next try and last error."""
    from monitor.digest.deliver import destinations
    from monitor.store import open_store

    settings = state.settings()
    store = open_store(settings.database_url)
    if orphaned:
        folder = settings.path("data/digests")
        configured = {
            s.name: {d.key for d in destinations(s.notify, folder)} for s in settings.subscriptions
        }
        shown = store.orphaned_deliveries(configured)[::-1] + store.cancelled_deliveries()
    else:
        shown = store.deliveries(dead=dead)
    rows = [
        (
            str(d.id),
            str(d.digest_id),
            short_time(d.created_at),
            d.subscription,
            d.label,
            d.status if not d.claim or d.status != "pending" else "sending",
            str(d.attempts),
            short_time(d.next_attempt_at) if d.status == "pending" and d.next_attempt_at else "",
            short_time(d.sent_at) if d.sent_at else "",
            (d.last_error or "") if d.status != "sent" else "",
        )
        for d in shown
    ]
    if not rows:
        typer.echo(
            "no orphaned deliveries"
            if orphaned
            else "no dead deliveries"
            if dead
            else "no deliveries yet"
        )
        return
    table(
        [
            "id",
            "digest",
            "digest made",
            "subscription",
            "destination",
            "status",
            "tries",
            "next try",
            "sent",
            "last error",
        ],
        rows,
        [8, 8, 20, 16, 40, 9, 5, 20, 20, 60],
    )
