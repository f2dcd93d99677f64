"""The Starlette application: /healthz, /readyz, /metrics and the desk's pages.

Read-only: nothing here writes to the database. Every database read runs in a worker
thread, so a slow query never holds up the daemon's polling on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

# 0.0.4: what every Prometheus server parses; generate_latest writes that format
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.config.settings import Settings
from monitor.match.matcher import Matcher
from monitor.metrics import Metrics
from monitor.store import Store
from monitor.watchlists.liveset import LiveSet
from monitor.web import pages
from monitor.web.auth import authorized
from monitor.web.health import Probe, readiness

DB_PROBE_TIMEOUT_S = 5.0
SECURITY_HEADERS = {
    # No script at all, styles inline in the page, forms only to this site.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class Site:
    """What the pages read: the store, the live watchlists and the running settings."""

    store: Store
    watch: LiveSet[Matcher]
    settings: Callable[[], Settings]
    metrics: Metrics
    scheduler_running: Callable[[], bool | None] = lambda: None
    last_success: Callable[[], Any] = lambda: None
    started: float = field(default_factory=time.time)
    _cache: dict[str, tuple[float, Any]] = field(default_factory=dict)

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def cached(self, key: str, ttl_s: float, fn: Callable[[], Any]) -> Any:
        """A slow-changing list (the outlets of the filter) read once a minute."""
        hit = self._cache.get(key)
        if hit is None or time.monotonic() - hit[0] > ttl_s:
            hit = self._cache[key] = (time.monotonic(), await self.db(fn))
        return hit[1]

    async def probe(self) -> Probe:
        from datetime import UTC, datetime

        from monitor.config.sources import feed_sources
        from monitor.store.db import check_connection
        from monitor.web.health import poll_bound

        error = None
        try:
            await asyncio.wait_for(self.db(check_connection, self.store.engine), DB_PROBE_TIMEOUT_S)
        except TimeoutError:
            error = f"no answer within {DB_PROBE_TIMEOUT_S:g}s"
        except Exception as exc:  # the reason, for the operator reading /readyz
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        running = self.scheduler_running()
        bound = None
        if running is not None:
            bound = poll_bound([f.interval_s for f in feed_sources(self.settings())])
        return Probe(
            database_error=error,
            scheduler_running=running,
            last_success=self.last_success(),
            started=datetime.fromtimestamp(self.started, UTC),
            poll_bound=bound,
        )


class _Guard(BaseHTTPMiddleware):
    def __init__(self, app: Any, site: Site) -> None:
        super().__init__(app)
        self.site = site

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        token = self.site.settings().http.token
        if not authorized(request.url.path, request.headers.get("authorization"), token):
            return PlainTextResponse(
                "a token is needed: Authorization: Bearer TOKEN, or any user name with "
                "the token as password",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="news-monitor", charset="UTF-8"'},
            )
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response


def make_app(site: Site) -> Starlette:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(_: Request) -> Response:
        from monitor.clock import utcnow

        ok, body = readiness(await site.probe(), utcnow())
        return JSONResponse(body, status_code=200 if ok else 503)

    async def metrics(_: Request) -> Response:
        body = await site.db(site.metrics.exposition)
        return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)

    def page(fn: Callable[[Site, Request], Awaitable[Response]]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            return await fn(site, request)

        return endpoint

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/", page(pages.stories)),
        Route("/story/{story}", page(pages.story)),
        Route("/search", page(pages.search)),
        Route("/feeds", page(pages.feeds)),
        Route("/subscriptions", page(pages.subscriptions)),
        Route("/match", page(pages.match), methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_Guard, site=site)])
