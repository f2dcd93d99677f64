"""Local sockets: a free port, a webhook receiver, and a canary that must never be reached."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.httpd import POLL_S


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WebhookReceiver:
    """Receives apprise's json:// posts; answers `status` (200: the body is kept)."""

    def __init__(self, reply: bytes = b"", host: str = "127.0.0.1") -> None:
        self.host = host
        self.bodies: list[dict[str, object]] = []
        self.headers: list[dict[str, str]] = []  # of each post kept
        self.status = 200
        self.reply = reply  # the response body (Slack's webhook answers "ok")
        self.delay_s = 0.0  # a slow receiver: each post waits this long
        self.fail_after: int | None = None  # keep this many posts, then answer 500
        self.arrivals: list[tuple[float, str]] = []  # (monotonic time, client) of each post
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                outer.arrivals.append((time.monotonic(), self.client_address[0]))
                time.sleep(outer.delay_s)
                status = outer.status
                if outer.fail_after is not None and len(outer.bodies) >= outer.fail_after:
                    status = 500
                if status == 200:
                    outer.bodies.append(json.loads(raw or b"{}"))
                    outer.headers.append({k.lower(): v for k, v in self.headers.items()})
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(outer.reply)))
                    self.end_headers()
                    self.wfile.write(outer.reply)
                except OSError:  # the sender is gone (killed while it waited): received
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(POLL_S,), daemon=True).start()

    def url(self) -> str:
        return f"json://{self.host}:{self.port}/hook"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Canary:
    """A server on 127.0.0.1 that must never be reached; counts every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


class DripServer:
    """Slowloris on 127.0.0.1: announces 100,000 bytes, then sends one every 0.2 s."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/feed"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            while not self._stop.is_set():
                try:
                    conn.sendall(b"<")
                except OSError:
                    return
                time.sleep(0.2)

    def __enter__(self) -> DripServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()


@contextmanager
def plugin_pointed_here(
    plugin: type, attr: str, path: str, reply: bytes
) -> Iterator[WebhookReceiver]:
    """An apprise plugin's service address (its class attribute `attr`) pointed at a
    local receiver answering `reply`, for the block."""
    receiver = WebhookReceiver(reply=reply)
    saved = getattr(plugin, attr)
    setattr(plugin, attr, f"http://127.0.0.1:{receiver.port}{path}")
    try:
        yield receiver
    finally:
        setattr(plugin, attr, saved)
        receiver.close()
