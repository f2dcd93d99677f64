"""Fencing: a daemon cut off while it held a feed comes back after its lease passed to
another; what it held when cut off (the poll's articles, the poll itself) is refused, in
the same transaction that would have written it. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from monitor.errors import LeaseLost
from monitor.identity.fingerprint import content_hash
from monitor.store import Store, open_store
from monitor.types import Article, FeedBatch, FeedSource, NewEntry, PollRecord
from tests.support.clock import Clock

LEASE = timedelta(minutes=2)
T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def entry(i: int) -> NewEntry:
    url = f"https://a.example/{i}"
    a = Article(url, url, f"T{i}", f"Text {i}.", "A", None, None, "en", "page",
                content_hash(f"T{i}", f"Text {i}."))  # fmt: skip
    return NewEntry(a, (), key=f"k{i}")


@pytest.fixture
def two(db_url: str) -> tuple[Store, Store, Clock]:
    clock = Clock()
    clock.now = T0
    a, b = open_store(db_url, clock=clock), open_store(db_url, clock=clock)
    a.sync_feeds([FeedSource("https://a.example/feed", "A", 900)])
    return a, b, clock


def articles(store: Store) -> int:
    with store.engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM article")).scalar() or 0)


def test_a_lease_lost_while_cut_off_refuses_the_articles_and_the_poll(
    two: tuple[Store, Store, Clock],
) -> None:
    a, b, clock = two
    [held] = a.claim_feeds("daemon-a", LEASE)
    clock.now += LEASE + timedelta(seconds=1)  # a is cut off past its lease
    [taken] = b.claim_feeds("daemon-b", LEASE)
    assert taken.id == held.id and taken.lease == "daemon-b"
    # a comes back with what it held: refused, nothing of it stored
    [result] = a.save_feeds([FeedBatch(held.id, [entry(1), entry(2)], held.lease)])
    assert isinstance(result, LeaseLost) and a.fenced == 1 and articles(a) == 0
    a.record_polls([PollRecord(held.id, True, clock.now + LEASE, None, None, 2, held.lease)])
    assert a.fenced == 2  # the articles, then the poll
    [status] = b.feed_statuses()
    assert status.last_success_at is None and status.held_by == "daemon-b"
    # b's own poll goes through
    [mine] = b.save_feeds([FeedBatch(taken.id, [entry(1)], taken.lease)])
    assert isinstance(mine, list) and articles(b) == 1
    # in one transaction with another feed's: only the lost one is refused
    a.sync_feeds([FeedSource("https://a.example/feed", "A", 900),
                  FeedSource("https://c.example/feed", "C", 900)])  # fmt: skip
    [other] = a.claim_feeds("daemon-a", LEASE)
    lost, kept = a.save_feeds(
        [FeedBatch(held.id, [entry(3)], "daemon-a"), FeedBatch(other.id, [entry(4)], "daemon-a")]
    )
    assert isinstance(lost, LeaseLost) and isinstance(kept, list) and articles(a) == 2
    a.engine.dispose()
    b.engine.dispose()


def test_a_lease_expired_but_not_taken_is_still_its_own(two: tuple[Store, Store, Clock]) -> None:
    """Nobody took it meanwhile: no other writer, so the write stands."""
    a, _, clock = two
    [held] = a.claim_feeds("daemon-a", LEASE)
    clock.now += LEASE * 3
    [result] = a.save_feeds([FeedBatch(held.id, [entry(1)], held.lease)])
    assert isinstance(result, list) and a.fenced == 0
    a.engine.dispose()


def test_no_claim_moves_a_feed_while_its_articles_are_being_stored(pg_url: str) -> None:
    """PostgreSQL: the storing transaction locks the feed's row, so a claim made while it
    runs skips the feed, and gets it only once the transaction has ended."""
    clock = Clock()
    clock.now = T0
    a, b = open_store(pg_url, clock=clock), open_store(pg_url, clock=clock)
    a.sync_feeds([FeedSource("https://a.example/feed", "A", 900)])
    [held] = a.claim_feeds("daemon-a", LEASE)
    clock.now += LEASE * 2
    with a.engine.begin() as c:  # a's storing transaction, as _leases_held takes it
        c.execute(text("SELECT id FROM feed WHERE id = :i FOR UPDATE"), {"i": held.id})
        assert b.claim_feeds("daemon-b", LEASE) == []
    assert [f.id for f in b.claim_feeds("daemon-b", LEASE)] == [held.id]
    a.engine.dispose()
    b.engine.dispose()


def test_a_delivery_whose_claim_passed_is_not_sent(db_url: str) -> None:
    from tests.test_outbox import some_hits

    clock = Clock()
    clock.now = T0
    store = open_store(db_url, clock=clock)
    assert store.create_digest("desk", some_hits(store, 1), [("k", "dest")], T0)
    [mine] = store.claim_deliveries("daemon-a", LEASE, "desk")
    assert store.still_claimed(mine.id, mine.claim)
    clock.now += LEASE + timedelta(seconds=1)  # a was away past its claim ...
    assert not store.still_claimed(mine.id, mine.claim)  # ... expired: not a's to send
    [theirs] = store.claim_deliveries("daemon-b", LEASE, "desk")
    assert theirs.id == mine.id and not store.still_claimed(mine.id, mine.claim)
    assert store.still_claimed(theirs.id, theirs.claim)
    store.engine.dispose()


@pytest.mark.slow
def test_a_hundred_thousand_feeds_sync_and_claim(pg_url: str) -> None:
    """More feeds than a statement takes parameters (65,535): written in batches; the
    claim takes the most overdue first, new feeds due at once."""
    clock = Clock()
    clock.now = T0
    store = open_store(pg_url, clock=clock)
    many = [FeedSource(f"https://h{i % 500}.example/{i}", None, 900) for i in range(70_000)]
    store.sync_feeds(many)
    store.sync_feeds(many[1:])  # one removed, none changed
    with store.engine.connect() as c:
        active = c.execute(text("SELECT count(*) FROM feed WHERE active")).scalar()
        undated = c.execute(text("SELECT count(*) FROM feed WHERE next_poll_at IS NULL")).scalar()
    assert (active, undated) == (69_999, 0)
    got = store.claim_feeds("daemon-a", LEASE, 64)
    assert len(got) == 64 and all(f.source.url != many[0].url for f in got)
    store.engine.dispose()


def test_a_renewal_passes_over_a_feed_whose_row_a_writer_holds(pg_url: str) -> None:
    """Renewing leases waited for rows another transaction held, while that one could
    wait for rows the renewal held: a deadlock (seen with 2 daemons at 100k feeds). A
    renewal now renews what is free and passes over the rest."""
    import threading

    store = open_store(pg_url)
    store.sync_feeds([FeedSource(f"https://a.example/{i}", "A", 900) for i in range(2)])
    claimed = store.claim_feeds("me", LEASE, due=False)
    ids = [f.id for f in claimed]
    renewed: list[int] = []
    with store.engine.connect() as holder:
        holder.execute(text("SELECT id FROM feed WHERE id = :i FOR UPDATE"), {"i": ids[0]})
        t = threading.Thread(target=lambda: renewed.append(store.renew_leases("me", ids, LEASE)))
        t.start()
        t.join(60)  # a renewal that waits for the held row waits until the holder ends
        held_meanwhile = not renewed
        holder.rollback()
    t.join(60)
    store.engine.dispose()
    assert not held_meanwhile and renewed == [1]
