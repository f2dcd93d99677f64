"""The frozen dataclasses the store hands out for reading: the web page's stories and
search, the figures of /metrics, and what a retention prune removed. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from monitor.types import ArticleSource, HitView


@dataclass(frozen=True)
class StoreStats:
    """The shared database's figures, as /metrics reports them."""

    feeds: int
    feeds_due: int
    feeds_failing: int
    articles: int
    stories: int
    hits: dict[str, int]  # by watchlist
    dead_deliveries: int
    pending_deliveries: int


@dataclass(frozen=True)
class StoryFilter:
    """What the story list is narrowed to; None: no restriction."""

    watchlist: str | None = None
    entity: str | None = None
    outlet: str | None = None
    since: datetime | None = None
    language: str | None = None  # of the article, as extraction found it


@dataclass(frozen=True)
class StoryCopy:
    """One article of a story: the outlet that published it, and where."""

    article_id: int
    title: str
    outlet: str
    link: str
    published: datetime | None
    first_seen_at: datetime
    source: ArticleSource
    language: str | None
    pruned: bool = False  # its text was removed by retention


@dataclass(frozen=True)
class StoryCard:
    """A story in the list: its newest hit per watchlist, and the other outlets."""

    story: str
    hits: tuple[HitView, ...]
    also: tuple[StoryCopy, ...]  # one per other outlet
    copies: int  # articles in the story


@dataclass(frozen=True)
class StoryPage:
    story: str
    copies: tuple[StoryCopy, ...]  # oldest first: the first is the one found first
    hits: tuple[HitView, ...]


@dataclass(frozen=True)
class SearchRow:
    """A stored article the full-text index offers for a query, with its text for the
    matcher to check, and the engine's score (higher is better)."""

    article_id: int
    title: str
    text: str
    outlet: str
    link: str
    story: str
    published: datetime | None
    first_seen_at: datetime
    language: str | None
    score: float


@dataclass(frozen=True)
class PruneReport:
    """What a retention prune removes (or would, with --dry-run)."""

    articles_deleted: int = 0  # with no hit: gone whole
    texts_removed: int = 0  # with hits: title, link and outlet kept
    hits_deleted: int = 0
    entries_deleted: int = 0  # feed entries seen before the longest retention
    bytes_freed: int | None = None  # SQLite: file size before - after; None: unknown
    cutoffs: dict[str, datetime] = field(default_factory=dict)
