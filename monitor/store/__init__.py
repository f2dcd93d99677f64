"""The database: one module per entity, composed into Store; the tables; engine set-up
and migrations. SQLModel tables stay in here."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import col

from monitor.clock import Clock, utcnow
from monitor.store.articles import ArticlesMixin
from monitor.store.base import dead_here
from monitor.store.browse import BrowseMixin
from monitor.store.db import make_engine, upgrade
from monitor.store.dbclock import DatabaseClock
from monitor.store.digests import DigestsMixin
from monitor.store.outages import OutagesMixin
from monitor.store.outbox import OutboxMixin
from monitor.store.page_claims import PagesMixin
from monitor.store.retention import RetentionMixin
from monitor.store.search import SearchMixin
from monitor.store.stories import StoryIndex
from monitor.store.tables import DeliveryRow, FeedRow, PageClaimRow
from monitor.store.websub import WebSubMixin

__all__ = ["Store", "open_store"]


class Store(
    OutagesMixin,
    PagesMixin,
    ArticlesMixin,
    DigestsMixin,
    OutboxMixin,
    BrowseMixin,
    RetentionMixin,
    WebSubMixin,
    SearchMixin,
):
    def __init__(self, engine: Engine, clock: Clock = utcnow) -> None:
        super().__init__(engine, clock)
        self.stories = StoryIndex()

    def holders(self) -> set[str]:
        """Every daemon that holds a lease or a claim, expired or not."""
        with self.session() as s:
            found = set(s.execute(select(col(FeedRow.lease_owner)).distinct()).scalars())
            found |= set(s.execute(select(col(DeliveryRow.claim_owner)).distinct()).scalars())
            found |= set(s.execute(select(col(PageClaimRow.owner)).distinct()).scalars())
        return {o for o in found if o}

    def release_dead_here(self, me: str) -> list[str]:
        """Give back the leases and claims of daemons on this host that are gone (killed,
        then restarted): their feeds and deliveries need not wait for the expiry.
        Returns the owners released."""
        dead = [o for o in self.holders() if dead_here(o, me)]
        for owner in dead:
            self.release_leases(owner)
            self.release_claims(owner)
            self.release_all_pages(owner)
        return dead


def open_store(url: str, migrate: bool = True, clock: Clock = utcnow) -> Store:
    """The store on `url`. On PostgreSQL, shared by daemons on several machines, the
    default clock is the database's (store/dbclock.py): their clocks may disagree."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    if clock is utcnow and engine.dialect.name == "postgresql":
        clock = DatabaseClock(engine)
    return Store(engine, clock)
