"""A feed's outages and silences, for the operator's notices: feeds down, back, and gone
silent, each told once whichever daemon sees it first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from monitor.store.feeds import FeedsMixin
from monitor.store.tables import FeedRow
from monitor.types import FeedStatus

# A feed's outage: failing_since set by its first failure, down_notified once the
# operator is told; a success clears failing_since, and the recovery notice clears
# down_notified. Each flip is a conditional UPDATE, so one daemon of several sends it.
_DOWN_UNTOLD = (col(FeedRow.failing_since).is_not(None), col(FeedRow.down_notified).is_(False))
_BACK_UNTOLD = (col(FeedRow.failing_since).is_(None), col(FeedRow.down_notified))


class OutagesMixin(FeedsMixin):
    def down_since(self, before: datetime) -> list[FeedStatus]:
        """Feeds failing since before `before` whose outage the operator has not been told of."""
        return self.feed_statuses(
            col(FeedRow.active), col(FeedRow.failing_since) <= before, *_DOWN_UNTOLD
        )

    def recovered(self) -> list[FeedStatus]:
        """Feeds reported down that have succeeded since."""
        return self.feed_statuses(*_BACK_UNTOLD)

    def claim_down_notice(self, url: str) -> bool:
        """True for exactly one caller (of several daemons) per outage."""
        return self._claim_notice(url, _DOWN_UNTOLD, down_notified=True)

    def claim_recovery_notice(self, url: str) -> bool:
        """True once after a feed that was reported down has succeeded again."""
        return self._claim_notice(url, _BACK_UNTOLD, down_notified=False)

    def _claim_notice(self, url: str, untold: tuple[Any, ...], down_notified: bool) -> bool:
        with self.writing() as s:
            res = s.execute(
                update(FeedRow)
                .where(col(FeedRow.url) == url, *untold)
                .values(down_notified=down_notified)
                .returning(col(FeedRow.id))
            )
            return res.first() is not None

    def stale_untold(self) -> list[FeedStatus]:
        """Active feeds gone silent that the operator has not been told of."""
        return [
            f
            for f in self.feed_statuses(
                col(FeedRow.active),
                col(FeedRow.failing_since).is_(None),
                col(FeedRow.stale_notified).is_(False),
                col(FeedRow.arrivals).is_not(None),
            )
            if f.stale
        ]

    def claim_stale_notice(self, url: str) -> bool:
        """True for exactly one caller (of several daemons) per silence."""
        with self.writing() as s:
            res = s.execute(
                update(FeedRow)
                .where(col(FeedRow.url) == url, col(FeedRow.stale_notified).is_(False))
                .values(stale_notified=True)
                .returning(col(FeedRow.id))
            )
            return res.first() is not None
