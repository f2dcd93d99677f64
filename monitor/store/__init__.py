"""The database: one module per entity, composed into Store; the tables; engine set-up
and migrations. SQLModel tables stay in here."""

from __future__ import annotations

from sqlalchemy import Engine

from monitor.clock import Clock, utcnow
from monitor.store.articles import ArticlesMixin
from monitor.store.db import make_engine, upgrade
from monitor.store.digests import DigestsMixin
from monitor.store.feeds import FeedsMixin
from monitor.store.outbox import OutboxMixin
from monitor.store.pages import PagesMixin
from monitor.store.stories import StoryIndex

__all__ = ["Store", "open_store"]


class Store(FeedsMixin, PagesMixin, ArticlesMixin, DigestsMixin, OutboxMixin):
    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        super().__init__(engine, clock)
        self.stories = StoryIndex()


def open_store(url: str, migrate: bool = True, clock: Clock = utcnow) -> Store:
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return Store(engine, clock)
