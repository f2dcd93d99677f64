"""What the pages read: the store, the live watchlists, the running settings, the
metrics and, in the daemon, how its polling goes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.config.settings import Settings
from monitor.config.sources import feed_sources
from monitor.match.matcher import Matcher
from monitor.metrics import Metrics
from monitor.store.db import check_connection
from monitor.watchlists.liveset import LiveSet
from monitor.web.health import Probe, poll_bound
from monitor.web.ports import SiteStore

DB_PROBE_TIMEOUT_S = 5.0


@dataclass
class Site:
    """What the pages read: the store, the live watchlists and the running settings."""

    store: SiteStore
    watch: LiveSet[Matcher]
    settings: Callable[[], Settings]
    metrics: Metrics
    scheduler_running: Callable[[], bool | None] = lambda: None
    last_success: Callable[[], Any] = lambda: None
    started: float = field(default_factory=time.time)
    # The daemon's hand for a WebSub push (feed id, body, content type): None off it.
    on_push: Callable[[int, bytes, str | None], Coroutine[Any, Any, object]] | None = None
    # What is broken in monitor.yaml and the watchlists now (file:line:col: message).
    problems: Callable[[], list[str]] = lambda: []
    tasks: set[asyncio.Task[object]] = field(default_factory=set)
    _cache: dict[str, tuple[float, Any]] = field(default_factory=dict)

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def cached(self, key: str, ttl_s: float, fn: Callable[[], Any]) -> Any:
        """A slow-changing list (the outlets of the filter) read once a minute."""
        hit = self._cache.get(key)
        if hit is None or time.monotonic() - hit[0] > ttl_s:
            hit = self._cache[key] = (time.monotonic(), await self.db(fn))
        return hit[1]

    async def probe(self) -> Probe:
        error = None
        try:
            await asyncio.wait_for(self.db(check_connection, self.store.engine), DB_PROBE_TIMEOUT_S)
        except TimeoutError:
            error = f"no answer within {DB_PROBE_TIMEOUT_S:g}s"
        except Exception as exc:  # the reason, for the operator reading /readyz
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        running = self.scheduler_running()
        bound = None
        if running is not None:
            bound = poll_bound([f.interval_s for f in feed_sources(self.settings())])
        return Probe(
            database_error=error,
            scheduler_running=running,
            last_success=self.last_success(),
            started=datetime.fromtimestamp(self.started, UTC),
            poll_bound=bound,
            config_errors=tuple(self.problems()),
        )
