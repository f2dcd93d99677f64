"""The store on SQLite and on PostgreSQL: every test runs on both."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import inspect, text

from monitor.clock import utcnow
from monitor.store import Store, open_store
from monitor.store.db import current_revision, make_engine, upgrade
from monitor.types import Article, DueFeed, FeedSource, PollState, Snippet, WatchlistMatch
from tests.support.clock import Clock
from tests.support.store import article_text, delivery_counts, feed, record_poll, save_article
from tests.support.threads import at_once


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
    assert current_revision(engine) == "0014"
    names = set(inspect(engine).get_table_names())
    assert {"feed", "article", "feed_entry", "hit", "digest", "digest_item", "delivery"} <= names
    assert "page_claim" in names
    assert "story_band" not in names  # the story index is built in memory from article rows
    if engine.dialect.name == "sqlite":
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_the_tables_are_what_the_migrations_make(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import monitor.store.tables  # noqa: F401  (registers the tables)

    def ours(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        # Full-text search is made by migration 0006 in each database's own terms (an
        # FTS5 virtual table and its shadow tables; a GIN expression index): no table
        # class describes it, nor PostgreSQL's generated search_lead (migration 0010).
        # tests/test_retention.py and test_web.py search through it.
        return not (name or "").startswith(("article_fts", "ix_article_search", "search_lead"))

    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as c:
        context = MigrationContext.configure(c, opts={"include_object": ours})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_feeds_sync_and_poll_state(store: Store) -> None:
    store.sync_feeds(
        [
            FeedSource("https://a.example/rss", "A", 300),
            FeedSource("https://b.example/rss", None, 60),
        ]
    )
    due = store.claim_feeds("d1", LEASE)
    assert {d.source.url for d in due} == {"https://a.example/rss", "https://b.example/rss"}
    a = next(d for d in due if d.source.name == "A")
    assert a.lease == "d1" and store.claim_feeds("d2", LEASE) == []  # held by d1
    record_poll(
        store,
        a.id,
        ok=True,
        next_poll_at=utcnow() + timedelta(seconds=300),
        state=PollState('"e1"', "Mon"),
        new_items=3,
        lease="d1",
    )
    store.release_leases("d1")
    assert {d.source.url for d in store.claim_feeds("d2", LEASE)} == {"https://b.example/rss"}
    store.release_leases("d2")
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
    assert {d.source.url for d in store.claim_feeds("d1", LEASE)} == {"https://b.example/rss"}


LEASE = timedelta(minutes=5)


def test_daemons_claiming_at_once_never_get_the_same_feed(db_url: str) -> None:
    stores = [open_store(db_url) for _ in range(4)]
    stores[0].sync_feeds([FeedSource(f"https://f{i}.example/", None, 60) for i in range(200)])

    def claim(i: int) -> list[int]:
        ids: list[int] = []
        while batch := stores[i].claim_feeds(f"d{i}", LEASE, limit=7):
            ids += [f.id for f in batch]
            # as a daemon polls what it took before it claims again: on a loaded machine
            # one thread's tight loop could otherwise take every batch before the others run
            time.sleep(0.01)
        return ids

    got = at_once(claim, len(stores))
    claimed = [i for ids in got for i in ids]
    assert len(claimed) == len(set(claimed)) == 200  # every feed once, to one daemon
    assert sum(1 for ids in got if ids) >= 2  # the work was shared
    for s in stores:
        s.engine.dispose()


def test_a_lease_expires_and_a_late_result_is_fenced_off(db_url: str) -> None:
    clock = Clock()
    store = open_store(db_url, clock=clock)
    store.sync_feeds([FeedSource("https://a.example/rss", None, 60)])
    [a] = store.claim_feeds("dead", LEASE)
    assert store.claim_feeds("alive", LEASE) == []
    clock.now += LEASE + timedelta(seconds=1)  # "dead" never came back
    [b] = store.claim_feeds("alive", LEASE)
    assert b.id == a.id and b.lease == "alive"
    # the first daemon's result, come too late, changes nothing ...
    record_poll(store, a.id, ok=False, next_poll_at=clock.now, error="late", lease="dead")
    assert store.feed_statuses()[0].error_count == 0
    # ... the holder's is written, and ends its lease
    record_poll(store, b.id, ok=True, next_poll_at=clock.now, lease="alive")
    status = store.feed_statuses()[0]
    assert status.last_success_at is not None and status.error_count == 0
    assert [f.lease for f in store.claim_feeds("other", LEASE)] == ["other"]
    store.engine.dispose()


def test_leases_are_renewed_while_polling_and_given_back_at_stop(db_url: str) -> None:
    clock = Clock()
    store = open_store(db_url, clock=clock)
    store.sync_feeds([FeedSource(f"https://f{i}.example/", None, 60) for i in range(3)])
    mine = store.claim_feeds("me", LEASE)
    clock.now += LEASE * 0.8
    assert store.renew_leases("me", [f.id for f in mine[:2]], LEASE) == 2
    assert store.renew_leases("you", [f.id for f in mine], LEASE) == 0  # not yours
    clock.now += LEASE * 0.5  # past the first lease: the renewed two are still held
    assert [f.id for f in store.claim_feeds("you", LEASE)] == [mine[2].id]
    assert store.release_leases("me") == 2
    assert {f.id for f in store.claim_feeds("you", LEASE)} == {f.id for f in mine[:2]}
    store.engine.dispose()


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
    results = at_once(lambda _: save_article(store, article(), [wm("officials", "putin")]), 6)
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
    made = store.create_digest("desk", ids, [("k1", "mailto://…"), ("k2", "json://…")], utcnow())
    assert made is not None
    assert sorted(made.hit_ids) == sorted(ids) and made.subscription == "desk"
    # a second daemon trying the same hits gets nothing, and no empty digest is made
    assert store.create_digest("desk", ids, [("k1", "x")], utcnow()) is None
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


def test_what_a_gone_daemon_on_this_host_held_is_taken_back_at_once(db_url: str) -> None:
    import os
    import socket
    import subprocess
    import sys

    from monitor.store.base import owner_id

    me = owner_id()
    host = socket.gethostname()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    owners = {
        "killed": f"{host}:{dead_pid}:aaaaaa",
        "same pid, earlier": f"{host}:{os.getpid()}:bbbbbb",
        "alive": f"{host}:{os.getppid()}:cccccc",
        "elsewhere": f"other-host:{dead_pid}:dddddd",
    }
    store = open_store(db_url)
    store.sync_feeds([FeedSource(f"https://{n}.example/", None, 60) for n in range(4)])
    for owner in owners.values():
        store.claim_feeds(owner, LEASE, limit=1)
        store.claim_pages(owner, [f"https://p.example/{owner}"], LEASE)
    assert sorted(store.release_dead_here(me)) == sorted(
        [owners["killed"], owners["same pid, earlier"]]
    )
    assert set(store.lease_holders()) == {owners["alive"], owners["elsewhere"]}
    assert store.holders() == {owners["alive"], owners["elsewhere"]}
    store.engine.dispose()
