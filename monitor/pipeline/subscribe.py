"""WebSub subscriptions: a poll that finds a hub in its feed asks the hub to push the
feed to this daemon's listener, and asks again before the lease ends."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import replace

import structlog

from monitor.clock import Clock
from monitor.errors import FetchError
from monitor.fetch.client import Fetching, redact
from monitor.pipeline.ports import SubscriberStore
from monitor.pipeline.websub import LEASE_S, push_action
from monitor.types import DueFeed, PushSubscription

log = structlog.get_logger()
CALLBACK_PATH = "/websub/"


class Subscriber:
    """`public_url` is read at each subscription (an edited monitor.yaml applies at
    once); None: no subscriptions. `plain_http`: hubs on http:// are asked too (tests
    on 127.0.0.1); otherwise only https ones, as the secret travels in the request."""

    def __init__(
        self,
        store: SubscriberStore,
        fetcher: Fetching,
        public_url: Callable[[], str | None],
        clock: Clock,
        plain_http: bool = False,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.public_url = public_url
        self.clock = clock
        self.plain_http = plain_http

    def callback(self, public: str, token: str) -> str:
        return f"{public.rstrip('/')}{CALLBACK_PATH}{token}"

    async def consider(
        self, feed: DueFeed, hub: str | None, topic: str | None
    ) -> PushSubscription | None:
        """The feed's subscription after asking the hub, if it had to be asked."""
        sub = await asyncio.to_thread(self.store.push_subscription, feed.id)
        public = self.public_url()
        if hub is None or public is None:  # no hub (any more): pushes end with the lease
            return sub
        if not (hub.lower().startswith("https://") or self.plain_http):
            return sub
        topic = topic or feed.source.url
        now = self.clock()
        action = push_action(sub, hub, topic, now, feed.source.interval_s)
        if action is None:
            return sub
        same = sub is not None and sub.hub == hub and sub.topic == topic
        asked = PushSubscription(
            feed.id,
            hub,
            topic,
            # A renewal keeps the secret and the callback: pushes signed meanwhile verify.
            sub.secret if same and sub else secrets.token_urlsafe(32),
            sub.token if same and sub else secrets.token_urlsafe(24),
            "requested",
            now,
        )
        await asyncio.to_thread(self.store.request_push, asked)
        form = {
            "hub.mode": "subscribe",
            "hub.topic": topic,
            "hub.callback": self.callback(public, asked.token),
            "hub.secret": asked.secret,
            "hub.lease_seconds": str(LEASE_S),
        }
        try:
            await self.fetcher.post_form(hub, form)
        except FetchError as exc:
            log.warning("WebSub hub refused the subscription", hub=redact(hub), error=str(exc))
            await asyncio.to_thread(self.store.push_refused, asked.token, "failed", str(exc))
            return replace(asked, state="failed", last_error=str(exc))
        log.info(
            "asked the WebSub hub to push the feed",
            hub=redact(hub),
            feed=redact(topic),
            renewal=action == "renew",
        )
        return await asyncio.to_thread(self.store.push_subscription, feed.id)
