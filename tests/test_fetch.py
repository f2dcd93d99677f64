from __future__ import annotations

import asyncio
import gzip
import time

import pytest

from monitor.demo.server import LocalServer
from monitor.errors import BlockedAddressError, FetchError
from monitor.fetch.client import Fetcher, FetchPolicy, redact
from monitor.fetch.guard import address_allowed
from monitor.types import FetchResult, NotModified, PollState

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def serve(handler):  # type: ignore[no-untyped-def]
    """A LocalServer whose handler sees the raw request (for headers and odd answers)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handler(self)

        def log_message(self, *a: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def policy(**kw: object) -> FetchPolicy:
    base = {
        "timeout_s": 5.0,
        "max_bytes": 100_000,
        "user_agent": "test-agent/1",
        "allow_private_networks": True,
    }
    base.update(kw)
    return FetchPolicy(**base)  # type: ignore[arg-type]


def fetch(url: str, state: PollState | None = None, **kw: object) -> FetchResult | NotModified:
    async def go() -> FetchResult | NotModified:
        async with Fetcher(policy(**kw)) as f:
            return await f.get(url, state)

    return asyncio.run(go())


def test_conditional_get_and_user_agent() -> None:
    seen: list[dict[str, str]] = []

    def handler(h):  # type: ignore[no-untyped-def]
        seen.append(dict(h.headers))
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("ETag", '"v1"')
        h.send_header("Last-Modified", "Mon, 23 Nov 2026 08:00:00 GMT")
        h.send_header("Content-Length", str(len(FEED)))
        h.end_headers()
        h.wfile.write(FEED)

    httpd, base = serve(handler)
    try:
        first = fetch(base + "/feed")
        assert isinstance(first, FetchResult) and first.body == FEED
        assert first.etag == '"v1"' and first.last_modified
        second = fetch(base + "/feed", PollState(first.etag, first.last_modified))
        assert isinstance(second, NotModified)
        assert seen[1]["If-Modified-Since"] == "Mon, 23 Nov 2026 08:00:00 GMT"
        assert seen[0]["User-Agent"] == "test-agent/1"
    finally:
        httpd.shutdown()


def test_decoded_size_cap_stops_a_gzip_bomb() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)

    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(bomb)))
        h.end_headers()
        h.wfile.write(bomb)

    httpd, base = serve(handler)
    try:
        assert len(bomb) < 100_000
        with pytest.raises(FetchError, match="limit after decoding"):
            fetch(base + "/bomb")
    finally:
        httpd.shutdown()


def test_declared_length_over_the_cap_is_refused_early() -> None:
    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "999999999")
        h.end_headers()

    httpd, base = serve(handler)
    try:
        with pytest.raises(FetchError, match="over the"):
            fetch(base + "/big")
    finally:
        httpd.shutdown()


def test_total_deadline_beats_a_slow_server() -> None:
    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        for _ in range(100):  # one byte every 0.2 s: each read is quick, the whole is not
            try:
                h.wfile.write(b"x")
                h.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)

    httpd, base = serve(handler)
    try:
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="within 1s"):
            fetch(base + "/slow", timeout_s=1.0)
        assert time.monotonic() - t0 < 2.5
    finally:
        httpd.shutdown()


def test_redirects_are_followed_at_most_five_times() -> None:
    def handler(h):  # type: ignore[no-untyped-def]
        n = int(h.path.strip("/") or 0)
        if n < 6:
            h.send_response(302)
            h.send_header("Location", f"/{n + 1}")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Length", "2")
        h.end_headers()
        h.wfile.write(b"ok")

    httpd, base = serve(handler)
    try:
        ok = fetch(base + "/1")
        assert isinstance(ok, FetchResult) and ok.url.endswith("/6") and ok.body == b"ok"
        with pytest.raises(FetchError, match="more than 5 redirects"):
            fetch(base + "/0")
    finally:
        httpd.shutdown()


def test_http_errors_are_fetch_errors() -> None:
    with (
        LocalServer(lambda path: (500, "text/plain", b"boom")) as server,
        pytest.raises(FetchError, match="HTTP 500"),
    ):
        fetch(server.base + "/x")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://localhost:9/",
        "http://2130706433:9/",
        "http://127.1:9/",
        "http://[::1]:9/",
        "http://0.0.0.0:9/",
    ],
)
def test_private_addresses_are_refused_by_default(url: str) -> None:
    with pytest.raises(BlockedAddressError, match="private or reserved"):
        fetch(url, allow_private_networks=False)


def test_a_redirect_into_a_private_address_is_refused() -> None:
    hits: list[str] = []
    with LocalServer(lambda path: hits.append(path) or (200, "text/plain", b"secret")) as canary:  # type: ignore[func-returns-value]

        def handler(h):  # type: ignore[no-untyped-def]
            h.send_response(302)
            h.send_header("Location", canary.base + "/secret")
            h.send_header("Content-Length", "0")
            h.end_headers()

        httpd, base = serve(handler)
        try:
            # the first hop is allowed for the test by policy; the guard re-checks every hop
            async def go() -> None:
                from monitor.fetch import client

                real = client.check_url
                calls = []

                async def check(url: str, allow: bool) -> None:
                    calls.append(url)
                    await real(url, allow_private=len(calls) == 1)

                client.check_url = check  # type: ignore[assignment]
                try:
                    async with Fetcher(policy(allow_private_networks=False)) as f:
                        await f.get(base + "/start")
                finally:
                    client.check_url = real

            with pytest.raises(BlockedAddressError):
                asyncio.run(go())
            assert hits == []
        finally:
            httpd.shutdown()


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://example.org/", "ftp://example.org/"]
)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch(url)


@pytest.mark.parametrize(
    ("addr", "ok"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("192.0.0.8", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("2002:7f00:1::", False),
        ("0.0.0.0", False),
    ],
)
def test_address_table(addr: str, ok: bool) -> None:
    assert address_allowed(addr) is ok


def test_redact_hides_credentials_and_tokens() -> None:
    assert redact("https://user:pw@feeds.example/rss?token=abc") == "https://feeds.example/rss?…"
