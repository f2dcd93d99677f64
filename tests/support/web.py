"""The web page served for real, on a loop in a thread, for tests that read it with
httpx or drive it in a browser."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from monitor.web.server import Listener, bind
from monitor.web.site import Site, make_app


@contextmanager
def serving(site: Site) -> Iterator[str]:
    """The base URL of `site` served on 127.0.0.1 (a free port) until the block ends."""
    listener = Listener(make_app(site), bind("127.0.0.1", 0))
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop: list[asyncio.Event] = []

    async def main() -> None:
        stop.append(asyncio.Event())
        listener.start()
        ready.set()
        await stop[0].wait()
        await listener.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the web page did not start"
    try:
        yield listener.url.rstrip("/")
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join(30)
        loop.close()
