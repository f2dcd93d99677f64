"""The frozen dataclasses that flow between stages. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, NamedTuple

# Where an article's text came from: its page, or only the feed entry.
ArticleSource = Literal["page", "feed"]
# "error": the feed's own fault (fetch, parse); "internal-error": ours (storing, a bug).
RefreshStatus = Literal["ok", "not-modified", "error", "internal-error"]
DeliveryStatus = Literal["pending", "sent", "dead", "cancelled"]
# What a configured source is read as: a feed, a news sitemap, a Telegram channel's web
# preview, or a section page whose links are the articles.
SourceKind = Literal["feed", "sitemap", "telegram", "page"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("feed", "sitemap", "telegram", "page")
# The rendering a destination gets.
# Entity labels shown in digests: watchlist -> entity id -> label.
Labels = Mapping[str, Mapping[str, str]]
# A publication date before this is a placeholder ("0001-01-01T00:00:00Z" in some
# JSON-LD, the Unix epoch in some feeds), not when the article came out.
EARLIEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedSource:
    """A feed to poll, as configured."""

    url: str
    name: str | None
    interval_s: int
    pages: bool = True  # fetch each entry's page; False: match the entry as the feed gives it
    kind: SourceKind = "feed"


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
    # False: `link` is the entry's own permanent address (a Telegram message without a
    # link to an article), not a page to fetch; the entry's text is all there is.
    fetch_page: bool = True
    # The entry's own text is news beside the page it links to (a Telegram message that
    # links to an article): matched with the page's text, and also when the article is
    # stored already, for the watchlists it did not hit.
    own_text: bool = False


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    items: tuple[FeedItem, ...]
    bozo_reason: str | None = None
    ttl_s: int | None = None  # RSS <ttl>: how long the publisher says the feed stays fresh
    # A sitemap index: the child sitemaps to read next, newest first, already cut to
    # the few worth reading. Empty for every other document.
    follow: tuple[str, ...] = ()
    hub: str | None = None  # WebSub: the hub the feed names (<link rel="hub">)
    self_url: str | None = None  # WebSub: the topic URL the feed names (<link rel="self">)


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
    source: ArticleSource
    content_hash: str
    signature: Signature | None = None  # for story clustering; None: a text without words


@dataclass(frozen=True)
class Signature:
    """A text's MinHash signature (see monitor.identity.minhash)."""

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
    """Why an entity matched: alias, text found, typo or not, which word form."""

    entity: str
    alias: str  # as written in the watchlist
    found: str  # as written in the article
    fuzzy: bool = False
    language: str = ""  # the language whose form was found ("" : the alias as written)
    rule: str = ""  # the form's rule in that language ("locative", "genitive + definite")
    start: int = 0  # where it was first found in the matched document (title, then text)
    end: int = 0


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
    source: ArticleSource
    language: str | None = None  # of the article, as extraction found it


@dataclass(frozen=True)
class OtherWatchlist:
    """Another watchlist that a story shown once in a digest also hit."""

    watchlist: str
    entity_labels: tuple[str, ...]
    snippets: tuple[Snippet, ...]
    entities: tuple[str, ...] = ()  # their ids, beside the labels


@dataclass(frozen=True)
class DigestItem:
    hit: HitView
    also: tuple[tuple[str, str], ...] = ()  # (outlet, url) of other copies of the story
    elsewhere: tuple[OtherWatchlist, ...] = ()  # the story's other watchlists in this digest
    sent_at: datetime | None = None  # an earlier message held it, under another watchlist


@dataclass(frozen=True)
class DigestGroup:
    watchlist: str
    items: tuple[DigestItem, ...]
    # Stories this watchlist hit that are shown under an earlier one: (title, watchlist).
    above: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Digest:
    subscription: str
    period_start: datetime | None
    period_end: datetime
    groups: tuple[DigestGroup, ...] = field(default_factory=tuple)
    # Stories sent before that more outlets have reported since: once in the message.
    more: tuple[DigestItem, ...] = ()

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.groups)


@dataclass(frozen=True)
class NoticeView:
    """A notice (a spike, the heartbeat) as every channel shows it."""

    heading: str
    head: str
    stories: tuple[tuple[str, str, str], ...] = ()  # title, outlet, URL
    lines: tuple[str, ...] = ()


# -- what the store hands out and takes in -------------------------------------------


@dataclass(frozen=True)
class DueFeed:
    """A feed to poll now, with what its last poll left behind."""

    id: int
    source: FeedSource
    state: PollState
    errors: int = 0  # failures in a row so far
    lease: str | None = None  # the daemon that holds it for this poll (None: no lease)


@dataclass(frozen=True)
class PollRecord:
    """A poll's outcome; `state` only after a success that stored everything."""

    feed_id: int
    ok: bool
    next_poll_at: datetime
    state: PollState | None = None
    error: str | None = None
    new_items: int = 0
    lease: str | None = None  # written only while this daemon still holds the feed


@dataclass(frozen=True)
class FeedStatus:
    url: str
    name: str | None
    active: bool
    interval_s: int
    last_success_at: datetime | None
    last_polled_at: datetime | None
    last_error: str | None
    error_count: int
    next_poll_at: datetime | None
    items_seen: int
    failing_since: datetime | None = None
    held_by: str | None = None  # the daemon polling it now (host:pid:tag)
    kind: SourceKind = "feed"
    pushed_until: datetime | None = None  # a WebSub hub pushes it until then
    arrivals: tuple[datetime, ...] = ()  # its last polls that brought new items
    stale: bool = False  # it answers, but nothing new for far longer than usual
    hits: int = 0  # of its articles (where asked for)
    last_new_at: datetime | None = None  # the last of its arrivals


@dataclass(frozen=True)
class SeenEntry:
    """A feed entry processed: its key, its fingerprint and the article it became."""

    key: str
    fingerprint: str | None
    article_id: int | None


@dataclass(frozen=True)
class NewEntry:
    """An article to store with its matches and, when it came from a feed, the entry."""

    article: Article
    matches: tuple[WatchlistMatch, ...]
    key: str | None = None  # the feed entry's key
    fingerprint: str | None = None  # the feed entry's title and summary, hashed


class FeedBatch(NamedTuple):
    """A feed's new articles, stored together: the feed (None: of no feed) and the lease
    its poll holds (None: none). A lease lost meanwhile keeps them out (fencing)."""

    feed_id: int | None
    entries: Sequence[NewEntry]
    lease: str | None = None


@dataclass(frozen=True)
class SavedArticle:
    article_id: int
    new_hits: tuple[int, ...]
    created: bool
    story: str


@dataclass(frozen=True)
class StoredText:
    """An article's text as stored, for re-matching."""

    article_id: int
    title: str
    text: str


@dataclass(frozen=True)
class StoredDigest:
    id: int
    subscription: str
    period_start: datetime | None
    period_end: datetime
    hit_ids: tuple[int, ...]
    key: str  # stable and unique: a repeat after a crash carries the same message ids
    kind: str = "digest"  # or a notice: "spike", "heartbeat"
    note: str | None = None  # a notice's content, JSON


@dataclass(frozen=True)
class PendingDelivery:
    id: int
    digest_id: int
    subscription: str
    destination: str
    attempts: int
    claim: str | None = None  # the daemon sending it now
    parts_sent: int = 0  # of a digest split for its channel: a retry goes on from there


@dataclass(frozen=True)
class DeliveryView:
    """One row of the outbox, as `monitor deliveries` shows it."""

    id: int
    digest_id: int
    subscription: str
    label: str  # the destination, secrets hidden
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime  # the digest's
    claim: str | None  # the daemon sending it now


@dataclass(frozen=True)
class RefreshResult:
    """What one poll of a feed came to."""

    url: str
    status: RefreshStatus
    new_items: int = 0
    new_hits: tuple[int, ...] = ()
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("error", "internal-error")


@dataclass(frozen=True)
class PushSubscription:
    """A feed's WebSub subscription, as the store keeps it."""

    feed_id: int
    hub: str
    topic: str
    secret: str
    token: str  # the callback is <public_url>/websub/<token>
    state: str  # requested, active, denied, failed
    requested_at: datetime
    lease_until: datetime | None = None
    last_error: str | None = None
