"""Async HTTP fetching with a total deadline, a decoded-size cap and conditional GET."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpcore
import httpx

from monitor.errors import FetchError, HTTPStatusError, RetryLater
from monitor.fetch.guard import (
    AddressCheck,
    GuardedBackend,
    Resolver,
    address_allowed,
    check_scheme,
    checked_addresses,
    system_resolver,
)
from monitor.types import FetchResult, NotModified, PollState

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchPolicy:
    timeout_s: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = "news-monitor"
    allow_private_networks: bool = False
    concurrency: int = 16
    per_host: int = 2
    proxy: str | None = None  # environment proxies are ignored; only this one is used


class Fetching(Protocol):
    """What the pipeline asks of a fetcher: this module's (httpx) or monitor.fetch.aio's
    (aiohttp, the daemon's), which keep the same guard, caps, deadline and wordings."""

    policy: FetchPolicy

    async def get(
        self, url: str, state: PollState | None = None, accept: str | None = None
    ) -> FetchResult | NotModified: ...

    async def post_form(self, url: str, form: Mapping[str, str]) -> int: ...


class Slots:
    """A request's turn under the policy's limits: its host's slot first (a request
    waiting for its host holds no global slot), then one of the global ones."""

    def __init__(self, policy: FetchPolicy) -> None:
        self._global = asyncio.Semaphore(policy.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._per_host = policy.per_host

    @asynccontextmanager
    async def turn(self, url: str) -> AsyncIterator[None]:
        host = urlsplit(url).hostname or ""
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self._per_host))
        async with sem, self._global:
            yield


def redact(url: str) -> str:
    """The URL without credentials or query, for logs and stored errors."""
    p = urlsplit(url)
    host = p.hostname or ""
    if p.port:
        host = f"{host}:{p.port}"
    return urlunsplit((p.scheme, host, p.path, "…" if p.query else "", ""))


def describe(exc: httpx.HTTPError, url: str) -> str:
    """An httpx error as a sentence that says what went wrong where."""
    host = urlsplit(url).hostname or redact(url)
    reason = re.sub(r"^\[Errno -?\d+\]\s*", "", str(exc)).strip()
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connecting to {host} took too long"
    if isinstance(exc, httpx.ConnectError):
        if "Name or service not known" in reason or "nodename nor servname" in reason:
            return f"no such host: {host}"
        if reason in ("", "All connection attempts failed"):
            reason = "nothing answered"
        return f"could not connect to {host}: {reason[0].lower() + reason[1:]}"
    if isinstance(exc, httpx.ProxyError):
        return f"the proxy would not fetch {redact(url)}: {reason or 'no reason given'}"
    if isinstance(exc, httpx.TimeoutException):
        return f"{host} stopped answering"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} broke off its answer" + (f": {reason}" if reason else "")
    if isinstance(exc, httpx.NetworkError):
        return f"the connection to {host} broke" + (f": {reason}" if reason else "")
    return f"fetching {redact(url)} failed: {type(exc).__name__}" + (
        f": {reason}" if reason else ""
    )


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def request_headers(state: PollState | None, accept: str | None) -> dict[str, str]:
    """A GET's own headers: what it accepts, and the validators of the last poll."""
    headers = {}
    if accept:
        headers["Accept"] = accept
    if state and state.etag:
        headers["If-None-Match"] = state.etag
    if state and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def max_age(headers: Mapping[str, str]) -> int | None:
    """The freshness the server gives the response (Cache-Control max-age), if any."""
    cc = headers.get("cache-control") or ""
    if re.search(r"no-cache|no-store", cc, re.IGNORECASE):
        return None
    found = _MAX_AGE.search(cc)
    return int(found.group(1)) if found else None


async def _first_bytes(response: httpx.Response, limit: int) -> bytes:
    out = b""
    async for chunk in response.aiter_bytes():
        out += chunk
        if len(out) >= limit:
            break
    return out[:limit]


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool whose connects go through the guard.

    httpx 0.28 does not take a network backend, so the pool it would build is
    replaced by the same pool with GuardedBackend.
    """

    def __init__(
        self, backend: httpcore.AsyncNetworkBackend, max_connections: int, keepalive: int
    ) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=keepalive,
            network_backend=backend,
        )


class Fetcher:
    """One client for feeds, pages and robots.txt. Use as an async context manager.

    `resolver` and `allowed` are there for tests (a rebinding resolver, a stand-in
    "public" address); the daemon uses the system resolver and the address table.
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
        # The semaphores admit no more than `concurrency` requests. httpcore checks every
        # pooled connection on each request, so idle ones cost CPU: keep a few alive
        # (pages of one site are fetched back to back), not one per host polled.
        pool_size = policy.concurrency
        keepalive = min(pool_size, 2 * policy.per_host)
        transport: httpx.AsyncBaseTransport | None = None
        if policy.proxy is None and not policy.allow_private_networks:
            inner = httpcore.AnyIOBackend()
            transport = _GuardedTransport(
                GuardedBackend(inner, resolver, allowed), pool_size, keepalive
            )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(policy.timeout_s),
            follow_redirects=False,
            trust_env=False,  # HTTP_PROXY and friends are ignored
            proxy=policy.proxy,
            transport=transport,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=keepalive),
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def get(
        self, url: str, state: PollState | None = None, accept: str | None = None
    ) -> FetchResult | NotModified:
        async with self._slots.turn(url):
            try:
                async with asyncio.timeout(self.policy.timeout_s):  # no extra task per request
                    return await self._get(url, state, accept)
            except TimeoutError as exc:
                raise FetchError(f"no complete answer within {self.policy.timeout_s:g}s") from exc
            except httpx.HTTPError as exc:
                raise FetchError(describe(exc, url)) from exc
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL {redact(url)}: {exc}") from exc

    async def post_form(self, url: str, form: Mapping[str, str]) -> int:
        """POST a form (a WebSub subscription request) through the same guard, deadline
        and per-host slot as a GET; no redirect is followed. Returns the 2xx status."""
        async with self._slots.turn(url):
            try:
                async with asyncio.timeout(self.policy.timeout_s):
                    check_scheme(url)
                    if self.policy.proxy is not None and not self.policy.allow_private_networks:
                        await self._check_host(url)
                    request = self._client.build_request("POST", url, data=dict(form))
                    response = await self._client.send(request, stream=True)
                    try:  # a hub says why it refused in a line or two; no more is read
                        said = await _first_bytes(response, 4096)
                    finally:
                        await response.aclose()
            except TimeoutError as exc:
                raise FetchError(
                    f"no answer from {redact(url)} within {self.policy.timeout_s:g}s"
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(describe(exc, url)) from exc
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL {redact(url)}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            reason = " ".join(said.decode("utf-8", "replace")[:200].split())
            raise HTTPStatusError(
                f"HTTP {response.status_code} from {redact(url)}"
                + (f": {reason}" if reason else ""),
                response.status_code,
            )
        return response.status_code

    async def _get(
        self, url: str, state: PollState | None, accept: str | None
    ) -> FetchResult | NotModified:
        headers = request_headers(state, accept)
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            check_scheme(current)
            if self.policy.proxy is not None and not self.policy.allow_private_networks:
                # Through a proxy the proxy connects, so the host is checked here instead.
                await self._check_host(current)
            request = self._client.build_request("GET", current, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                if response.status_code == 304:
                    await response.aread()  # empty; read so the connection is reused
                    return NotModified(current, max_age(response.headers))
                if response.status_code in (429, 503):
                    wait = retry_after(response.headers.get("retry-after"))
                    raise RetryLater(
                        f"HTTP {response.status_code} from {redact(current)}"
                        + (f", retry after {wait:.0f}s" if wait is not None else ""),
                        wait,
                    )
                if response.status_code in REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {response.status_code} without Location")
                    current = str(response.url.join(location))
                    continue
                if response.status_code >= 400:
                    raise HTTPStatusError(
                        f"HTTP {response.status_code} from {redact(current)}", response.status_code
                    )
                body = await self._read_capped(response)
                return FetchResult(
                    url=current,
                    status=response.status_code,
                    body=body,
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    max_age_s=max_age(response.headers),
                )
            finally:
                await response.aclose()
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {redact(url)}")

    async def _check_host(self, url: str) -> None:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        await checked_addresses(parts.hostname or "", port, self._resolver, self._allowed)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"body of {int(declared)} bytes is over the {cap}-byte limit")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded: the cap covers gzip bombs
            size += len(chunk)
            if size > cap:
                raise FetchError(f"body is over the {cap}-byte limit after decoding")
            chunks.append(chunk)
        return b"".join(chunks)
