"""The local HTTP server `monitor demo` serves its sample sites from, on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from monitor.demo.sites import Site, load_sites, render_feed, render_page

# (path) -> (status, content type, body) or None for 404
Route = Callable[[str], tuple[int, str, bytes] | None]


class LocalServer:
    """Serves on 127.0.0.1 on a free port; counts requests per path."""

    def __init__(self, route: Route) -> None:
        self.route = route
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                got = outer.route(self.path)
                if got is None:
                    self.send_error(404)
                    return
                status, ctype, body = got
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # serve_forever looks for shutdown() every 0.05 s (its default, 0.5 s, delayed
        # every stop of the demo)
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def site_route(sites: dict[str, Site], base: Callable[[], str], tracking: str = "") -> Route:
    """Routes /<site>/feed.xml and /<site>/<slug>.html; feed links may carry tracking parameters."""

    def route(path: str) -> tuple[int, str, bytes] | None:
        parts = urlsplit(path).path.strip("/").split("/")
        if len(parts) != 2 or parts[0] not in sites:
            return None
        site = sites[parts[0]]
        if parts[1] == "feed.xml":
            return 200, "application/rss+xml; charset=utf-8", render_feed(site, base(), tracking)
        if parts[1].endswith(".html"):
            page = render_page(site, parts[1][:-5], base())
            return (200, "text/html; charset=utf-8", page) if page else None
        return None

    return route


def serve_sites(tracking: str = "?utm_source=rss&utm_medium=feed") -> LocalServer:
    sites = load_sites()
    holder: list[LocalServer] = []
    server = LocalServer(site_route(sites, lambda: holder[0].base, tracking))
    holder.append(server)
    return server
