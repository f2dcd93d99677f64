"""`monitor deliveries`: the outbox, what was sent where, what waits, what is dead."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.context import state
from monitor.cli.output import short_time, table


def deliveries(
    dead: Annotated[bool, typer.Option("--dead", help="Only the dead ones.")] = False,
) -> None:
    """The outbox, newest first: each digest's delivery to each destination, its state,
    tries, next try and last error."""
    from monitor.store import open_store

    store = open_store(state.settings().database_url)
    rows = [
        (
            str(d.id),
            short_time(d.created_at),
            d.subscription,
            d.label,
            d.status if not d.claim else "sending",
            str(d.attempts),
            short_time(d.next_attempt_at) if d.status == "pending" and d.next_attempt_at else "",
            short_time(d.sent_at) if d.sent_at else "",
            (d.last_error or "") if d.status != "sent" else "",
        )
        for d in store.deliveries(dead=dead)
    ]
    if not rows:
        typer.echo("no dead deliveries" if dead else "no deliveries yet")
        return
    table(
        [
            "id",
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
        [8, 20, 16, 40, 8, 5, 20, 20, 60],
    )
