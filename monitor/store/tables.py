"""SQLModel tables. They stay inside store/: other modules see dataclasses from monitor.types.

Times are aware datetimes, stored and returned in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint, false, text, true
from sqlmodel import Field, SQLModel


class FeedRow(SQLModel, table=True):
    __tablename__ = "feed"
    # The due feeds in order (migration 0013): a claim reads what is due, not every feed.
    __table_args__ = (
        Index(
            "ix_feed_due",
            "next_poll_at",
            "id",
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(index=True, unique=True, max_length=2000)
    name: str | None = Field(default=None, max_length=300)
    interval_s: int = 900
    active: bool = True
    etag: str | None = Field(default=None, max_length=500)
    last_modified: str | None = Field(default=None, max_length=100)
    next_poll_at: datetime | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_at: datetime | None = None
    error_count: int = 0
    items_seen: int = 0
    created_at: datetime
    failing_since: datetime | None = None  # first failure of the current run of failures
    down_notified: bool = False  # the operator has been told it is down
    fetch_pages: bool = True  # feeds[].pages
    # The daemon polling it now, until when: another takes it once the lease expires.
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = None
    # feeds[]: url (a feed), sitemap, telegram or page: how the source is read
    kind: str = Field(default="feed", max_length=10, sa_column_kwargs={"server_default": "feed"})
    # When its last polls that brought new items ran (ISO 8601, UTC; feeds.staleness),
    # and whether the operator was told it has gone silent.
    arrivals: list[str] | None = Field(default=None, sa_column=Column(JSON))
    stale_notified: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class WebSubRow(SQLModel, table=True):
    """A feed's subscription at the WebSub hub it names: pushes come to /websub/<token>,
    signed with `secret`."""

    __tablename__ = "websub"
    __table_args__ = (
        UniqueConstraint("feed_id", name="uq_websub_feed"),
        UniqueConstraint("token", name="uq_websub_token"),
    )

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id")
    hub: str = Field(max_length=2000)
    topic: str = Field(max_length=2000)
    secret: str = Field(max_length=100)
    token: str = Field(max_length=64)
    state: str = Field(max_length=12)  # requested, active, denied, failed
    requested_at: datetime
    lease_until: datetime | None = None  # the hub's lease, from its verification
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    pushes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_push_at: datetime | None = None


class ArticleRow(SQLModel, table=True):
    __tablename__ = "article"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, max_length=2000)  # canonical URL
    link: str = Field(max_length=2000)
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    outlet: str = Field(max_length=300, index=True)
    author: str | None = Field(default=None, max_length=500)
    published: datetime | None = None
    language: str | None = Field(default=None, max_length=20)
    source: str = Field(max_length=10)  # "page" or "feed"
    content_hash: str = Field(index=True, max_length=64)
    story: str = Field(index=True, max_length=64)
    feed_id: int | None = Field(default=None, foreign_key="feed.id")
    first_seen_at: datetime = Field(index=True)
    updated_at: datetime
    minhash: bytes | None = Field(default=None, sa_column=Column(LargeBinary))  # stories.py
    shingles: int = 0
    # Its band keys go into the story index while it is inside the clustering window
    # (False for an exact copy: its original's keys are there).
    banded: bool = False
    # PostgreSQL: in the search index yet (migration 0014; store/search_index.py).
    searchable: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class EntryRow(SQLModel, table=True):
    """A feed entry already processed, so its page is not fetched again."""

    __tablename__ = "feed_entry"
    __table_args__ = (UniqueConstraint("feed_id", "key_hash", name="uq_feed_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id", index=True)
    key_hash: str = Field(max_length=64)
    article_id: int | None = Field(default=None, foreign_key="article.id")
    seen_at: datetime
    # The entry's title and summary, hashed: a changed entry is an edit; a re-dated one is not.
    fingerprint: str | None = Field(default=None, max_length=64)


class HitRow(SQLModel, table=True):
    __tablename__ = "hit"
    __table_args__ = (
        UniqueConstraint("article_id", "watchlist", name="uq_hit_article_watchlist"),
        Index("ix_hit_found_at", "found_at"),
        Index("ix_hit_dated", "dated", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    article_id: int = Field(foreign_key="article.id", index=True)
    watchlist: str = Field(max_length=200, index=True)
    entities: list[str] = Field(sa_column=Column(JSON, nullable=False))
    snippets: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    found_at: datetime
    # The news's time, for newest-first lists (hits.dated): always set, nullable only
    # because migration 0012 added it to a table with rows.
    dated: datetime | None = None


class DigestRow(SQLModel, table=True):
    """A message to a subscription: a digest of hits, or a notice (a spike, a heartbeat)."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("subscription", "dedupe", name="uq_digest_dedupe"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription: str = Field(max_length=200, index=True)
    period_start: datetime | None = None
    period_end: datetime
    created_at: datetime
    # Random, made once: the digest's Message-ID and idempotency keys derive from it,
    # so a repeat after a crash carries the same ones.
    key: str | None = Field(default=None, max_length=32)
    kind: str = Field(
        default="digest", max_length=10, sa_column_kwargs={"server_default": "digest"}
    )
    note: str | None = Field(default=None, sa_column=Column(Text))  # a notice's content, JSON
    # A notice made once whichever daemon sees it first ("spike:csto:2026-12-03").
    dedupe: str | None = Field(default=None, max_length=200)


class DigestItemRow(SQLModel, table=True):
    """A hit claimed by one digest of a subscription: a hit goes into one digest only."""

    __tablename__ = "digest_item"
    __table_args__ = (UniqueConstraint("subscription", "hit_id", name="uq_digest_item"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="digest.id", index=True)
    subscription: str = Field(max_length=200)
    hit_id: int = Field(foreign_key="hit.id")


class DeliveryRow(SQLModel, table=True):
    """The outbox: one row per digest and destination, so each is retried on its own."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("digest_id", "destination", name="uq_delivery"),)

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="digest.id", index=True)
    destination: str = Field(max_length=64)  # sha256 of the apprise URL: no secret stored
    label: str = Field(max_length=500)  # the URL in apprise's privacy mode
    status: str = Field(default="pending", max_length=10, index=True)  # pending, sent, dead
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    # The daemon sending it now, until when: no other sends it meanwhile.
    claim_owner: str | None = Field(default=None, max_length=100)
    claim_until: datetime | None = None
    dead_notified: bool = False  # the operator has been told it is dead
    # Parts of a message split for its channel that were sent: a retry goes on from there.
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PageClaimRow(SQLModel, table=True):
    """An article page one daemon is fetching and storing: the others leave it alone."""

    __tablename__ = "page_claim"

    url_hash: str = Field(primary_key=True, max_length=64)  # of the canonical URL
    owner: str = Field(max_length=100)
    until: datetime
