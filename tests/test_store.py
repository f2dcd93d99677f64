"""The store on SQLite and on PostgreSQL: every test runs on both."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import inspect, text

from monitor.clock import utcnow
from monitor.store import Store, open_store
from monitor.store.db import current_revision, make_engine, upgrade
from monitor.types import Article, DueFeed, FeedSource, PollState, Snippet, WatchlistMatch
from tests.support.store import article_text, delivery_counts, feed, record_poll, save_article


def article(
    url: str = "https://news.example/a", text_: str = "Putin spoke.", h: str = "h1"
) -> Article:
    return Article(
        url=url,
        link=url + "?utm_source=rss",
        title="Title",
        text=text_,
        outlet="News",
        author=None,
        published=utcnow(),
        language="en",
        source="page",
        content_hash=h * 8,
    )


def wm(watchlist: str, *entities: str) -> WatchlistMatch:
    return WatchlistMatch(watchlist, entities, (Snippet("Putin spoke.", ((0, 5),), entities),))


def test_migrations_create_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)  # twice is harmless
    assert current_revision(engine) == "0004"
    names = set(inspect(engine).get_table_names())
    assert {"feed", "article", "feed_entry", "hit", "digest", "digest_item", "delivery"} <= names
    assert "story_band" not in names  # the story index is built in memory from article rows
    if engine.dialect.name == "sqlite":
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_feeds_sync_and_poll_state(store: Store) -> None:
    store.sync_feeds(
        [
            FeedSource("https://a.example/rss", "A", 300),
            FeedSource("https://b.example/rss", None, 60),
        ]
    )
    due = store.due_feeds()
    assert {d.source.url for d in due} == {"https://a.example/rss", "https://b.example/rss"}
    a = next(d for d in due if d.source.name == "A")
    record_poll(
        store,
        a.id,
        ok=True,
        next_poll_at=utcnow() + timedelta(seconds=300),
        state=PollState('"e1"', "Mon"),
        new_items=3,
    )
    assert {d.source.url for d in store.due_feeds()} == {"https://b.example/rss"}
    got = feed(store, "https://a.example/rss")
    assert got.state == PollState('"e1"', "Mon") and got.errors == 0
    record_poll(store, a.id, ok=False, next_poll_at=utcnow(), error="HTTP 500")
    record_poll(store, a.id, ok=False, next_poll_at=utcnow(), error="HTTP 502")
    # a failure keeps the validators: the next poll after it is a full one
    assert feed(store, "https://a.example/rss") == DueFeed(
        a.id, a.source, PollState('"e1"', "Mon"), 2
    )
    status = next(s for s in store.feed_statuses() if s.url == "https://a.example/rss")
    assert status.error_count == 2 and status.last_error == "HTTP 502" and status.items_seen == 3
    # removed from the config: kept, but no longer polled
    store.sync_feeds([FeedSource("https://b.example/rss", None, 60)])
    assert {d.source.url for d in store.due_feeds()} == {"https://b.example/rss"}


def test_article_stored_once_and_hits_unique(store: Store) -> None:
    store.sync_feeds(
        [
            FeedSource("https://a.example/rss", "A", 300),
            FeedSource("https://b.example/rss", "B", 300),
        ]
    )
    fa, fb = (feed(store, "https://a.example/rss"), feed(store, "https://b.example/rss"))
    first = save_article(
        store, article(), [wm("officials", "putin")], feed_id=fa.id, entry_key="k1"
    )
    again = save_article(
        store, article(), [wm("officials", "putin")], feed_id=fb.id, entry_key="k2"
    )
    assert first.created and not again.created
    assert first.article_id == again.article_id
    assert len(first.new_hits) == 1 and again.new_hits == ()
    assert len(store.hits()) == 1
    # each feed's entry is seen by that feed (no fingerprint: not from a feed entry's text)
    assert store.entry_fingerprints(fa.id, ["k1", "k3"]) == {"k1": None}
    assert store.entry_fingerprints(fb.id, ["k1", "k2"]) == {"k2": None}
    # an edited article hits only for what it newly matches
    edited = save_article(
        store,
        article(text_="Putin and Lavrov spoke.", h="h2"),
        [wm("officials", "putin", "lavrov"), wm("karabakh", "k")],
    )
    assert len(edited.new_hits) == 1
    assert article_text(store, "https://news.example/a") == ("Title", "Putin and Lavrov spoke.")
    [view] = store.hits(watchlists=["officials"])
    assert view.snippets[0].highlights == ((0, 5),) and view.story


def test_concurrent_saves_store_one_article(store: Store) -> None:
    results = []

    def save() -> None:
        results.append(save_article(store, article(), [wm("officials", "putin")]))

    threads = [threading.Thread(target=save) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.created for r in results) == 1
    assert sum(len(r.new_hits) for r in results) == 1
    assert len(store.hits()) == 1


def test_digest_claims_each_hit_once(store: Store) -> None:
    ids = [
        save_article(
            store, article(f"https://n.example/{i}", h=str(i)), [wm("officials", "putin")]
        ).new_hits[0]
        for i in range(3)
    ]
    pending = store.undelivered_hits("desk", None, utcnow() - timedelta(days=1))
    assert sorted(h.hit_id for h in pending) == sorted(ids)
    made = store.create_digest(
        "desk", ids, [("k1", "mailto://…"), ("k2", "json://…")], None, utcnow()
    )
    assert made is not None
    assert sorted(made.hit_ids) == sorted(ids) and made.subscription == "desk"
    # a second daemon trying the same hits gets nothing, and no empty digest is made
    assert store.create_digest("desk", ids, [("k1", "x")], None, utcnow()) is None
    assert store.undelivered_hits("desk", None, utcnow() - timedelta(days=1)) == []
    # another subscription still gets them
    assert len(store.undelivered_hits("other", None, utcnow() - timedelta(days=1))) == 3
    deliveries = store.pending_deliveries("desk")
    assert len(deliveries) == 2
    store.delivery_done(deliveries[0].id)
    store.delivery_failed(deliveries[1].id, "SMTP refused", timedelta(seconds=0))
    left = store.pending_deliveries("desk")
    assert [d.id for d in left] == [deliveries[1].id] and left[0].attempts == 1
    store.delivery_failed(deliveries[1].id, "SMTP refused", None)
    assert store.pending_deliveries("desk") == []
    assert delivery_counts(store) == {"sent": 1, "dead": 1}
    assert store.last_digest_end("desk") is not None


def test_reopening_keeps_data(db_url: str) -> None:
    s1 = open_store(db_url)
    save_article(s1, article(), [wm("officials", "putin")])
    s1.engine.dispose()
    s2 = open_store(db_url)
    assert len(s2.hits()) == 1
    with s2.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM article")).scalar() == 1
    s2.engine.dispose()
