"""The story list: the newest news first (not the order rows were stored in), a page at a
time with a count, each story once across the pages. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.store import Store, open_store
from monitor.store.hits import dated
from monitor.types import Article, HitView, NewEntry, Snippet, WatchlistMatch
from monitor.views import StoryFilter, card_snippet
from tests.conftest import FIXTURES
from tests.support.clock import Clock
from tests.support.store import save_articles

SEEN = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


TEXTS = [p.read_text() for p in sorted((FIXTURES / "story-texts").glob("sh-*.txt"))]


def art(slug: str, published: datetime | None, story: int) -> Article:
    """An article with the `story`th real text: one story each, but for copies."""
    text = TEXTS[story]
    return Article(
        url=f"https://news.example/{slug}",
        link=f"https://news.example/{slug}",
        title=f"Title {slug}",
        text=text,
        outlet=f"Outlet {slug}",
        author=None,
        published=published,
        language="en",
        source="page",
        content_hash=content_hash(f"Title {slug}", text),
        signature=signature(text),
    )


def hit(watchlist: str = "csto") -> WatchlistMatch:
    return WatchlistMatch(watchlist, ("csto",), (Snippet("The CSTO met.", ((4, 8),), ("csto",)),))


@pytest.fixture
def clocked(db_url: str) -> Store:
    clock = Clock()
    clock.now = SEEN
    return open_store(db_url, clock=clock)


def titles(store: Store, f: StoryFilter, limit: int, before: int | None = None) -> list[str]:
    return [c.hits[0].title or "" for c in store.story_cards(f, limit, before).cards]


def test_one_poll_lists_its_newest_item_first(clocked: Store) -> None:
    """A feed lists its items oldest first: 07:15 is stored before 13:15, and shown after."""
    day = SEEN.replace(hour=0, minute=0)
    entries = [
        NewEntry(art("morning", day + timedelta(hours=7, minutes=15), 1), (hit(),)),
        NewEntry(art("undated", None, 2), (hit(),)),  # first seen at 14:00: the newest
        NewEntry(art("future", SEEN + timedelta(days=3), 3), (hit(),)),  # a feed's bad date
        NewEntry(art("noon", day + timedelta(hours=13, minutes=15), 4), (hit(),)),
    ]
    save_articles(clocked, entries)
    got = titles(clocked, StoryFilter(), 10)
    # The future date counts as when it was first seen (14:00), as the undated one;
    # between the two, the later row.
    assert got == ["Title future", "Title undated", "Title noon", "Title morning"]
    clocked.engine.dispose()


def test_pages_count_and_hold_each_story_once(clocked: Store) -> None:
    """Seven stories, three a page: 3 + 3 + 1, with the count, and a story with an older
    hit from another watchlist is not shown again on a later page."""
    base = SEEN - timedelta(days=1)
    entries = [NewEntry(art(f"s{i}", base + timedelta(hours=i), 5 + i), (hit(),)) for i in range(7)]
    save_articles(clocked, entries)
    # the newest story hit two watchlists; a copy of it found later, from another
    # outlet, carries an earlier date: the first report, whose hit sorts last
    save_articles(
        clocked,
        [NewEntry(art("treaty", base + timedelta(hours=20), 0), (hit(), hit("karabakh")))],
    )
    save_articles(
        clocked, [NewEntry(art("treaty-old", base - timedelta(hours=5), 0), (hit("karabakh"),))]
    )
    f = StoryFilter()
    first = clocked.story_cards(f, 3)
    assert len({c.story for c in first.cards}) == 3
    assert first.total == 8 and first.shown_before == 0
    heads = [c.original.title if c.original else "" for c in first.cards]
    # the treaty leads with its first report, and the later copy is one more outlet
    assert heads == ["Title treaty-old", "Title s6", "Title s5"]
    assert [a.outlet for a in first.cards[0].also] == ["Outlet treaty"]
    assert {h.watchlist for h in first.cards[0].hits} == {"csto", "karabakh"}
    assert first.next_hit is not None
    second = clocked.story_cards(f, 3, first.next_hit)
    assert [c.hits[0].title for c in second.cards] == ["Title s4", "Title s3", "Title s2"]
    assert second.shown_before == 3 and second.next_hit is not None
    third = clocked.story_cards(f, 3, second.next_hit)
    # s1 and s0; not the treaty again, though its first report's hit sorts last
    assert [c.hits[0].title for c in third.cards] == ["Title s1", "Title s0"]
    assert third.shown_before == 6 and third.next_hit is None
    # filtered: the karabakh list has one story, counted once
    only = clocked.story_cards(StoryFilter(watchlist="karabakh"), 3)
    assert only.total == 1 and len(only.cards) == 1 and only.next_hit is None
    clocked.engine.dispose()


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (None, SEEN),
        (SEEN - timedelta(hours=6), SEEN - timedelta(hours=6)),
        (SEEN + timedelta(minutes=1), SEEN),  # never after it was first seen
        (SEEN, SEEN),
    ],
)
def test_the_time_a_hit_is_listed_by(published: datetime | None, expected: datetime) -> None:
    assert dated(published, SEEN) == expected


def hv(watchlist: str, snippets: list[Snippet], source: str = "page") -> HitView:
    return HitView(
        hit_id=1, url="https://n.example/1", title="T", outlet="O", published=None,
        watchlist=watchlist, entities=(), entity_labels=(), snippets=tuple(snippets),
        story="S", found_at=SEEN, source=source,  # type: ignore[arg-type]
    )  # fmt: skip


SENT = "The CSTO and Pashinyan met in Yerevan."


@pytest.mark.parametrize(
    ("hits", "text", "spans", "source"),
    [
        # two watchlists, one sentence: shown once, both matches highlighted
        (
            [hv("csto", [Snippet(SENT, ((4, 8),), ("csto",))]),
             hv("officials", [Snippet(SENT, ((13, 22),), ("pashinyan",))])],
            SENT, ((4, 8), (13, 22)), "page",
        ),
        # different sentences: the one naming most entities
        (
            [hv("csto", [Snippet("The CSTO met.", ((4, 8),), ("csto",))]),
             hv("officials", [Snippet(SENT, ((4, 8), (13, 22)), ("csto", "pashinyan"))])],
            SENT, ((4, 8), (13, 22)), "page",
        ),
        # a tie: the first hit's; overlapping highlights become one
        (
            [hv("a", [Snippet("Nagorno-Karabakh talks.", ((0, 16),), ("k",))], "feed"),
             hv("b", [Snippet("Nagorno-Karabakh talks.", ((8, 16),), ("k",))])],
            "Nagorno-Karabakh talks.", ((0, 16),), "feed",
        ),
    ],
)  # fmt: skip
def test_one_snippet_per_card(
    hits: list[HitView], text: str, spans: tuple[tuple[int, int], ...], source: str
) -> None:
    found = card_snippet(hits)
    assert found is not None
    sn, where = found
    assert (sn.text, sn.highlights, where) == (text, spans, source)
