"""Digests too long for their channel: split on item boundaries into numbered parts,
each delivered and retried on its own; email keeps one message."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from monitor.config.settings import Settings, Subscription
from monitor.digest.build import build_digest
from monitor.digest.deliver import body_limit, destinations
from monitor.digest.render import render
from monitor.digest.service import DigestService, SendReport
from monitor.digest.split import split_digest
from monitor.store import Store
from monitor.types import Article, Digest, NewEntry, Snippet, WatchlistMatch
from tests.support.slack import URL as SLACK
from tests.support.slack import slack_webhook
from tests.support.store import save_articles
from tests.test_digest import LABELS, NOW, hit

LONG = "The CSTO met in Yerevan. " + "Officials spoke at length about the alliance. " * 12


def big_digest(n: int) -> Digest:
    hits = [hit(i, story=f"s{i}", title=f"Story {i}", snippet=LONG) for i in range(1, n + 1)]
    hits += [hit(1000 + i, story=f"k{i}", watchlist="karabakh", snippet=LONG) for i in range(5)]
    return build_digest("desk", hits, LABELS, None, NOW)


def stories(parts: list[Digest]) -> list[str]:
    return [it.hit.story for p in parts for g in p.groups for it in g.items]


def test_parts_hold_whole_items_in_order_and_each_fits() -> None:
    d = big_digest(40)
    limit = 8000

    def fits(x: Digest) -> bool:
        return len(render(x, "UTC", "text").body) <= limit

    parts = split_digest(d, fits)
    assert len(parts) > 2
    assert stories(parts) == stories([d])  # every item once, in the digest's order
    assert all(fits(p) for p in parts)
    assert split_digest(d, lambda _: True) == [d]  # short enough: untouched
    one_each = split_digest(d, lambda x: sum(len(g.items) for g in x.groups) <= 1)
    assert len(one_each) == d.count  # nothing fits two: one item a part, none dropped


def test_subjects_number_the_parts() -> None:
    d = big_digest(3)
    assert render(d, "UTC", part=(2, 3, 8)).subject.endswith("(part 2/3)")
    assert "8 new stories" in render(d, "UTC", part=(2, 3, 8)).subject


def test_email_is_never_split_and_slack_is() -> None:
    [email] = destinations(["mailto://u:p@example.org?to=d@example.org"], Path("/x"))
    [slack] = destinations([SLACK], Path("/x"))
    assert body_limit(email) is None
    assert body_limit(slack) == 35000


def test_a_long_slack_digest_arrives_in_parts_each_retried_on_its_own(store: Store) -> None:
    sub = Subscription(name="desk", notify=[SLACK], schedule="immediate")
    match = WatchlistMatch("csto", ("csto",), (Snippet(LONG, ((4, 8),), ("csto",)),))
    save_articles(store, [NewEntry(article(i), (match,)) for i in range(120)])
    service = DigestService(store, Settings(subscriptions=[sub]), lambda: LABELS)
    assert service.create(sub, store.clock()) is not None
    with slack_webhook() as receiver:
        receiver.fail_after = 1  # the first part gets in, then the service is down
        first = SendReport()
        service.deliver(sub, first, retry_now=True)
        assert (first.sent, first.failed, len(receiver.bodies)) == (0, 1, 1)
        receiver.fail_after = None
        second = SendReport()
        service.deliver(sub, second, retry_now=True)
        assert (second.sent, second.failed) == (1, 0)
        posts, headers = list(receiver.bodies), list(receiver.headers)
    attachments = [p["attachments"][0] for p in posts]  # type: ignore[index]
    texts = [str(a["text"]) for a in attachments]
    titles = [str(a["title"]) for a in attachments]
    n = len(posts)
    assert n >= 3 and all(len(t) <= 35000 for t in texts)
    # Numbered, and the first not sent again by the retry.
    assert [t.rsplit("(part ", 1)[1] for t in titles] == [f"{i}/{n})" for i in range(1, n + 1)]
    shown = "".join(texts)
    for i in range(120):
        assert shown.count(f"|Story {i}>") == 1, i  # every story once: none lost, none twice
    assert len(headers) == n


def article(i: int) -> Article:
    return Article(
        url=f"https://n.example/{i}",
        link=f"https://n.example/{i}",
        title=f"Story {i}",
        text=" ".join(hashlib.md5(f"{i} {k}".encode()).hexdigest()[:8] for k in range(80)),
        outlet="Wire",
        author=None,
        published=NOW - timedelta(minutes=i),
        language="en",
        source="page",
        content_hash=hashlib.sha256(f"story {i}".encode()).hexdigest(),
    )
