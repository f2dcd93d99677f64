"""robots.txt for article pages, as RFC 9309 says: fetched through the same guarded
client, 4xx means everything is allowed, 5xx or no answer means nothing is,
cached for at most a day. Feeds are not checked: a feed is published to be polled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

from monitor.errors import FetchError, HTTPStatusError
from monitor.fetch.client import Fetching
from monitor.types import FetchResult

CACHE_S = 24 * 3600  # RFC 9309 2.4: SHOULD NOT use a cached copy for more than 24 hours
ERROR_CACHE_S = 3600  # an unreachable robots.txt is asked again sooner
MAX_BYTES = 500 * 1024  # RFC 9309 2.5: parse at least 500 KiB; the rest is ignored
ROBOTS_ACCEPT = "text/plain, */*;q=0.5"


@dataclass(frozen=True)
class _Rules:
    parser: Protego | None  # None with allow_all False: disallow everything
    allow_all: bool
    expires: float

    def allows(self, url: str, agent: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return bool(self.parser.can_fetch(url, agent))


class Robots:
    def __init__(
        self, fetcher: Fetching, agent: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.fetcher = fetcher
        # The product token: "news-monitor/1.0 (+https://...)" -> "news-monitor"
        self.agent = agent.split("/", 1)[0].split()[0] if agent.strip() else "*"
        self.clock = clock
        self._cache: dict[str, _Rules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"
        rules = self._cache.get(origin)
        if rules is None or rules.expires <= self.clock():
            async with self._locks.setdefault(origin, asyncio.Lock()):
                rules = self._cache.get(origin)
                if rules is None or rules.expires <= self.clock():
                    rules = self._cache[origin] = await self._load(origin)
        return rules.allows(url, self.agent)

    async def _load(self, origin: str) -> _Rules:
        now = self.clock()
        try:
            res = await self.fetcher.get(origin + "/robots.txt", accept=ROBOTS_ACCEPT)
        except HTTPStatusError as exc:
            if 400 <= exc.status < 500:  # "unavailable": no rules
                return _Rules(None, True, now + CACHE_S)
            return _Rules(None, False, now + ERROR_CACHE_S)  # "unreachable": disallow all
        except FetchError:
            return _Rules(None, False, now + ERROR_CACHE_S)
        if not isinstance(res, FetchResult):  # 304 cannot happen: nothing conditional is sent
            return _Rules(None, True, now + CACHE_S)
        text = res.body[:MAX_BYTES].decode("utf-8", errors="replace")
        return _Rules(Protego.parse(text), True, now + CACHE_S)
