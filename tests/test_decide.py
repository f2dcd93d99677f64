"""The pipeline's pure decisions, as tables: which entries are news, which need their
page, and when a feed is polled next (the clock and the jitter passed in)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitor.pipeline.article import article_from
from monitor.pipeline.decide import Fresh, fresh_items, split_known, unique_items
from monitor.pipeline.next_poll import MAX_BACKOFF, next_poll
from monitor.types import ExtractedPage, FeedItem, SeenEntry

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def item(key: str, fingerprint: str = "fp", link: str | None = None) -> FeedItem:
    return FeedItem(key, link, f"Title {key}", f"Summary {key}.", None, None, fingerprint, None)


# -- new, edited, known ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "fingerprint", "expected"),
    [
        ({}, "fp", "new"),  # the feed never listed this key
        ({"k": "fp"}, "fp", "known"),  # listed before, title and summary unchanged
        ({"k": "old"}, "fp", "edited"),  # listed before with another title or summary
        ({"k": None}, "fp", "known"),  # seen before fingerprints were kept: never an edit
        ({"other": "fp"}, "fp", "new"),  # another entry's key
    ],
)
def test_an_entry_is_new_edited_or_known(
    stored: dict[str, str | None], fingerprint: str, expected: str
) -> None:
    got = fresh_items([item("k", fingerprint)], stored)
    state = "known" if not got else ("edited" if got[0].edited else "new")
    assert state == expected


def test_a_feed_listing_an_entry_twice_gets_it_processed_once() -> None:
    first, again, other = item("a", "1"), item("a", "2"), item("b")
    assert unique_items([first, again, other]) == [first, other]


@pytest.mark.parametrize(
    ("known", "edited", "marked_seen", "processed"),
    [
        ({}, False, False, True),  # a new article: fetch, extract, match, store
        ({"https://n.example/a": 7}, False, True, False),  # stored by another feed: seen only
        ({"https://n.example/a": 7}, True, False, True),  # this feed's own entry, edited
    ],
)
def test_an_entry_whose_article_is_stored_needs_no_fetch_unless_edited(
    known: dict[str, int], edited: bool, marked_seen: bool, processed: bool
) -> None:
    f = Fresh(item("k", "fp"), edited)
    seen, todo = split_known({"https://n.example/a": f}, known)
    assert seen == ([SeenEntry("k", "fp", 7)] if marked_seen else [])
    assert todo == ([("https://n.example/a", f)] if processed else [])


# -- the article --------------------------------------------------------------------


def test_the_page_text_wins_and_the_feed_entry_is_the_fallback() -> None:
    entry = item("k", "feed-fp", link="https://n.example/a?utm_source=rss")
    page = ExtractedPage("Page title", "The page text.", "A. Author", None, "en", "N", None, None)
    from_page = article_from(entry, page, "https://n.example/a", None)
    assert (from_page.source, from_page.title, from_page.text) == (
        "page",
        "Page title",
        "The page text.",
    )
    assert from_page.link == "https://n.example/a" and from_page.outlet == "N"
    empty = ExtractedPage(None, "  ", None, None, None, None, None, None)
    for p in (None, empty):
        from_feed = article_from(entry, p, "https://n.example/a", "Feed name")
        assert (from_feed.source, from_feed.text, from_feed.content_hash) == (
            "feed",
            "Summary k.",
            "feed-fp",
        )
        assert from_feed.outlet == "Feed name"


# -- when to poll next --------------------------------------------------------------


@pytest.mark.parametrize(
    ("errors", "hint_s", "retry_after_s", "low_s", "high_s"),
    [
        (0, None, None, 900, 900),  # the interval
        (0, 1800, None, 1800, 1800),  # stretched by a freshness hint
        (0, 60, None, 900, 900),  # never shortened
        (0, 10**6, None, 3600, 3600),  # stretched at most 4 times
        (1, None, None, 1800 * 0.8, 1800 * 1.2),  # backoff, with jitter
        (3, None, None, 7200 * 0.8, 7200 * 1.2),
        (30, None, None, 86400 * 0.8, 86400 * 1.2),  # at most a day, never dropped
        (1, None, 7200, 7200, 7200),  # Retry-After beyond the backoff
        (1, None, 10**9, 86400, 86400),  # ... capped
    ],
)
def test_next_poll(
    errors: int, hint_s: float | None, retry_after_s: float | None, low_s: float, high_s: float
) -> None:
    rng = random.Random(1)
    for _ in range(50):
        at = next_poll(900, errors, NOW, rng, hint_s, retry_after_s)
        assert timedelta(seconds=low_s) <= at - NOW <= timedelta(seconds=high_s)


def test_the_jitter_spreads_failing_feeds_and_comes_from_the_given_source() -> None:
    spread = {next_poll(900, 2, NOW, random.Random(seed)) for seed in range(20)}
    assert len(spread) == 20
    assert next_poll(900, 2, NOW, random.Random(5)) == next_poll(900, 2, NOW, random.Random(5))
    assert max(spread) - NOW <= MAX_BACKOFF
