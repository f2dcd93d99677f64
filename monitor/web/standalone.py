"""`monitor web`: the page, health and metrics without polling, on a database that
another daemon fills. Watchlists still reload (the page's filters and its match box)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

import structlog

from monitor.config.policies import check_listener
from monitor.web.server import Listener, bind
from monitor.web.site import make_app
from monitor.web.state import Site

log = structlog.get_logger()
RELOAD_EVERY_S = 3


async def serve(site: Site, reload: Callable[[], object], host: str, port: int) -> None:
    """Serve `site` until SIGTERM or SIGINT, calling `reload` (the watchlists') every
    few seconds."""
    check_listener(site.settings())
    listener = Listener(make_app(site), bind(host, port))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    listener.start()
    while not stopping.is_set():
        try:
            await asyncio.wait_for(stopping.wait(), RELOAD_EVERY_S)
        except TimeoutError:
            await asyncio.to_thread(reload)
    await listener.stop()
    log.info("web page stopped")
