"""A WebSub hub and its publisher on 127.0.0.1: serves a feed that names the hub, takes
subscription requests, verifies them with a challenge to the callback, and pushes each
new version of the feed to the verified subscribers, signed with their secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.httpd import POLL_S


@dataclass
class Subscriber:
    callback: str
    topic: str
    secret: str
    lease_s: int
    verified: bool = False
    answer: str = ""  # what the callback answered to the challenge


def atom(base: str, entries: list[tuple[str, str, str]]) -> bytes:
    """An Atom feed naming the hub, of (id, title, summary) entries; an id that is a URL
    is the entry's link too."""
    items = "".join(
        f"<entry><id>{i}</id><title>{t}</title>"
        f"<link href='{i if i.startswith('http') else f'{base}/a/{i}'}'/>"
        f"<updated>2026-12-05T10:00:00Z</updated><summary>{s}</summary></entry>"
        for i, t, s in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?>"
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>Hub News</title>"
        f"<id>{base}/feed.xml</id><updated>2026-12-05T10:00:00Z</updated>"
        f"<link rel='hub' href='{base}/hub'/><link rel='self' href='{base}/feed.xml'/>"
        f"{items}</feed>"
    ).encode()


class Hub:
    def __init__(self, lease_s: int | None = None) -> None:
        self.entries: list[tuple[str, str, str]] = []
        self.subscribers: list[Subscriber] = []
        self.requests: list[dict[str, str]] = []
        self.lease_s = lease_s  # granted: None grants what was asked
        self.verified = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                body = atom(outer.base, outer.entries) if self.path == "/feed.xml" else b""
                self._send(200 if body else 404, body, "application/atom+xml")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                outer.requests.append(form)
                self._send(202, b"", "text/plain")
                threading.Thread(target=outer._verify, args=(form,), daemon=True).start()

            def _send(self, status: int, body: bytes, ctype: str) -> None:
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
        threading.Thread(target=self.httpd.serve_forever, args=(POLL_S,), daemon=True).start()

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"

    def _verify(self, form: dict[str, str]) -> None:
        lease = self.lease_s or int(form.get("hub.lease_seconds") or 86400)
        challenge = secrets.token_hex(8)
        query = urllib.parse.urlencode(
            {
                "hub.mode": form["hub.mode"],
                "hub.topic": form["hub.topic"],
                "hub.challenge": challenge,
                "hub.lease_seconds": lease,
            }
        )
        sub = Subscriber(form["hub.callback"], form["hub.topic"], form["hub.secret"], lease)
        try:
            with urllib.request.urlopen(f"{sub.callback}?{query}", timeout=30) as r:
                sub.answer = r.read().decode()
        except urllib.error.URLError as exc:
            sub.answer = str(exc)
        sub.verified = sub.answer == challenge
        self.subscribers = [s for s in self.subscribers if s.callback != sub.callback] + [sub]
        if sub.verified:
            self.verified.set()

    def publish(self, entry: tuple[str, str, str]) -> list[int]:
        """Add an entry and push the feed, signed, to every verified subscriber."""
        self.entries.append(entry)
        return self.push(atom(self.base, self.entries))

    def push(self, body: bytes, signature: str | None = "good") -> list[int]:
        """Push `body` to every verified subscriber. `signature`: "good", "wrong" (signed
        with another secret) or None (no header): a forger's push."""
        statuses = []
        for sub in self.subscribers:
            if not sub.verified:
                continue
            headers = {"Content-Type": "application/atom+xml"}
            if signature is not None:
                key = sub.secret if signature == "good" else "not-the-secret"
                mac = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
                headers["X-Hub-Signature"] = f"sha256={mac}"
            req = urllib.request.Request(sub.callback, body, headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        return statuses

    def close(self) -> None:
        self.httpd.shutdown()
