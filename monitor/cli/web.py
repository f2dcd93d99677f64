"""`monitor web`: the read-only web page alone."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from monitor.cli.context import state


def _host_port(value: str | None) -> str | None:
    from pydantic import ValidationError

    from monitor.config.settings import HttpSettings

    if value is None:
        return None
    try:
        return HttpSettings(listen=value).listen
    except ValidationError as exc:
        raise typer.BadParameter(exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc


def web(
    listen: Annotated[
        str | None,
        typer.Option(
            "--listen",
            metavar="HOST:PORT",
            callback=_host_port,
            help="Where to listen (default: http.listen of monitor.yaml, else 127.0.0.1:8089).",
        ),
    ] = None,
) -> None:
    """Serve the web page, /healthz, /readyz and /metrics without polling, on a database
    that another daemon fills."""
    from monitor.config.settings import HttpSettings
    from monitor.web.standalone import serve

    application = state.app()
    configured = application.settings.http
    http = configured.model_copy(
        update={
            "listen": HttpSettings(listen=listen or configured.listen or "127.0.0.1:8089").listen
        }
    )
    application.settings = application.settings.model_copy(update={"http": http})
    asyncio.run(serve(application.site(), application.watch.reload, http.host, http.port))
