"""The Starlette application: /healthz, /readyz, /metrics and the desk's pages.

Read-only: nothing here writes to the database. Every database read runs in a worker
thread, so a slow query never holds up the daemon's polling on the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# 0.0.4: what every Prometheus server parses; generate_latest writes that format
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from monitor.web import handlers, websub
from monitor.web.auth import authorized
from monitor.web.health import readiness
from monitor.web.state import Site

DB_PROBE_TIMEOUT_S = 5.0
SECURITY_HEADERS = {
    # No script at all, styles inline in the page, forms only to this site.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


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
        Route("/", page(handlers.stories)),
        Route("/story/{story}", page(handlers.story)),
        Route("/search", page(handlers.search)),
        Route("/search/save", page(handlers.save_search)),
        Route("/feeds", page(handlers.feeds)),
        Route("/subscriptions", page(handlers.subscriptions)),
        Route("/match", page(handlers.match), methods=["GET", "POST"]),
    ]
    if site.on_push is not None:  # a daemon's listener: `monitor web` takes no pushes
        routes.append(
            Route(websub.PATH + "{token}", page(websub.callback), methods=["GET", "POST"])
        )
    return Starlette(routes=routes, middleware=[Middleware(_Guard, site=site)])
