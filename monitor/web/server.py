"""uvicorn on the caller's asyncio loop, on a socket bound here: a port in use is one
clear error at start, and the daemon keeps its own signal handlers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import structlog
import uvicorn
from starlette.types import ASGIApp

from monitor.errors import ConfigError

log = structlog.get_logger()
STOP_TIMEOUT_S = 5


class _Embedded(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # SIGTERM and SIGHUP stay the daemon's


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio turns Nagle off only on sockets that say TCP,
    # and with it on every answer waited 40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        return sock
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"http.listen: cannot listen on {host}:{port}: {exc.strerror or exc} "
            "(choose another port, or listen: null for no listener)"
        ) from exc


class Listener:
    """Serves `app` on a bound socket until stopped."""

    def __init__(self, app: ASGIApp, sock: socket.socket) -> None:
        self.sock = sock
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", server_header=False
        )
        self._server = _Embedded(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._server.serve([self.sock]))
        log.info("web page and metrics listening", url=self.url)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(self._task, STOP_TIMEOUT_S)
        except TimeoutError:  # a client holding a connection open: closed regardless
            self._server.force_exit = True
        self.sock.close()
