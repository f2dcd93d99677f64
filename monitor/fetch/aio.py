"""The fetcher on aiohttp: Fetcher's interface, guarantees and error wordings, for less CPU
per request.

The address check sits where aiohttp resolves a host name: a resolver that asks the
project's resolver once per connection, checks every answer and hands the connector only
checked addresses (it connects to those, with no second lookup). aiohttp skips the
resolver for hosts that look like IP literals, so those are checked before each request.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.helpers import is_ip_address
from aiohttp.http_exceptions import ContentEncodingError, HttpProcessingError
from multidict import CIMultiDictProxy
from yarl import URL

from monitor.errors import FetchError, HTTPStatusError, RetryLater
from monitor.fetch.client import (
    MAX_REDIRECTS,
    REDIRECTS,
    FetchPolicy,
    Slots,
    max_age,
    redact,
    request_headers,
    retry_after,
)
from monitor.fetch.guard import (
    AddressCheck,
    Resolver,
    address_allowed,
    check_scheme,
    checked_addresses,
    system_resolver,
)
from monitor.types import FetchResult, NotModified, PollState

_NUMERIC = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
# h11, under httpx, takes a header block of up to 16 KiB; aiohttp's default is 8 KiB a line.
_MAX_HEADER = 16 * 1024


def _reason(exc: BaseException) -> str:
    return re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).strip()


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


def _message(exc: BaseException) -> str:
    """A parser's message on one line (aiohttp's span lines and point with a caret)."""
    text = exc.message if isinstance(exc, HttpProcessingError | aiohttp.ClientResponseError) else ""
    return " ".join(w for w in str(text or _reason(exc)).split() if w != "^")


def describe_aio(exc: BaseException, url: str) -> str:
    """An aiohttp (or socket) error in the words describe() gives the httpx one."""
    host = urlsplit(url).hostname or redact(url)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"connecting to {host} took too long"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        reason = _reason(exc.os_error)
        if "Name or service not known" in reason or "nodename nor servname" in reason:
            return f"no such host: {host}"
        return f"could not connect to {host}: {_lower_first(reason or 'nothing answered')}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"could not connect to {host}: {_lower_first(_reason(exc.certificate_error))}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        # TLS failures say what failed; a refused or unreachable port reads as httpx's
        # "All connection attempts failed" does (anyio says that for every refusal).
        reason = _reason(exc.os_error) if isinstance(exc, aiohttp.ClientSSLError) else ""
        return f"could not connect to {host}: {_lower_first(reason or 'nothing answered')}"
    if isinstance(exc, aiohttp.ClientHttpProxyError):  # the proxy refused CONNECT
        reason = f"{exc.status} {exc.message}".strip()
        return f"the proxy would not fetch {redact(url)}: {reason or 'no reason given'}"
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return f"{host} stopped answering"
    if isinstance(exc, aiohttp.ServerDisconnectedError):  # httpx's words for it
        return f"{host} broke off its answer: Server disconnected without sending a response."
    parsed = exc.__cause__ if isinstance(exc, aiohttp.ClientPayloadError) else exc
    if isinstance(parsed, ContentEncodingError):  # httpx: DecodingError, zlib's message
        reason = _reason(parsed.__context__ or parsed)
        return f"fetching {redact(url)} failed: DecodingError" + (f": {reason}" if reason else "")
    if isinstance(exc, aiohttp.ClientResponseError) and exc.message.startswith("Can not decode"):
        # br or zstd, never asked for, and no decoder here (httpx passes such bodies on raw)
        reason = exc.message.split(". Please install")[0]
        return f"fetching {redact(url)} failed: DecodingError: {reason}"
    if isinstance(exc, aiohttp.ClientPayloadError | aiohttp.ClientResponseError):
        # a body cut short, or an answer that is not HTTP: the parser's message
        reason = _message(parsed or exc)
        return f"{host} broke off its answer" + (f": {reason}" if reason else "")
    reason = _reason(exc)
    if isinstance(exc, OSError):  # ClientOSError, and a reset in the middle of an answer
        return f"the connection to {host} broke" + (f": {reason}" if reason else "")
    return f"fetching {redact(url)} failed: {type(exc).__name__}" + (
        f": {reason}" if reason else ""
    )


def _invalid(url: str, exc: aiohttp.InvalidURL) -> FetchError:
    try:
        shown = redact(url)
    except ValueError:  # redact() reads the port, which may be what is wrong
        shown = urlsplit(url).hostname or "(unreadable)"
    return FetchError(f"invalid URL {shown}: {exc.description or exc}")


def _header(headers: CIMultiDictProxy[str], name: str) -> str | None:
    """A header's value, repeats joined with commas, as httpx.Headers.get gives it."""
    values = headers.getall(name, ())
    return ", ".join(values) if len(values) > 1 else (values[0] if values else None)


def _fresh_for(headers: CIMultiDictProxy[str]) -> int | None:
    return max_age({"cache-control": _header(headers, "cache-control") or ""})


# What needs no quoting or path clean-up: sent as written, as httpx sends it (yarl would
# turn %7E into ~ and a query's %2F into /, which a signed URL may not survive).
_NOT_VERBATIM = re.compile(r"[^\x21-\x7e]|[\"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})|/\.\.?(?:[/?#]|$)")


def _url(text: str) -> URL:
    try:
        url = URL(text, encoded=True) if not _NOT_VERBATIM.search(text) else None
        if url is None or (url.raw_host or "") != (url.raw_host or "").lower():
            url = URL(text)  # quoted and cleaned up, the host lower-cased
        _ = url.port  # a port out of range is refused here, not when connecting
        return url
    except (ValueError, TypeError) as exc:
        raise aiohttp.InvalidURL(text, str(exc)) from exc


async def _first_bytes(response: aiohttp.ClientResponse, limit: int) -> bytes:
    out = b""
    async for chunk in response.content.iter_any():
        out += chunk
        if len(out) >= limit:
            break
    return out[:limit]


class _CheckedResolver(AbstractResolver):
    """The connector's resolver: the project's resolver, asked once per connection, and
    only checked addresses handed back. The connector makes its socket addresses from
    them as they are, so nothing is looked up a second time."""

    def __init__(self, resolver: Resolver, allowed: AddressCheck) -> None:
        self._resolver = resolver
        self._allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addrs = await checked_addresses(host, port, self._resolver, self._allowed)
        return [
            ResolveResult(
                hostname=host,
                host=addr,
                port=port,
                family=socket.AF_INET6 if ":" in addr else socket.AF_INET,
                proto=0,
                flags=_NUMERIC,
            )
            for addr in addrs
        ]

    async def close(self) -> None:
        pass


class AioFetcher:
    """Fetcher on aiohttp: the same constructor, methods, results and errors.

    `resolver` and `allowed` are there for tests, as in Fetcher.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        resolver: Resolver = system_resolver,
        allowed: AddressCheck = address_allowed,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        self._allowed = allowed
        self._slots = Slots(policy)
        # Through a proxy the proxy connects (it may well be on the LAN): hosts are
        # checked before each request instead, as Fetcher does.
        self._guarded = policy.proxy is None and not policy.allow_private_networks
        self._session: aiohttp.ClientSession | None = None  # needs a running loop

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            p = self.policy
            connector = aiohttp.TCPConnector(
                limit=p.concurrency,  # the semaphores admit no more in flight
                use_dns_cache=False,  # a cached answer would skip the check and the lookup
                resolver=_CheckedResolver(self._resolver, self._allowed) if self._guarded else None,
                # aiohttp cannot cap idle connections by count, as Fetcher does: they go
                # after httpx's keep-alive expiry instead
                keepalive_timeout=5.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": p.user_agent, "Accept-Encoding": "gzip, deflate"},
                # httpx's per-phase timeouts; the deadline around each request is what bites
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=p.timeout_s, sock_read=p.timeout_s
                ),
                trust_env=False,  # HTTP_PROXY and friends are ignored
                cookie_jar=aiohttp.CookieJar(unsafe=True),  # httpx keeps cookies of IP hosts too
                max_line_size=_MAX_HEADER,
                max_field_size=_MAX_HEADER,
            )
        return self._session

    async def __aenter__(self) -> AioFetcher:
        self._client()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(
        self, url: str, state: PollState | None = None, accept: str | None = None
    ) -> FetchResult | NotModified:
        async with self._slots.turn(url):
            try:
                async with asyncio.timeout(self.policy.timeout_s):
                    return await self._get(url, state, accept)
            except aiohttp.InvalidURL as exc:
                raise _invalid(url, exc) from exc
            except aiohttp.ClientError as exc:  # first: aiohttp's timeouts are TimeoutErrors
                raise FetchError(describe_aio(exc, url)) from exc
            except TimeoutError as exc:  # before OSError, which it is a kind of
                raise FetchError(f"no complete answer within {self.policy.timeout_s:g}s") from exc
            except OSError as exc:
                raise FetchError(describe_aio(exc, url)) from exc

    async def post_form(self, url: str, form: Mapping[str, str]) -> int:
        """POST a form (a WebSub subscription request) through the same guard, deadline
        and per-host slot as a GET; no redirect is followed. Returns the 2xx status."""
        async with self._slots.turn(url):
            try:
                async with asyncio.timeout(self.policy.timeout_s):
                    target = await self._checked(url)
                    async with self._client().post(
                        target, data=dict(form), allow_redirects=False, proxy=self.policy.proxy
                    ) as response:  # a hub says why it refused in a line or two; no more is read
                        said = await _first_bytes(response, 4096)
            except aiohttp.InvalidURL as exc:
                raise _invalid(url, exc) from exc
            except aiohttp.ClientError as exc:
                raise FetchError(describe_aio(exc, url)) from exc
            except TimeoutError as exc:
                raise FetchError(
                    f"no answer from {redact(url)} within {self.policy.timeout_s:g}s"
                ) from exc
            except OSError as exc:
                raise FetchError(describe_aio(exc, url)) from exc
        if not 200 <= response.status < 300:
            reason = " ".join(said.decode("utf-8", "replace")[:200].split())
            raise HTTPStatusError(
                f"HTTP {response.status} from {redact(url)}" + (f": {reason}" if reason else ""),
                response.status,
            )
        return response.status

    async def _checked(self, url: str) -> URL:
        """The URL to send, after the checks that must come before sending it."""
        check_scheme(url)
        target = _url(url)
        host, port = target.raw_host or "", target.port or 0
        if self.policy.allow_private_networks:
            return target
        if self.policy.proxy is not None:
            # Through a proxy the proxy connects, so the host is checked here instead.
            await checked_addresses(host, port, self._resolver, self._allowed)
        elif is_ip_address(host):
            # The connector connects to a literal without asking any resolver; the literal
            # is parsed as the socket would, never looked up (odd forms: 2130706433, 127.1).
            await checked_addresses(host, port, system_resolver, self._allowed)
        return target

    async def _get(
        self, url: str, state: PollState | None, accept: str | None
    ) -> FetchResult | NotModified:
        headers = request_headers(state, accept)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            target = await self._checked(current)
            async with self._client().get(
                target, headers=headers, allow_redirects=False, proxy=self.policy.proxy
            ) as response:  # leaving it unread closes the connection, as httpx does
                status = response.status
                if status == 304:
                    return NotModified(current, _fresh_for(response.headers))
                if status in (429, 503):
                    wait = retry_after(_header(response.headers, "retry-after"))
                    raise RetryLater(
                        f"HTTP {status} from {redact(current)}"
                        + (f", retry after {wait:.0f}s" if wait is not None else ""),
                        wait,
                    )
                if status in REDIRECTS:
                    location = _header(response.headers, "location")
                    if not location:
                        raise FetchError(f"HTTP {status} without Location")
                    current = str(target.join(_url(location)))
                    continue
                if status >= 400:
                    raise HTTPStatusError(f"HTTP {status} from {redact(current)}", status)
                body = await self._read_capped(response)
                return FetchResult(
                    url=current,
                    status=status,
                    body=body,
                    content_type=_header(response.headers, "content-type"),
                    etag=_header(response.headers, "etag"),
                    last_modified=_header(response.headers, "last-modified"),
                    max_age_s=_fresh_for(response.headers),
                )
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {redact(url)}")

    async def _read_capped(self, response: aiohttp.ClientResponse) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"body of {int(declared)} bytes is over the {cap}-byte limit")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_any():  # decoded: the cap covers gzip bombs
            size += len(chunk)
            if size > cap:
                raise FetchError(f"body is over the {cap}-byte limit after decoding")
            chunks.append(chunk)
        return b"".join(chunks)
