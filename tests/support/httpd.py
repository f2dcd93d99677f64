"""A scripted HTTP server on 127.0.0.1 for fetch tests: answers from a function,
records requests, full responses and the most connections open at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How often serve_forever looks for shutdown(): its default, 0.5 s, is what closing
# each test's server cost.
POLL_S = 0.02


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Script = Callable[[str, dict[str, str]], Reply]


def rss(items: list[tuple[str, str, str, str]], extra: str = "") -> bytes:
    """An RSS 2.0 document of (title, link, guid, description) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{g}</guid>"
        f"<description>{d}</description></item>"
        for t, link, g, d in items
    )
    return f'<rss version="2.0"><channel><title>F</title>{extra}{entries}</channel></rss>'.encode()


class ScriptedServer:
    def __init__(self, script: Script, host: str = "127.0.0.1") -> None:
        self.script = script
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.full_responses = 0
        self.active = 0
        self.max_active = 0
        # The client of the request being answered, for a script that asks (read in the
        # script's own thread: each request has one).
        self.local = threading.local()
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with lock:
                    outer.active += 1
                    outer.max_active = max(outer.max_active, outer.active)
                    outer.requests.append(
                        (self.path, {k.lower(): v for k, v in self.headers.items()})
                    )
                outer.local.peer = self.client_address[0]
                try:
                    reply = outer.script(self.path, {k.lower(): v for k, v in self.headers.items()})
                    if reply.delay_s:
                        time.sleep(reply.delay_s)
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                    if reply.status == 200:
                        with lock:
                            outer.full_responses += 1
                finally:
                    with lock:
                        outer.active -= 1

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self.httpd.serve_forever, args=(POLL_S,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
