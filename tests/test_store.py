"""The store on SQLite and on PostgreSQL: every test runs on both."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import inspect, text

from monitor.store import Store, open_store, utcnow
from monitor.store.db import current_revision, make_engine, upgrade
from monitor.types import Article, FeedSource, PollState, Snippet, WatchlistMatch


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
    store.record_poll(
        a.id,
        ok=True,
        next_poll_at=utcnow() + timedelta(seconds=300),
        state=PollState('"e1"', "Mon"),
        new_items=3,
    )
    assert {d.source.url for d in store.due_feeds()} == {"https://b.example/rss"}
    got = store.feed("https://a.example/rss")
    assert got is not None and got.state == PollState('"e1"', "Mon")
    store.record_poll(a.id, ok=False, next_poll_at=utcnow(), error="HTTP 500")
    store.record_poll(a.id, ok=False, next_poll_at=utcnow(), error="HTTP 502")
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
    fa, fb = (store.feed("https://a.example/rss"), store.feed("https://b.example/rss"))
    assert fa and fb
    first = store.save_article(article(), [wm("officials", "putin")], feed_id=fa.id, entry_key="k1")
    again = store.save_article(article(), [wm("officials", "putin")], feed_id=fb.id, entry_key="k2")
    assert first.created and not again.created
    assert first.article_id == again.article_id
    assert len(first.new_hits) == 1 and again.new_hits == ()
    assert len(store.hits()) == 1
    assert store.fresh_entries(fa.id, [("k1", "x"), ("k3", "x")]) == {"k3": False}
    assert store.fresh_entries(fb.id, [("k2", "x")]) == {}
    # an edited article hits only for what it newly matches
    edited = store.save_article(
        article(text_="Putin and Lavrov spoke.", h="h2"),
        [wm("officials", "putin", "lavrov"), wm("karabakh", "k")],
    )
    assert len(edited.new_hits) == 1
    assert store.article_text("https://news.example/a") == ("Title", "Putin and Lavrov spoke.")
    [view] = store.hits(watchlists=["officials"])
    assert view.snippets[0].highlights == ((0, 5),) and view.story


def test_concurrent_saves_store_one_article(store: Store) -> None:
    results = []

    def save() -> None:
        results.append(store.save_article(article(), [wm("officials", "putin")]))

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
        store.save_article(
            article(f"https://n.example/{i}", h=str(i)), [wm("officials", "putin")]
        ).new_hits[0]
        for i in range(3)
    ]
    pending = store.undelivered_hits("desk", None, utcnow() - timedelta(days=1))
    assert sorted(h.hit_id for h in pending) == sorted(ids)
    made = store.create_digest(
        "desk", ids, [("k1", "mailto://…"), ("k2", "json://…")], None, utcnow()
    )
    assert made is not None
    _, claimed = made
    assert sorted(claimed) == sorted(ids)
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
    assert store.delivery_counts() == {"sent": 1, "dead": 1}
    assert store.last_digest_end("desk") is not None


def test_reopening_keeps_data(db_url: str) -> None:
    s1 = open_store(db_url)
    s1.save_article(article(), [wm("officials", "putin")])
    s1.engine.dispose()
    s2 = open_store(db_url)
    assert len(s2.hits()) == 1
    with s2.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM article")).scalar() == 1
    s2.engine.dispose()
