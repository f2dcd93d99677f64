"""One story, one item: article identity, story clusters on real pages, edits and re-dated
entries, and digests by story. Store tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from monitor.clock import utcnow
from monitor.config.settings import Settings, Subscription
from monitor.digest.service import DigestService
from monitor.errors import StoreError
from monitor.feeds.parse import parse_feed
from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import jaccard, signature
from monitor.identity.urls import canonical_url, entry_url, page_url
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.store import Store, open_store
from monitor.types import (
    Article,
    FeedBatch,
    FeedSource,
    NewEntry,
    RefreshResult,
    WatchlistMatch,
)
from monitor.watchlists.model import Entity, Watchlist
from tests.conftest import FIXTURES
from tests.support.httpd import Reply, ScriptedServer
from tests.support.httpd import rss as rss_of
from tests.support.render import rendered
from tests.support.store import article_text, feed, save_articles
from tests.support.threads import at_once


def real_texts() -> list[str]:
    """Real article bodies: the corpus pages' ground truth and Russian news."""
    texts = [json.loads(p.read_text())["text"] for p in sorted((FIXTURES / "pages").glob("*.json"))]
    texts += [p.read_text() for p in sorted((FIXTURES / "story-texts").glob("*.txt"))]
    texts += [p.read_text() for p in sorted((FIXTURES / "russian-news").glob("book_*.txt"))]
    return [t for t in texts if t and len(t.split()) >= 120]


REAL = real_texts()
BOILER_HEAD = "Subscribe to our newsletter and follow us on Telegram for the day's top stories."
BOILER_TAIL = (
    "© 2026 Regional Wire. All rights reserved. Republication without permission is "
    "prohibited. Advertising | Contacts | Privacy policy"
)


def edit(t: str, rate: float, seed: int) -> str:
    """Delete, replace or insert words at `rate`: a republisher's light or heavy edit."""
    rnd = random.Random(seed)
    words = t.split()
    out: list[str] = []
    for w in words:
        r = rnd.random()
        if r < rate / 3:
            continue
        if r < 2 * rate / 3:
            out.append(rnd.choice(words))
        elif r < rate:
            out.extend((w, rnd.choice(words)))
        else:
            out.append(w)
    return " ".join(out)


def half(t: str) -> str:
    w = t.split()
    return " ".join(w[: len(w) // 2])


PERTURB: dict[str, Callable[[str], str]] = {
    "boilerplate": lambda t: f"{BOILER_HEAD}\n{t}\n{BOILER_TAIL}",
    "5% edits": lambda t: edit(t, 0.05, 1),
    "20% edits": lambda t: edit(t, 0.20, 2),
    "truncated": half,
    "truncated with boilerplate": lambda t: f"{BOILER_HEAD}\n{half(t)}\n{BOILER_TAIL}",
}


def art(url: str, body: str, title: str = "Headline", outlet: str = "Outlet") -> Article:
    return Article(
        url=canonical_url(url),
        link=url,
        title=title,
        text=body,
        outlet=outlet,
        author=None,
        published=utcnow(),
        language=None,
        source="page",
        content_hash=content_hash(title, body),
        signature=signature(body),
    )


def save(store: Store, *articles: Article) -> list[str]:
    return [sv.story for sv in save_articles(store, [NewEntry(a, ()) for a in articles])]


def test_the_fixtures_hold_enough_real_text() -> None:
    assert len(REAL) >= 20
    assert any("а" in t for t in REAL) and any("the" in t for t in REAL)  # Russian and English


# -- identity -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "original"),
    [
        (
            "HTTPS://News.Example.COM:443/a/b?utm_source=rss&fbclid=x#top",
            "https://news.example.com/a/b",
        ),
        ("http://news.example.com/a/b?gclid=1&yclid=2&mc_cid=3", "https://news.example.com/a/b"),
        ("https://www.example.com/a/b", "https://example.com/a/b"),
        ("https://m.example.com/a/b", "https://example.com/a/b"),
        ("https://amp.example.com/a/b", "https://example.com/a/b"),
        ("https://example.com/a/b/amp/", "https://example.com/a/b"),
        ("https://example.com/amp/a/b", "https://example.com/a/b"),
        ("https://example.com/a/b.amp.html", "https://example.com/a/b.html"),
        ("https://example.com/a/b?amp=1&id=7", "https://example.com/a/b?id=7"),
        ("https://example.com/a/b?outputType=amp", "https://example.com/a/b"),
    ],
)
def test_every_address_of_one_page_is_one_identity(variant: str, original: str) -> None:
    assert canonical_url(variant) == canonical_url(original) == original


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/news/ampere", "https://example.com/news"),
        ("https://example.com/a?id=1", "https://example.com/a?id=2"),
        ("https://m.co/x", "https://co/x"),  # a two-label host keeps its m.
    ],
)
def test_different_pages_keep_different_identities(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


def test_feed_entry_ids_are_guid_then_link_then_content_hash() -> None:
    doc = (
        b'<rss version="2.0"><channel><title>F</title>'
        b'<item><title>A</title><link>https://n.example/a</link><guid isPermaLink="false">tag:n.example,2026:1</guid></item>'
        b"<item><title>B</title><link>https://n.example/b</link></item>"
        b"<item><title>C</title><description>No link at all.</description></item>"
        b"</channel></rss>"
    )
    keys = [i.key for i in parse_feed(doc, "https://n.example/rss", "application/rss+xml").items]
    assert keys[0] == "tag:n.example,2026:1"
    assert keys[1] == "https://n.example/b"
    assert keys[2].startswith("sha1:") and len(keys[2]) == 45


def test_the_exact_fingerprint_ignores_typography_but_not_words() -> None:
    assert content_hash("T", "Pashinyan’s  “talks” — resumed") == content_hash(
        "T", 'Pashinyan\'s "talks" - resumed'
    )
    assert content_hash("T", "talks resumed") != content_hash("T", "talks stalled")


def test_a_page_declaring_its_canonical_url_on_the_same_site_takes_that_identity() -> None:
    declared = "https://www.news.example/story"
    assert page_url("https://news.example/feed-link", declared) == canonical_url(
        "https://news.example/story"
    )
    hostile = "https://other.example/x"
    assert page_url("https://news.example/a", hostile) == "https://news.example/a"
    assert page_url("https://news.example/a", None) == "https://news.example/a"
    assert page_url("https://news.example/a", "http://[::1") == "https://news.example/a"


def test_an_entry_without_a_usable_link_is_its_own_article() -> None:
    feed_url = "https://news.example/rss?utm_source=x"
    assert entry_url(feed_url, "https://news.example/a?utm_source=rss", "k") == (
        "https://news.example/a"
    )
    own = entry_url(feed_url, None, "guid-1")
    assert own.startswith("https://news.example/rss#entry-") and own != entry_url(
        feed_url, None, "guid-2"
    )
    assert entry_url(feed_url, "http://[::1", "guid-1") == own


# -- story clusters on real pages -------------------------------------------------------


@pytest.mark.parametrize("kind", list(PERTURB))
def test_a_republished_copy_joins_the_story_of_its_original(store: Store, kind: str) -> None:
    originals = [art(f"https://first.example/{i}", t) for i, t in enumerate(REAL)]
    stories = save(store, *originals)
    assert len(set(stories)) == len(REAL)  # unrelated real articles: one story each
    copies = [
        art(f"https://second.example/{i}", PERTURB[kind](t), title=f"Own headline {i}")
        for i, t in enumerate(REAL)
    ]
    assert save(store, *copies) == stories


def test_unrelated_articles_on_the_same_subject_stay_apart(store: Store) -> None:
    a = "The CSTO foreign ministers met in Yerevan on Monday to discuss the border. " * 3
    b = "Armenia's prime minister said on Tuesday that the CSTO had failed its members. " * 3
    assert jaccard(signature(a), signature(b)) < 0.1  # type: ignore[arg-type]
    s1, s2 = save(store, art("https://x.example/1", a), art("https://y.example/2", b))
    assert s1 != s2


def test_two_copies_in_one_batch_share_a_story(store: Store) -> None:
    t = REAL[0]
    s1, s2 = save(
        store, art("https://a.example/1", t), art("https://b.example/1", edit(t, 0.05, 3))
    )
    assert s1 == s2


def test_copies_from_two_feeds_stored_in_one_transaction_share_a_story(store: Store) -> None:
    t = REAL[0]
    [one, two] = store.save_feeds(
        [
            FeedBatch(None, [NewEntry(art("https://a.example/1", t), ())]),
            FeedBatch(None, [NewEntry(art("https://b.example/1", edit(t, 0.05, 3)), ())]),
        ]
    )
    assert isinstance(one, list) and isinstance(two, list)
    assert one[0].story == two[0].story and len(store.stories) == 2


def test_a_transaction_that_fails_leaves_the_story_index_as_it_was(store: Store) -> None:
    # No such feed (a foreign key): the transaction fails after its story was assigned.
    doomed = [NewEntry(art("https://a.example/1", REAL[0]), (), key="k1")]
    with pytest.raises(StoreError, match="entries not stored"):
        save_articles(store, doomed, feed_id=999_999)
    assert len(store.stories) == 0
    save(store, art("https://a.example/1", REAL[0]))
    assert len(store.stories) == 1


def test_a_feed_whose_entries_fail_costs_only_itself_in_a_shared_transaction(
    store: Store,
) -> None:
    good = [NewEntry(art("https://a.example/1", REAL[0]), ())]
    doomed = [NewEntry(art("https://b.example/1", REAL[1]), (), key="k1")]
    ok, failed = store.save_feeds([FeedBatch(None, good), FeedBatch(999_999, doomed)])
    assert isinstance(ok, list) and ok[0].created
    assert isinstance(failed, StoreError) and "entries not stored" in str(failed)
    assert store.known_articles(["https://a.example/1", "https://b.example/1"]) == {
        "https://a.example/1": ok[0].article_id
    }


def test_stories_survive_a_restart(db_url: str) -> None:
    first = open_store(db_url)
    [story] = save(first, art("https://a.example/1", REAL[1]))
    first.engine.dispose()
    second = open_store(db_url)
    assert save(second, art("https://b.example/1", edit(REAL[1], 0.05, 4))) == [story]
    second.engine.dispose()


def test_copies_saved_at_once_by_two_daemons_share_a_story(db_url: str) -> None:
    daemons = [open_store(db_url), open_store(db_url)]
    [[one], [two]] = at_once(
        lambda i: save(daemons[i], art(f"https://o{i}.example/x", edit(REAL[2], 0.05, i))), 2
    )
    assert one == two
    for d in daemons:
        d.engine.dispose()


def test_a_running_daemon_catches_up_with_what_another_daemon_stored(db_url: str) -> None:
    a, b = open_store(db_url), open_store(db_url)
    save(a, art("https://a.example/1", REAL[5]))
    save(b, art("https://b.example/1", REAL[6]))  # both indexes built
    [story] = save(a, art("https://a.example/2", REAL[7]))  # b's index has not seen it
    assert save(b, art("https://b.example/2", edit(REAL[7], 0.05, 9))) == [story]
    assert len(b.stories) == 4
    for d in (a, b):
        d.engine.dispose()


def test_a_near_copy_outside_the_window_starts_a_new_story_but_an_exact_one_does_not(
    store: Store,
) -> None:
    [old] = save(store, art("https://a.example/1", REAL[3]))
    assert len(store.stories) == 1
    # Twenty days on, for the database and for the hourly pruning.
    with store.engine.begin() as c:
        c.execute(
            text("UPDATE article SET first_seen_at = :t"), {"t": utcnow() - timedelta(days=20)}
        )
    assert store.stories.prune(utcnow() + timedelta(days=20)) == 1
    assert len(store.stories) == 0
    [near] = save(store, art("https://b.example/1", edit(REAL[3], 0.05, 5)))
    [exact] = save(store, art("https://c.example/1", REAL[3]))
    assert near != old and exact == old
    # A daemon starting now builds its index from the window only.
    restarted = Store(store.engine)
    [near2] = save(restarted, art("https://d.example/1", edit(REAL[3], 0.05, 6)))
    assert near2 == near and len(restarted.stories) == 2  # near and near2


def test_an_old_article_still_in_a_running_index_is_not_a_candidate(store: Store) -> None:
    """The database's first-seen time decides the window, whatever the index still holds."""
    [old] = save(store, art("https://a.example/1", REAL[3]))
    with store.engine.begin() as c:
        c.execute(
            text("UPDATE article SET first_seen_at = :t"), {"t": utcnow() - timedelta(days=20)}
        )
    assert len(store.stories) == 1  # not pruned yet
    [near] = save(store, art("https://b.example/1", edit(REAL[3], 0.05, 5)))
    assert near != old


# -- edits and re-dated entries ----------------------------------------------------------


def watching(*names: str) -> Matcher:
    return Matcher([Watchlist(n, "", (Entity(n, n, (n,)),), None, None, ()) for n in names])


def poll(store: Store, url: str, matcher: Matcher) -> RefreshResult:
    async def go() -> RefreshResult:
        async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
            pipe = Pipeline(store, f, lambda: matcher, respect_robots=False)
            return await pipe.refresh(feed(store, url))

    return asyncio.run(go())


def test_an_edited_entry_updates_its_article_and_hits_only_what_it_newly_matches(
    sqlite_url: str,
) -> None:
    store = open_store(sqlite_url)
    entry = {"title": "Talks in Moscow", "summary": "Lavrov met his counterpart.", "date": "Mon"}

    def script(path: str, h: dict[str, str]) -> Reply:
        if path == "/feed":
            item = (
                f"<item><title>{entry['title']}</title><link>{srv.base}/story</link>"
                f"<guid>g1</guid><description>{entry['summary']}</description>"
                f"<pubDate>{entry['date']}, 23 Nov 2026 08:00:00 GMT</pubDate></item>"
            )
            return Reply(
                200, f'<rss version="2.0"><channel><title>F</title>{item}</channel></rss>'.encode()
            )
        return Reply(404)

    m = watching("lavrov", "pashinyan")
    with ScriptedServer(script) as srv:
        url = srv.base + "/feed"
        store.sync_feeds([FeedSource(url, "F", 900, pages=False)])
        first = poll(store, url, m)
        assert first.new_items == 1 and len(first.new_hits) == 1
        # Re-dated only: not news again, nothing fetched or stored.
        entry["date"] = "Tue"
        assert poll(store, url, m).new_items == 0
        # Edited: the article is updated and hits only the watchlist it newly matches.
        entry["summary"] = "Lavrov met Pashinyan."
        edited = poll(store, url, m)
        assert edited.new_items == 1 and len(edited.new_hits) == 1
        assert store.hits(ids=list(edited.new_hits))[0].watchlist == "pashinyan"
        assert article_text(store, canonical_url(srv.base + "/story")) == (
            "Talks in Moscow",
            "Lavrov met Pashinyan.",
        )
        assert len(store.hits()) == 2
    store.engine.dispose()


def test_an_item_republished_under_a_new_guid_and_date_is_one_story(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    body = REAL[4]
    guid = {"v": "g1", "date": "Mon"}

    def script(path: str, h: dict[str, str]) -> Reply:
        if path == "/feed":
            return Reply(
                200,
                rss_of([("Old news", f"{srv.base}/story?ref={guid['v']}", guid["v"], body[:2000])]),
            )
        return Reply(404)

    with ScriptedServer(script) as srv:
        url = srv.base + "/feed"
        store.sync_feeds([FeedSource(url, "F", 900, pages=False)])
        poll(store, url, watching("x"))
        guid["v"] = "g2"  # a new id and a new link parameter: a re-published item
        poll(store, url, watching("x"))
        with store.engine.connect() as c:
            stories = c.execute(text("SELECT DISTINCT story FROM article")).all()
        assert len(stories) == 1
    store.engine.dispose()


# -- digests by story -------------------------------------------------------------------


def hit_on(store: Store, a: Article, watchlist: str = "csto") -> int:
    m = WatchlistMatch(watchlist, ("csto",), ())
    [saved] = save_articles(store, [NewEntry(a, (m,))])
    return saved.new_hits[0]


def test_digests_send_a_story_once_and_later_outlets_as_one_line(
    store: Store, tmp_path: Path
) -> None:
    settings = Settings.model_validate(
        {"subscriptions": [{"name": "desk", "watchlists": ["csto"], "notify": []}]}
    )
    settings = settings.model_copy(update={"base_dir": tmp_path})
    service = DigestService(store, settings, lambda: {})
    sub: Subscription = settings.subscriptions[0]
    body = REAL[5]
    hit_on(store, art("https://tass.example/1", body, "CSTO summit", outlet="TASS"))
    hit_on(store, art("https://ria.example/1", edit(body, 0.05, 6), "Summit of the CSTO", "RIA"))
    first = service.create(sub)
    assert first is not None
    d1 = service.built(first)
    assert d1.count == 1
    item = d1.groups[0].items[0]
    assert item.hit.outlet == "TASS" and [o for o, _ in item.also] == ["RIA"]
    # Another outlet republishes it: not news on its own, so no digest ...
    hit_on(store, art("https://armenpress.example/1", half(body), "CSTO", "Armenpress"))
    assert service.create(sub) is None
    # ... and it rides along with the next story as a "more outlets" line.
    hit_on(store, art("https://news.example/2", REAL[6], "Another story", "News"))
    second = service.create(sub)
    assert second is not None
    d2 = service.built(second)
    assert d2.count == 1 and d2.groups[0].items[0].hit.title == "Another story"
    [more] = d2.more
    assert more.hit.outlet == "Armenpress"
    out = rendered(service.built(second))
    assert "1 new story" in out.subject
    assert "More outlets on stories sent earlier" in out.text and "Armenpress" in out.text
    assert "Armenpress" in out.html and "Armenpress" in out.slack


def test_hits_json_shows_the_story(store: Store) -> None:
    body = REAL[7]
    hit_on(store, art("https://a.example/1", body))
    hit_on(store, art("https://b.example/1", edit(body, 0.05, 7)))
    views = store.hits()
    assert len(views) == 2 and views[0].story == views[1].story and views[0].story


def test_storing_on_postgresql_looks_articles_up_by_key_without_statistics(pg_url: str) -> None:
    """A fast-growing article table has no fresh statistics (none at all where autovacuum
    is off): the storing transaction's reads must still use the indexes, not scan."""
    store = open_store(pg_url)
    try:
        save(store, *[art(f"https://first.example/{i}", t) for i, t in enumerate(REAL * 10)])
        plans: list[str] = []

        def explain(conn: object, cursor: Any, statement: str, params: Any, *_: object) -> None:
            if statement.lstrip().startswith("SELECT") and "FROM article" in statement:
                cursor.execute("EXPLAIN " + statement, params)
                plans.append("\n".join(r[0] for r in cursor.fetchall()))

        event.listen(store.engine, "before_cursor_execute", explain)
        copies = [art(f"https://second.example/{i}", edit(t, 0.05, i)) for i, t in enumerate(REAL)]
        save(store, *copies, art("https://third.example/1", REAL[0]))
        event.remove(store.engine, "before_cursor_execute", explain)
        # the URLs, the exact copies, the articles others stored meanwhile, the candidates
        assert len(plans) >= 4
        assert not [p for p in plans if "Seq Scan on article" in p], plans
    finally:
        store.engine.dispose()
