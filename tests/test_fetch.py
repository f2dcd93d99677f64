from __future__ import annotations

import asyncio
import gzip
import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.errors import BlockedAddressError, FetchError, HTTPStatusError, RetryLater
from monitor.fetch.aio import AioFetcher
from monitor.fetch.client import Fetcher, FetchPolicy, redact
from monitor.fetch.guard import address_allowed
from monitor.types import FetchResult, NotModified, PollState
from tests.support.httpd import POLL_S, Reply, ScriptedServer
from tests.support.net import Canary

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def serve(handler):  # type: ignore[no-untyped-def]
    """A local server whose handler sees the raw request (for headers and odd answers)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handler(self)

        def log_message(self, *a: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(POLL_S,), daemon=True).start()
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


# Every test that fetches runs against both fetchers: the httpx one the daemon uses and
# the aiohttp one measured against it, which must keep the same guarantees and wordings.
# (None of these tests is about httpx internals, so none is left to httpx alone.)
FETCHERS = {"httpx": Fetcher, "aiohttp": AioFetcher}
AnyFetcher = type[Fetcher] | type[AioFetcher]


@pytest.fixture(params=list(FETCHERS))
def fetcher_cls(request: pytest.FixtureRequest) -> AnyFetcher:
    return FETCHERS[request.param]


def fetch(
    cls: AnyFetcher, url: str, state: PollState | None = None, **kw: object
) -> FetchResult | NotModified:
    async def go() -> FetchResult | NotModified:
        async with cls(policy(**kw)) as f:
            return await f.get(url, state)

    return asyncio.run(go())


def test_conditional_get_and_user_agent(fetcher_cls: AnyFetcher) -> None:
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
        first = fetch(fetcher_cls, base + "/feed")
        assert isinstance(first, FetchResult) and first.body == FEED
        assert first.etag == '"v1"' and first.last_modified
        second = fetch(fetcher_cls, base + "/feed", PollState(first.etag, first.last_modified))
        assert isinstance(second, NotModified)
        assert seen[1]["If-Modified-Since"] == "Mon, 23 Nov 2026 08:00:00 GMT"
        assert seen[0]["User-Agent"] == "test-agent/1"
    finally:
        httpd.shutdown()


def test_decoded_size_cap_stops_a_gzip_bomb(fetcher_cls: AnyFetcher) -> None:
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
            fetch(fetcher_cls, base + "/bomb")
    finally:
        httpd.shutdown()


def test_declared_length_over_the_cap_is_refused_early(fetcher_cls: AnyFetcher) -> None:
    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "999999999")
        h.end_headers()

    httpd, base = serve(handler)
    try:
        with pytest.raises(FetchError, match="over the"):
            fetch(fetcher_cls, base + "/big")
    finally:
        httpd.shutdown()


def test_total_deadline_beats_a_slow_server(fetcher_cls: AnyFetcher) -> None:
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
        # The body takes 20 s, each read 0.2 s: only a deadline on the whole request cuts it.
        with pytest.raises(FetchError, match="within 1s"):
            fetch(fetcher_cls, base + "/slow", timeout_s=1.0)
    finally:
        httpd.shutdown()


def test_redirects_are_followed_at_most_five_times(fetcher_cls: AnyFetcher) -> None:
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
        ok = fetch(fetcher_cls, base + "/1")
        assert isinstance(ok, FetchResult) and ok.url.endswith("/6") and ok.body == b"ok"
        with pytest.raises(FetchError, match="more than 5 redirects"):
            fetch(fetcher_cls, base + "/0")
    finally:
        httpd.shutdown()


def test_a_connection_error_reads_as_a_sentence(fetcher_cls: AnyFetcher) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once it is closed
    with pytest.raises(FetchError) as err:
        fetch(fetcher_cls, f"http://127.0.0.1:{port}/feed")
    assert str(err.value) == "could not connect to 127.0.0.1: nothing answered"
    with pytest.raises(FetchError, match=r"^no such host: no-such-host\.invalid$"):
        fetch(fetcher_cls, "http://no-such-host.invalid/feed", allow_private_networks=True)


def test_http_errors_are_fetch_errors(fetcher_cls: AnyFetcher) -> None:
    with (
        ScriptedServer(
            lambda path, h: Reply(500, b"boom", {"Content-Type": "text/plain"})
        ) as server,
        pytest.raises(FetchError, match="HTTP 500"),
    ):
        fetch(fetcher_cls, server.base + "/x")


def guarded(cls: AnyFetcher, url: str, **kw: object) -> FetchResult | NotModified:
    async def go() -> FetchResult | NotModified:
        async with cls(policy(allow_private_networks=False), **kw) as f:  # type: ignore[arg-type]
            return await f.get(url)

    return asyncio.run(go())


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "2130706433",
        "127.1",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
    ],
)
def test_loopback_in_any_spelling_is_refused_before_connecting(
    fetcher_cls: AnyFetcher, canary: Canary, host: str
) -> None:
    with pytest.raises(FetchError, match=r"private or reserved|invalid URL"):
        guarded(fetcher_cls, f"http://{host}:{canary.port}/feed")
    assert canary.connections == 0


def _stand_in(addr: str) -> bool:
    """127.0.0.2 plays a public server in these tests."""
    return addr == "127.0.0.2" or address_allowed(addr)


def serve_on(host: str, handler):  # type: ignore[no-untyped-def]
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handler(self)

        def log_message(self, *a: object) -> None:
            pass

    httpd = ThreadingHTTPServer((host, 0), H)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, args=(POLL_S,), daemon=True).start()
    return httpd, httpd.server_address[1]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_into_a_private_address_is_refused(
    fetcher_cls: AnyFetcher, canary: Canary, status: int
) -> None:
    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(status)
        h.send_header("Location", f"http://127.0.0.1:{canary.port}/secret")
        h.send_header("Content-Length", "0")
        h.end_headers()

    httpd, port = serve_on("127.0.0.2", handler)
    try:
        with pytest.raises(BlockedAddressError):
            guarded(fetcher_cls, f"http://127.0.0.2:{port}/start", allowed=_stand_in)
        assert canary.connections == 0
    finally:
        httpd.shutdown()


def test_dns_rebinding_meets_the_checked_address(fetcher_cls: AnyFetcher, canary: Canary) -> None:
    """Resolved once, connected to what was checked: a second answer is never asked for."""
    answers = ["127.0.0.2", "127.0.0.1"]  # public first, then the canary
    asked: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return [answers[min(len(asked) - 1, 1)]]

    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "2")
        h.end_headers()
        h.wfile.write(b"ok")

    httpd, port = serve_on("127.0.0.2", handler)
    try:
        res = guarded(
            fetcher_cls, f"http://rebind.test:{port}/feed", resolver=rebinding, allowed=_stand_in
        )
        assert isinstance(res, FetchResult) and res.body == b"ok"
        assert asked == ["rebind.test"]
        # and when the first answer is already private, nothing is sent
        asked.clear()
        answers[0] = "127.0.0.1"
        with pytest.raises(BlockedAddressError):
            guarded(
                fetcher_cls,
                f"http://rebind.test:{canary.port}/",
                resolver=rebinding,
                allowed=_stand_in,
            )
        assert canary.connections == 0
    finally:
        httpd.shutdown()


def test_a_host_with_one_private_answer_is_refused(fetcher_cls: AnyFetcher, canary: Canary) -> None:
    async def mixed(host: str, port: int) -> list[str]:
        return ["127.0.0.2", "127.0.0.1"]

    with pytest.raises(BlockedAddressError):
        guarded(fetcher_cls, f"http://mixed.test:{canary.port}/", resolver=mixed, allowed=_stand_in)
    assert canary.connections == 0


def test_environment_proxies_are_ignored(
    fetcher_cls: AnyFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxied: list[str] = []

    def proxy_handler(h):  # type: ignore[no-untyped-def]
        proxied.append(h.path)
        h.send_response(200)
        h.send_header("Content-Length", "5")
        h.end_headers()
        h.wfile.write(b"proxy")

    def origin(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "6")
        h.end_headers()
        h.wfile.write(b"origin")

    proxy, pbase = serve(proxy_handler)
    httpd, base = serve(origin)
    try:
        for var in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(var, pbase)
        monkeypatch.delenv("NO_PROXY", raising=False)
        res = fetch(fetcher_cls, base + "/feed")
        assert isinstance(res, FetchResult) and res.body == b"origin" and proxied == []
        # a configured proxy is used
        res = fetch(fetcher_cls, base + "/feed", proxy=pbase)
        assert isinstance(res, FetchResult) and res.body == b"proxy" and len(proxied) == 1
    finally:
        proxy.shutdown()
        httpd.shutdown()


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "gopher://example.org/", "ftp://example.org/"]
)
def test_only_http_and_https(fetcher_cls: AnyFetcher, url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        fetch(fetcher_cls, url)


def test_accept_and_no_encodings_but_gzip_and_deflate(fetcher_cls: AnyFetcher) -> None:
    async def go(url: str) -> FetchResult | NotModified:
        async with fetcher_cls(policy()) as f:
            return await f.get(url, accept="application/rss+xml")

    with ScriptedServer(lambda path, h: Reply(200, FEED)) as server:
        asyncio.run(go(server.base + "/feed"))
    (_, seen), *_ = server.requests
    assert seen["accept"] == "application/rss+xml"
    assert seen["accept-encoding"] == "gzip, deflate"  # never br or zstd


def test_retry_after_and_a_redirect_without_location(fetcher_cls: AnyFetcher) -> None:
    replies = {
        "/busy": Reply(429, headers={"Retry-After": "120"}),
        "/down": Reply(503),
        "/nowhere": Reply(302),
        "/gone": Reply(410),
    }
    with ScriptedServer(lambda path, h: replies[path]) as server:
        with pytest.raises(RetryLater, match=r"^HTTP 429 from .*/busy, retry after 120s$") as busy:
            fetch(fetcher_cls, server.base + "/busy")
        assert busy.value.after_s == 120
        with pytest.raises(RetryLater, match=r"/down$") as down:
            fetch(fetcher_cls, server.base + "/down")
        assert down.value.after_s is None
        with pytest.raises(FetchError, match=r"^HTTP 302 without Location$"):
            fetch(fetcher_cls, server.base + "/nowhere")
        with pytest.raises(HTTPStatusError, match=r"^HTTP 410 from "):
            fetch(fetcher_cls, server.base + "/gone")


def test_a_body_cut_short_reads_as_a_sentence(fetcher_cls: AnyFetcher) -> None:
    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        h.wfile.write(b"hello")  # and the connection closes

    httpd, base = serve(handler)
    try:
        with pytest.raises(FetchError, match=r"^127\.0\.0\.1 broke off its answer: "):
            fetch(fetcher_cls, base + "/cut")
    finally:
        httpd.shutdown()


def test_post_form_returns_the_status_and_quotes_a_refusal(fetcher_cls: AnyFetcher) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies: list[bytes] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            status, said = {"/hub": (202, b""), "/moved": (302, b"")}.get(
                self.path, (400, b"no such   topic\n" + b"x" * 10_000)
            )
            self.send_response(status)
            self.send_header("Location", "/hub")
            self.send_header("Content-Length", str(len(said)))
            self.end_headers()
            self.wfile.write(said)

        def log_message(self, *a: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=httpd.serve_forever, args=(POLL_S,), daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"

    async def post(path: str, **kw: object) -> int:
        async with fetcher_cls(policy(**kw)) as f:
            return await f.post_form(base + path, {"hub.mode": "subscribe", "hub.topic": "a b&c"})

    try:
        assert asyncio.run(post("/hub")) == 202
        assert bodies[0] == b"hub.mode=subscribe&hub.topic=a+b%26c"
        with pytest.raises(HTTPStatusError, match=r"^HTTP 302 from .*/moved$"):  # not followed
            asyncio.run(post("/moved"))
        with pytest.raises(HTTPStatusError, match=r"/refuse: no such topic x+$") as refused:
            asyncio.run(post("/refuse"))
        assert len(str(refused.value)) < 300  # 200 characters of the answer, no more
        with pytest.raises(BlockedAddressError):
            asyncio.run(post("/hub", allow_private_networks=False))
        assert len(bodies) == 3
    finally:
        httpd.shutdown()


def test_each_new_connection_is_resolved_and_checked_again(
    fetcher_cls: AnyFetcher, canary: Canary
) -> None:
    """No DNS cache: the second connection asks again, and meets the check again."""
    answers = ["127.0.0.2", "127.0.0.1"]
    asked: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return [answers[min(len(asked) - 1, 1)]]

    def handler(h):  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "2")
        h.send_header("Connection", "close")  # so the next request needs a new connection
        h.end_headers()
        h.wfile.write(b"ok")

    httpd, port = serve_on("127.0.0.2", handler)

    async def go() -> None:
        pol = policy(allow_private_networks=False)
        async with fetcher_cls(pol, resolver=rebinding, allowed=_stand_in) as f:
            first = await f.get(f"http://rebind.test:{port}/feed")
            assert isinstance(first, FetchResult) and first.body == b"ok"
            with pytest.raises(BlockedAddressError):
                await f.get(f"http://rebind.test:{port}/feed")

    try:
        asyncio.run(go())
        assert asked == ["rebind.test", "rebind.test"] and canary.connections == 0
    finally:
        httpd.shutdown()


def test_through_a_proxy_the_host_is_still_checked(fetcher_cls: AnyFetcher) -> None:
    proxied: list[str] = []

    def proxy_handler(h):  # type: ignore[no-untyped-def]
        proxied.append(h.path)
        h.send_response(200)
        h.send_header("Content-Length", "5")
        h.end_headers()
        h.wfile.write(b"proxy")

    proxy, pbase = serve(proxy_handler)
    try:
        with pytest.raises(BlockedAddressError, match="private or reserved"):
            fetch(fetcher_cls, "http://127.0.0.1/feed", proxy=pbase, allow_private_networks=False)
        assert proxied == []
    finally:
        proxy.shutdown()


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


RESERVED = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "64:ff9b::/96",
    "2001:db8::/32",
]


@given(st.sampled_from(RESERVED), st.integers(min_value=0))
def test_every_address_in_a_reserved_range_is_refused(net: str, n: int) -> None:
    import ipaddress

    network = ipaddress.ip_network(net)
    addr = network[n % network.num_addresses]
    assert not address_allowed(str(addr))
    if addr.version == 4:  # and the same address written as IPv4-mapped or 6to4 IPv6
        assert not address_allowed(f"::ffff:{addr}")
        assert not address_allowed(str(ipaddress.ip_address((0x2002 << 112) | (int(addr) << 80))))


@given(st.integers(min_value=0x01000000, max_value=0xDFFFFFFF))
def test_public_ipv4_is_allowed_and_reserved_is_not(n: int) -> None:
    import ipaddress

    addr = ipaddress.IPv4Address(n)
    reserved = any(addr in ipaddress.ip_network(net) for net in RESERVED if ":" not in net)
    assert address_allowed(str(addr)) is (not reserved and addr.is_global)


def test_redact_hides_credentials_and_tokens() -> None:
    assert redact("https://user:pw@feeds.example/rss?token=abc") == "https://feeds.example/rss?…"
