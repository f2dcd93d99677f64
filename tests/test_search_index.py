"""PostgreSQL indexes articles for search after storing them (migration 0014): the
storing transaction leaves them out of the index, the indexer puts them in, and a
search is never behind what was stored before it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from monitor.search.service import search
from monitor.store import Store, open_store
from monitor.store import search as store_search
from monitor.types import NewEntry
from tests.support.store import save_articles
from tests.test_search import WATCHLISTS, article


@pytest.fixture
def pg(pg_url: str) -> Iterator[Store]:
    store = open_store(pg_url)
    yield store
    store.engine.dispose()


def links(store: Store, q: str) -> set[str]:
    return {r.best.link.rsplit("/", 1)[1] for r in search(store, WATCHLISTS, q).results}


def unsearchable(store: Store) -> set[int]:
    with store.engine.connect() as c:
        return {
            int(i) for i in c.execute(text("SELECT id FROM article WHERE NOT searchable")).scalars()
        }


def store_one(store: Store, slug: str, title: str, body: str) -> int:
    [saved] = save_articles(store, [NewEntry(article(slug, title, body, "en", 1), ())])
    return saved.article_id


def test_an_article_is_stored_outside_the_index_and_indexed_after(pg: Store) -> None:
    aid = store_one(pg, "en-a", "Border talks", "Envoys met at the frontier checkpoint today.")
    assert unsearchable(pg) == {aid} and pg.search_backlog() == 1
    assert pg.index_search() == 1
    assert unsearchable(pg) == set() and pg.search_backlog() == 0
    with pg.engine.connect() as c:
        lead = c.execute(text("SELECT search_lead FROM article WHERE id = :i"), {"i": aid})
        assert "'border':1A" in str(lead.scalar())  # the title, weighted A, for ranking
    assert pg.index_search() == 0  # nothing left: nothing done


def test_a_search_finds_what_was_stored_before_it_without_the_daemon(pg: Store) -> None:
    store_one(pg, "en-b", "Checkpoint", "Observers counted the convoys at the checkpoint.")
    assert links(pg, "convoys") == {"en-b"}
    assert pg.search_backlog() == 0


def test_an_edit_leaves_the_index_until_its_new_words_are_in(pg: Store) -> None:
    store_one(pg, "en-c", "Railway", "The railway to the border reopened after years.")
    pg.index_search()
    store_one(pg, "en-c", "Railway", "The motorway to the border reopened after years.")
    assert pg.search_backlog() == 1
    assert links(pg, "motorway") == {"en-c"}
    assert links(pg, "railway") == {"en-c"}  # still in the title
    assert links(pg, "reopened AND NOT motorway") == set()


def test_batches_take_turns_and_stop_at_the_last(pg: Store) -> None:
    for i in range(7):
        store_one(pg, f"en-{i}", f"Headline {i}", f"Statement number {i} on the ceasefire.")
    assert pg.index_search(batch=3, batches=2) == 6
    assert pg.search_backlog() == 1
    assert pg.index_search(batch=3) == 1


def test_searches_read_the_partial_index(pg: Store) -> None:
    """The index holds searchable articles only: a search must say so to be planned on
    it, or PostgreSQL would make every row's vector."""
    store_one(pg, "en-d", "Summit", "Leaders gathered for the summit in the capital.")
    pg.index_search()
    sql = f"SELECT a.id FROM article a WHERE a.searchable AND {store_search._PG_VECTOR} @@ 'summit'"
    with pg.engine.connect() as c:
        c.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in c.execute(text("EXPLAIN " + sql)))
    assert "ix_article_search" in plan


def test_sqlite_indexes_in_the_storing_transaction(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        store_one(store, "en-e", "Talks", "Negotiators resumed the talks on Monday.")
        assert unsearchable(store) == set()
        assert store.index_search() == 0 and store.search_backlog() == 0
        assert links(store, "negotiators") == {"en-e"}
    finally:
        store.engine.dispose()
