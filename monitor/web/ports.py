"""What the web page needs of the store: its lists, a story, the feeds and the outbox,
search, WebSub's callbacks, and the engine for the readiness probe; nothing else."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Engine

from monitor.clock import Clock
from monitor.search.service import SearchStore
from monitor.types import DeliveryView, FeedStatus, PushSubscription
from monitor.views import StoryFilter, StoryList, StoryPage


class SiteStore(SearchStore, Protocol):
    @property
    def clock(self) -> Clock: ...

    @property
    def engine(self) -> Engine: ...

    def story_cards(
        self, f: StoryFilter, limit: int = 30, before_hit: int | None = None
    ) -> StoryList: ...

    def story_page(self, story: str) -> StoryPage | None: ...

    def outlets_with_hits(self) -> list[str]: ...

    def languages_with_hits(self) -> list[str]: ...

    def feed_statuses(self, *where: Any, with_hits: bool = False) -> list[FeedStatus]: ...

    def deliveries(self, dead: bool = False, limit: int = 200) -> list[DeliveryView]: ...

    def push_subscription_by_token(self, token: str) -> PushSubscription | None: ...

    def push_verified(self, token: str, lease_s: int | None) -> None: ...

    def push_refused(self, token: str, state: str, reason: str) -> None: ...

    def push_received(self, token: str) -> None: ...
