"""Async HTTP fetching with a total deadline, a decoded-size cap and conditional GET."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from monitor.errors import FetchError
from monitor.fetch.guard import check_url
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


def redact(url: str) -> str:
    """The URL without credentials or query, for logs and stored errors."""
    p = urlsplit(url)
    host = p.hostname or ""
    if p.port:
        host = f"{host}:{p.port}"
    return urlunsplit((p.scheme, host, p.path, "…" if p.query else "", ""))


class Fetcher:
    """One client for feeds and pages. Use as an async context manager."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self._global = asyncio.Semaphore(policy.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(policy.timeout_s),
            follow_redirects=False,
            trust_env=False,  # HTTP_PROXY and friends are ignored
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=policy.concurrency * 2),
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def get(
        self, url: str, state: PollState | None = None, accept: str | None = None
    ) -> FetchResult | NotModified:
        host = urlsplit(url).hostname or ""
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self.policy.per_host))
        async with self._global, sem:
            try:
                return await asyncio.wait_for(
                    self._get(url, state, accept), timeout=self.policy.timeout_s
                )
            except TimeoutError as exc:
                raise FetchError(f"no complete answer within {self.policy.timeout_s:g}s") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{type(exc).__name__} fetching {redact(url)}") from exc

    async def _get(
        self, url: str, state: PollState | None, accept: str | None
    ) -> FetchResult | NotModified:
        headers = {}
        if accept:
            headers["Accept"] = accept
        if state and state.etag:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            await check_url(current, self.policy.allow_private_networks)
            request = self._client.build_request("GET", current, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                if response.status_code == 304:
                    return NotModified(current)
                if response.status_code in REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {response.status_code} without Location")
                    current = str(response.url.join(location))
                    continue
                if response.status_code >= 400:
                    raise FetchError(f"HTTP {response.status_code} from {redact(current)}")
                body = await self._read_capped(response)
                return FetchResult(
                    url=current,
                    status=response.status_code,
                    body=body,
                    content_type=response.headers.get("content-type"),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                )
            finally:
                await response.aclose()
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {redact(url)}")

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
