"""What the daemon counts, for /metrics in the Prometheus text format.

Counters and histograms count what this process did (its polls, extractions,
deliveries); the figures of the shared database (feeds due and failing, articles,
stories, hits, dead deliveries) are read at scrape time, cached a few seconds, and are
the same whichever daemon is scraped. Each App has its own registry, so tests and the
demo never share counters.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from monitor.types import SOURCE_KINDS
from monitor.views import StoreStats

PREFIX = "news_monitor"
POLL_OUTCOMES = ("ok", "not_modified", "error", "internal_error")
DELIVERY_OUTCOMES = ("sent", "failed")
RESTART_REASONS = ("deadline", "crash")
STATS_TTL_S = 10.0  # a scrape every few seconds costs the database one read at most

# The *_created series double every counter's output and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Polls wait on the network, pages on the parser workers: seconds, long tails.
POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
EXTRACT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.polls = Counter(
            f"{PREFIX}_polls", "Feed polls by this daemon, by outcome.", ["outcome"], registry=r
        )
        self.poll_seconds = Histogram(
            f"{PREFIX}_poll_duration_seconds",
            "Time to poll one feed: fetch, parse, pages, match and store.",
            buckets=POLL_BUCKETS,
            registry=r,
        )
        self.extraction_seconds = Histogram(
            f"{PREFIX}_extraction_duration_seconds",
            "Time to extract one article page in the parser workers.",
            buckets=EXTRACT_BUCKETS,
            registry=r,
        )
        self.source_polls = Counter(
            f"{PREFIX}_source_polls",
            "Polls by this daemon, by source kind (feed, sitemap, telegram, page) and outcome.",
            ["kind", "outcome"],
            registry=r,
        )
        self.pushes = Counter(
            f"{PREFIX}_websub_pushes",
            "WebSub pushes received: accepted, or ignored for a missing or wrong signature.",
            ["outcome"],
            registry=r,
        )
        self.digests = Counter(f"{PREFIX}_digests", "Digests created by this daemon.", registry=r)
        self.deliveries = Counter(
            f"{PREFIX}_deliveries",
            "Digest deliveries tried by this daemon, by outcome.",
            ["outcome"],
            registry=r,
        )
        self.worker_restarts = Counter(
            f"{PREFIX}_parser_worker_restarts",
            "Parser workers stopped and replaced: past the deadline, or crashed.",
            ["reason"],
            registry=r,
        )
        self.db_errors = Counter(
            f"{PREFIX}_database_errors",
            "Database operations that failed because the database was unavailable.",
            registry=r,
        )
        # Every series exists from the start at 0: a rate() over a counter that
        # appears only at its first increment misses that increment.
        for outcome in POLL_OUTCOMES:
            self.polls.labels(outcome)
        for outcome in DELIVERY_OUTCOMES:
            self.deliveries.labels(outcome)
        for reason in RESTART_REASONS:
            self.worker_restarts.labels(reason)
        for kind in SOURCE_KINDS:
            for outcome in POLL_OUTCOMES:
                self.source_polls.labels(kind, outcome)
        for outcome in ("accepted", "unsigned"):
            self.pushes.labels(outcome)

    def poll_done(self, status: str, seconds: float, kind: str = "feed") -> None:
        self.polls.labels(status.replace("-", "_")).inc()
        self.source_polls.labels(kind, status.replace("-", "_")).inc()
        self.poll_seconds.observe(seconds)

    def watch_store(self, stats: Callable[[], StoreStats]) -> None:
        """Report the shared database's figures, read by `stats` at scrape time."""
        self.registry.register(_StoreCollector(stats, self.db_errors))

    def watch_config(
        self, problems: Callable[[], list[str]], fenced: Callable[[], int] = lambda: 0
    ) -> None:
        """Report how many errors monitor.yaml and the watchlists hold now, and the
        writes this daemon's store refused because a lease had passed to another."""
        self.registry.register(_ConfigCollector(problems, fenced))

    def exposition(self) -> bytes:
        """The text format; reads the database, so not on the event loop."""
        return generate_latest(self.registry)


class _ConfigCollector(Collector):
    def __init__(self, problems: Callable[[], list[str]], fenced: Callable[[], int]) -> None:
        self._problems = problems
        self._fenced = fenced

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            f"{PREFIX}_config_errors",
            "Errors in monitor.yaml and the watchlists now; the last good version runs.",
            value=len(self._problems()),
        )
        yield CounterMetricFamily(
            f"{PREFIX}_fenced_writes",
            "Feeds' results this daemon did not store: their lease had passed to another.",
            value=self._fenced(),
        )


class _StoreCollector(Collector):
    def __init__(self, stats: Callable[[], StoreStats], errors: Counter) -> None:
        self._stats = stats
        self._errors = errors
        self._lock = threading.Lock()
        self._cached: tuple[float, StoreStats] | None = None

    def _read(self) -> StoreStats | None:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > STATS_TTL_S:
                try:
                    self._cached = (now, self._stats())
                except Exception:  # the database is away: the figures are left out
                    self._errors.inc()
                    return None
            return self._cached[1]

    def describe(self) -> Iterator[Metric]:
        return iter(())  # read at scrape time only, never at registration

    def collect(self) -> Iterator[Metric]:
        s = self._read()
        if s is None:
            return
        for name, doc, value in (
            ("feeds", "Active feeds.", s.feeds),
            ("feeds_due", "Active feeds whose next poll time has come.", s.feeds_due),
            ("feeds_failing", "Active feeds whose last poll failed.", s.feeds_failing),
            ("articles", "Articles stored.", s.articles),
            ("stories", "Stories stored (copies of one story count once).", s.stories),
            ("dead_deliveries", "Deliveries that gave up (dead letters).", s.dead_deliveries),
            ("pending_deliveries", "Deliveries waiting to be sent.", s.pending_deliveries),
        ):
            yield GaugeMetricFamily(f"{PREFIX}_{name}", doc, value=value)
        hits = GaugeMetricFamily(
            f"{PREFIX}_hits", "Hits stored, by watchlist.", labels=["watchlist"]
        )
        for watchlist, n in sorted(s.hits.items()):
            hits.add_metric([watchlist], n)
        yield hits
