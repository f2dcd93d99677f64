"""WebSub: the decisions as tables, then a daemon subscribing at a local hub, verified,
taking a signed push at once, and ignoring forged ones."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.app import App
from monitor.config.settings import load_settings
from monitor.daemon import Daemon
from monitor.pipeline.websub import (
    LEASE_S,
    RETRY_REFUSED,
    SAFETY_POLL_S,
    VERIFY_WAIT,
    poll_interval,
    push_action,
    signed,
    verify,
)
from monitor.store import Store
from monitor.types import PushSubscription
from monitor.watchlists.load import BUNDLED
from tests.support.hub import Hub, atom
from tests.support.net import WebhookReceiver, free_port

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
HUB, TOPIC = "https://hub.example/", "https://news.example/feed.xml"


def sub(state: str, asked: timedelta, lease: timedelta | None = None) -> PushSubscription:
    until = NOW + lease if lease is not None else None
    return PushSubscription(1, HUB, TOPIC, "s3cret", "tok", state, NOW - asked, until)


@pytest.mark.parametrize(
    ("subscription", "hub", "topic", "action"),
    [
        (None, HUB, TOPIC, "subscribe"),
        (sub("active", timedelta(days=1), timedelta(days=6)), HUB, TOPIC, None),
        (sub("active", timedelta(days=1), timedelta(days=6)), "https://other/", TOPIC, "subscribe"),
        (sub("active", timedelta(days=1), timedelta(days=6)), HUB, "https://x/f", "subscribe"),
        # the lease ends within two polls (or a tenth of it): renewed
        (sub("active", timedelta(days=7), timedelta(minutes=20)), HUB, TOPIC, "renew"),
        (sub("active", timedelta(days=6), timedelta(hours=12)), HUB, TOPIC, "renew"),
        (sub("active", timedelta(days=1), None), HUB, TOPIC, None),
        # a renewal asked for a minute ago: its verification may still come
        (sub("active", timedelta(minutes=1), timedelta(minutes=5)), HUB, TOPIC, None),
        (sub("active", timedelta(seconds=LEASE_S), None), HUB, TOPIC, "renew"),
        (sub("requested", VERIFY_WAIT / 2), HUB, TOPIC, None),  # its verification may come
        (sub("requested", VERIFY_WAIT), HUB, TOPIC, "subscribe"),
        (sub("denied", RETRY_REFUSED / 2), HUB, TOPIC, None),
        (sub("failed", RETRY_REFUSED), HUB, TOPIC, "subscribe"),
    ],
)
def test_when_a_poll_asks_the_hub(
    subscription: PushSubscription | None, hub: str, topic: str, action: str | None
) -> None:
    assert push_action(subscription, hub, topic, NOW, 900) == action


@pytest.mark.parametrize(
    ("subscription", "interval", "expected"),
    [
        (None, 900, 900),
        (sub("requested", timedelta(0)), 900, 900),
        (sub("active", timedelta(0), timedelta(days=7)), 900, SAFETY_POLL_S),
        (sub("active", timedelta(0), timedelta(days=7)), 7200, 7200),  # its own is longer
        (sub("active", timedelta(0), timedelta(minutes=30)), 300, 600),  # renewed in time
        (sub("active", timedelta(0), timedelta(minutes=-1)), 900, 900),  # the lease is over
    ],
)
def test_a_pushed_feed_is_polled_less_often(
    subscription: PushSubscription | None, interval: int, expected: int
) -> None:
    assert poll_interval(interval, subscription, NOW) == expected


def test_a_push_is_signed_with_the_secret() -> None:
    body = b"<feed/>"
    mac = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signed("s3cret", body, f"sha256={mac}")
    assert signed("s3cret", body, f"SHA256={mac.upper()}")
    sha1 = hmac.new(b"s3cret", body, hashlib.sha1).hexdigest()
    assert signed("s3cret", body, f"sha1={sha1}")
    assert not signed("s3cret", body + b" ", f"sha256={mac}")  # another body
    assert not signed("other", body, f"sha256={mac}")
    assert not signed("s3cret", body, None)
    assert not signed("s3cret", body, mac)  # no method
    assert not signed("s3cret", body, f"md5={mac}")
    assert not signed("s3cret", body, "sha256=é" + mac[1:])  # not ASCII: refused, not raised


def test_a_hub_verification_is_answered_only_for_what_was_asked() -> None:
    asked = sub("requested", timedelta(0))
    ok = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c1",
          "hub.lease_seconds": "3600"}  # fmt: skip
    v = verify(asked, ok)
    assert (v.status, v.body, v.record, v.lease_s) == (200, "c1", "verified", 3600)
    assert verify(None, ok).status == 404
    assert verify(asked, {**ok, "hub.topic": "https://evil/"}).status == 404
    assert verify(asked, {**ok, "hub.mode": "unsubscribe"}).status == 404  # never asked
    assert verify(asked, {**ok, "hub.challenge": ""}).status == 400
    assert verify(asked, {**ok, "hub.lease_seconds": "²"}).lease_s is None
    assert verify(asked, {**ok, "hub.lease_seconds": "9" * 40}).lease_s == 365 * 86400
    assert verify(sub("denied", timedelta(0)), ok).status == 404
    denied = verify(asked, {"hub.mode": "denied", "hub.topic": TOPIC, "hub.reason": "no"})
    assert (denied.record, denied.reason) == ("denied", "no")


TOKEN = "a-long-page-token"


def get(url: str, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def post(url: str, body: bytes) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, method="POST")) as r:
            return r.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def forged(hub: Hub) -> bytes:
    return atom(hub.base, [("forged", "CSTO dissolved, says forged push", "Forged text.")])


def test_a_daemon_subscribes_takes_signed_pushes_at_once_and_ignores_forged_ones(
    tmp_path: Path, sqlite_url: str, webhook: WebhookReceiver
) -> None:
    hub = Hub()
    hub.entries = [("old", "Weather in Yerevan", "Sunny and mild.")]
    port = free_port()
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: {sqlite_url}\nwatchlists: {BUNDLED}\n"
        "fetch:\n  allow_private_networks: true\n  max_bytes: 100KB\n"
        f"http:\n  listen: 127.0.0.1:{port}\n  public_url: http://127.0.0.1:{port}\n"
        f"  token: {TOKEN}\n"
        f"feeds:\n  - url: {hub.feed_url}\n    pages: false\n"
        "subscriptions:\n  - name: desk\n    schedule: immediate\n"
        f'    notify: ["{webhook.url()}"]\n'
    )
    app = App(load_settings(cfg))
    daemon = Daemon(app)
    pushes: dict[str, list[int]] = {}
    seen: dict[str, tuple[int, str]] = {}

    async def story() -> None:
        while not hub.verified.is_set():
            await asyncio.sleep(0.1)
        sub = app.store.push_subscription(1)
        assert sub is not None and sub.state == "active" and sub.lease_until is not None
        pushes["none"] = await asyncio.to_thread(hub.push, forged(hub), None)
        pushes["wrong"] = await asyncio.to_thread(hub.push, forged(hub), "wrong")
        entry = ("csto-1", "CSTO summit opens in Minsk", "The CSTO met in Minsk on Friday.")
        pushes["good"] = await asyncio.to_thread(hub.publish, entry)
        while not webhook.bodies:
            await asyncio.sleep(0.1)
        seen["page"] = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/feeds", TOKEN)
        seen["no token"] = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/feeds", None)
        callback = hub.subscribers[0].callback
        seen["too big"] = await asyncio.to_thread(post, callback, b"<feed>" + b" " * 200_000)
        daemon.stop()

    async def go() -> None:
        await asyncio.wait_for(asyncio.gather(daemon.run(), story()), 120)

    try:
        asyncio.run(go())
    finally:
        hub.close()
    form = hub.requests[0]
    assert form["hub.mode"] == "subscribe" and form["hub.topic"] == hub.feed_url
    assert form["hub.callback"].startswith(f"http://127.0.0.1:{port}/websub/")
    assert len(form["hub.secret"]) >= 32
    # Forged pushes are answered like any other (the forger learns nothing), and dropped.
    assert pushes == {"none": [202], "wrong": [202], "good": [202]}
    assert app.metrics.pushes.labels("unsigned")._value.get() == 2
    assert app.metrics.pushes.labels("accepted")._value.get() == 1
    titles = {h.title for h in app.store.hits()}
    assert titles == {"CSTO summit opens in Minsk"}
    assert "forged" not in str(webhook.bodies)
    assert len(webhook.bodies) == 1
    # The callback needs no token (a hub cannot hold it); the pages still do.
    assert seen["no token"][0] == 401
    assert seen["page"][0] == 200 and "pushed by its WebSub hub" in seen["page"][1]
    assert seen["too big"][0] == 413
    # Pushed, the feed is polled only as a safety net now.
    status = app.store.feed_statuses()[0]
    assert status.pushed_until is not None
    assert status.next_poll_at is not None
    assert status.next_poll_at - datetime.now(UTC) > timedelta(seconds=SAFETY_POLL_S * 0.5)
    app.store.engine.dispose()


def test_a_removed_feeds_hub_is_told_it_is_gone(sqlite_store: Store) -> None:
    from monitor.types import FeedSource

    sqlite_store.sync_feeds([FeedSource(TOPIC, None, 900)])
    [due] = sqlite_store.active_feeds()
    sqlite_store.request_push(PushSubscription(due.id, HUB, TOPIC, "s", "tok1", "requested", NOW))
    assert sqlite_store.push_subscription_by_token("tok1") is not None
    sqlite_store.push_verified("tok1", 3600)
    assert sqlite_store.push_subscription(due.id).state == "active"  # type: ignore[union-attr]
    sqlite_store.sync_feeds([])  # the feed is taken out of monitor.yaml
    assert sqlite_store.push_subscription_by_token("tok1") is None


def test_a_pushed_feed_that_answers_304_stays_on_the_safety_net_interval(
    sqlite_store: Store,
) -> None:
    from monitor.fetch.client import Fetcher, FetchPolicy
    from monitor.match.matcher import Matcher
    from monitor.pipeline.refresh import Pipeline
    from monitor.pipeline.subscribe import Subscriber
    from monitor.types import FeedSource
    from tests.support.httpd import Reply, ScriptedServer
    from tests.support.store import feed

    with ScriptedServer(lambda path, headers: Reply(304)) as srv:
        url = srv.base + "/feed.xml"
        sqlite_store.sync_feeds([FeedSource(url, None, 300)])
        due = feed(sqlite_store, url)
        now = sqlite_store.clock()
        sqlite_store.request_push(PushSubscription(due.id, HUB, url, "s", "tok", "requested", now))
        sqlite_store.push_verified("tok", LEASE_S)

        async def go() -> str:
            async with Fetcher(FetchPolicy(timeout_s=30, allow_private_networks=True)) as f:
                sub = Subscriber(sqlite_store, f, "http://127.0.0.1:1", sqlite_store.clock)
                pipe = Pipeline(sqlite_store, f, lambda: Matcher([]), subscriber=sub)
                return (await pipe.refresh(due)).status

        assert asyncio.run(go()) == "not-modified"
    [status] = sqlite_store.feed_statuses()
    assert status.pushed_until is not None and status.next_poll_at is not None
    wait = status.next_poll_at.replace(tzinfo=UTC) - sqlite_store.clock()
    assert wait > timedelta(seconds=SAFETY_POLL_S * 0.5)  # not the feed's own 5 minutes


def test_a_renewal_keeps_the_subscription_and_a_new_hub_starts_over(sqlite_store: Store) -> None:
    from monitor.types import FeedSource

    sqlite_store.sync_feeds([FeedSource(TOPIC, None, 900)])
    [due] = sqlite_store.active_feeds()
    first = PushSubscription(due.id, HUB, TOPIC, "s", "tok1", "requested", NOW)
    sqlite_store.request_push(first)
    sqlite_store.push_verified("tok1", 3600)
    sqlite_store.request_push(replace(first, requested_at=NOW + timedelta(hours=1)))  # renewal
    renewed = sqlite_store.push_subscription(due.id)
    assert renewed is not None and renewed.state == "active" and renewed.lease_until is not None
    moved = replace(first, hub="https://hub2.example/", token="tok2", secret="s2")
    sqlite_store.request_push(moved)
    after = sqlite_store.push_subscription(due.id)
    assert after is not None and (after.state, after.lease_until, after.token) == (
        "requested",
        None,
        "tok2",
    )
    assert poll_interval(900, after, NOW) == 900  # not pushed until the new hub verifies
    sqlite_store.sync_feeds([FeedSource(TOPIC, None, 900, kind="page")])  # now another kind
    assert sqlite_store.push_subscription(due.id) is None
