"""The database's time, for daemons on several machines whose clocks disagree.

Leases, claims and "is it due" compare times that different daemons wrote: each must
read the same clock. Asking PostgreSQL for every reading would cost a round trip, so
this process's clock is used with the offset to the database's, measured once a minute
(half the round trip is the error, well under a lease's minutes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Engine, text

from monitor.clock import Clock, aware, utcnow

log = structlog.get_logger()

EVERY_S = 60.0


class DatabaseClock:
    def __init__(
        self,
        engine: Engine,
        local: Clock = utcnow,
        every_s: float = EVERY_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.local = local
        self.every_s = every_s
        self.monotonic = monotonic
        self.offset = timedelta(0)  # the database's time minus this machine's
        self._measured: float | None = None
        self._lock = threading.Lock()
        self._failing = False

    def __call__(self) -> datetime:
        at = self._measured
        if at is None or self.monotonic() - at >= self.every_s:
            self.measure()
        return self.local() + self.offset

    def measure(self) -> None:
        """Read the database's time; when it cannot be read, the last offset stands."""
        with self._lock:
            try:
                with self.engine.connect() as c:
                    before = self.local()
                    db = aware(c.execute(text("SELECT clock_timestamp()")).scalar_one())
                    after = self.local()
            except Exception as exc:  # the database away: its own errors say so elsewhere
                if not self._failing:
                    log.warning("cannot read the database's time; keeping the last offset",
                                error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)  # fmt: skip
                self._failing = True
                self._measured = self.monotonic()
                return
            offset = db - (before + (after - before) / 2)
            if abs(offset - self.offset) > timedelta(seconds=5) or self._measured is None:
                log.info("clock offset to the database", seconds=round(offset.total_seconds(), 3))
            self.offset = offset
            self._failing = False
            self._measured = self.monotonic()
