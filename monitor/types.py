"""The frozen dataclasses that flow between stages. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FeedSource:
    """A feed to poll, as configured."""

    url: str
    name: str | None
    interval_s: int
    pages: bool = True  # fetch each entry's page; False: match the entry as the feed gives it


@dataclass(frozen=True)
class PollState:
    """What the last poll of a feed left behind for the next one."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    max_age_s: int | None = None  # Cache-Control max-age: how long the server calls it fresh


@dataclass(frozen=True)
class NotModified:
    url: str
    max_age_s: int | None = None


@dataclass(frozen=True)
class FeedItem:
    """One entry of a parsed feed."""

    key: str  # guid, else link, else a hash of the content (the rss2email order)
    link: str | None
    title: str
    summary: str  # plain text
    author: str | None
    published: datetime | None
    # Computed with the item, in the parser worker, off the polling process:
    fingerprint: str  # title and summary hashed (dedup.content_hash): what makes it news
    signature: Signature | None  # of the summary (or title), for story clustering


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    items: tuple[FeedItem, ...]
    bozo_reason: str | None = None
    ttl_s: int | None = None  # RSS <ttl>: how long the publisher says the feed stays fresh


@dataclass(frozen=True)
class ExtractedPage:
    """What extraction found in an article page; text may be empty."""

    title: str | None
    text: str
    author: str | None
    published: datetime | None
    language: str | None
    sitename: str | None
    canonical_url: str | None
    signature: Signature | None  # of the text, computed in the extraction worker


@dataclass(frozen=True)
class Article:
    """An article ready to match and store."""

    url: str  # canonical URL: the identity of the article
    link: str  # the URL as the feed gave it
    title: str
    text: str
    outlet: str
    author: str | None
    published: datetime | None
    language: str | None
    source: str  # "page" when extracted from the page, "feed" when only the feed entry was usable
    content_hash: str
    signature: Signature | None = None  # for story clustering; None: a text without words


@dataclass(frozen=True)
class Signature:
    """A text's MinHash signature (see monitor.stories)."""

    values: bytes  # 128 little-endian uint32 minima
    shingles: int  # size of the shingle set, for the containment estimate


@dataclass(frozen=True)
class Snippet:
    """A sentence with the spans (start, end) of the matched aliases inside it."""

    text: str
    highlights: tuple[tuple[int, int], ...]
    entities: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """Why an entity matched: its alias, the text found, and whether it took a typo."""

    entity: str
    alias: str  # as written in the watchlist
    found: str  # as written in the article
    fuzzy: bool = False


@dataclass(frozen=True)
class WatchlistMatch:
    """What one watchlist found in one article."""

    watchlist: str
    entities: tuple[str, ...]  # ids, in order of first appearance
    snippets: tuple[Snippet, ...]
    evidence: tuple[Evidence, ...] = ()  # one per entity and distinct text found


@dataclass(frozen=True)
class HitView:
    """A stored hit joined with its article: what digests and `monitor hits` show."""

    hit_id: int
    url: str
    title: str
    outlet: str
    published: datetime | None
    watchlist: str
    entities: tuple[str, ...]
    entity_labels: tuple[str, ...]
    snippets: tuple[Snippet, ...]
    story: str
    found_at: datetime
    source: str


@dataclass(frozen=True)
class DigestItem:
    hit: HitView
    also: tuple[tuple[str, str], ...] = ()  # (outlet, url) of other copies of the story


@dataclass(frozen=True)
class DigestGroup:
    watchlist: str
    items: tuple[DigestItem, ...]
    # Stories sent in an earlier digest that more outlets have reported since: one line each.
    more: tuple[DigestItem, ...] = ()


@dataclass(frozen=True)
class Digest:
    subscription: str
    period_start: datetime | None
    period_end: datetime
    groups: tuple[DigestGroup, ...] = field(default_factory=tuple)

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.groups)


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    html: str
    text: str
    slack: str  # CommonMark, turned into Slack mrkdwn by apprise
