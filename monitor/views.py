"""The frozen dataclasses the store hands out for reading: the web page's stories and
search, the figures of /metrics, and what a retention prune removed. No I/O here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from monitor.types import ArticleSource, FeedStatus, HitView, Snippet


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
    """A story in the list: it leads with its original report (the earliest copy), then
    its newest hit per watchlist, one snippet for them all, and the other outlets."""

    story: str
    hits: tuple[HitView, ...]
    also: tuple[StoryCopy, ...]  # one per outlet other than the original's
    copies: int  # articles in the story
    original: StoryCopy | None = None  # None: the hits' article, the only one known

    @property
    def snippet(self) -> tuple[Snippet, ArticleSource] | None:
        return card_snippet(self.hits)


def merged_snippets(hits: Sequence[HitView]) -> list[tuple[Snippet, ArticleSource]]:
    """Each sentence the hits matched in, once, with every match in it highlighted (one
    watchlist's and another's), and where it was found (a feed's summary or the page);
    in the order the hits give them."""
    merged: dict[str, tuple[set[tuple[int, int]], list[str], ArticleSource]] = {}
    for h in hits:
        for sn in h.snippets:
            spans, entities, _ = merged.setdefault(sn.text, (set(), [], h.source))
            spans.update(sn.highlights)
            entities.extend(e for e in sn.entities if e not in entities)
    out = []
    for text, (spans, entities, source) in merged.items():
        joined: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if joined and a <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(b, joined[-1][1]))
            else:
                joined.append((a, b))
        out.append((Snippet(text, tuple(joined), tuple(entities)), source))
    return out


def card_snippet(hits: Sequence[HitView]) -> tuple[Snippet, ArticleSource] | None:
    """One sentence for a card whose story hit several watchlists: the one that names the
    most of their entities, every match in it highlighted. The first wins a tie."""
    found = merged_snippets(hits)
    return max(found, key=lambda f: len(f[0].entities)) if found else None


@dataclass(frozen=True)
class StoryList:
    """A page of the story list, newest first, and where the next one starts."""

    cards: tuple[StoryCard, ...]
    total: int  # stories the filter finds, on every page
    shown_before: int  # stories on the pages before this one
    next_hit: int | None  # the next page's `before_hit`; None: this is the last page


@dataclass(frozen=True)
class StoryPage:
    story: str
    copies: tuple[StoryCopy, ...]  # oldest first: the first is the one found first
    hits: tuple[HitView, ...]
    texts: dict[int, str] = field(default_factory=dict)  # article id -> its text
    by_copy: dict[int, tuple[HitView, ...]] = field(default_factory=dict)  # article id -> hits


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
    digest_files_deleted: int = 0  # in the digest folder, older than retention.digest_files
    bytes_freed: int | None = None  # SQLite: file size before - after; None: unknown
    cutoffs: dict[str, datetime] = field(default_factory=dict)


def health_order(s: FeedStatus) -> tuple[int, str]:
    """Feeds as the operator reads them: failing first, then stale, then by name."""
    return (0 if s.failing_since is not None else 1 if s.stale else 2, (s.name or s.url).lower())
