"""The WebSub callback, /websub/<token>: a hub's verification GET and its pushes.

The one place the listener writes: a verification or a denial is recorded on the
subscription, and a signed push is handed to the daemon, which processes it as a poll
of that feed. No access token is asked here: the hub cannot have it; the unguessable
callback token and the push's HMAC signature stand in for it.
"""

from __future__ import annotations

import asyncio

import structlog
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from monitor.fetch.client import redact
from monitor.pipeline.websub import signed, verify
from monitor.web.state import Site

log = structlog.get_logger()
PATH = "/websub/"


async def callback(site: Site, request: Request) -> Response:
    if request.method == "HEAD":  # Starlette routes HEAD with GET: neither a check nor a push
        return PlainTextResponse("", status_code=405)
    token = request.path_params["token"]
    sub = await site.db(site.store.push_subscription_by_token, token)
    if request.method == "GET":
        answer = verify(sub, dict(request.query_params))
        if answer.record == "verified":
            await site.db(site.store.push_verified, token, answer.lease_s)
            topic = redact(sub.topic if sub else "")
            log.info("WebSub hub verified the subscription", feed=topic, lease_s=answer.lease_s)
        elif answer.record == "denied":
            await site.db(site.store.push_refused, token, "denied", answer.reason)
            log.warning("WebSub hub denied the subscription", reason=answer.reason)
        return PlainTextResponse(answer.body, status_code=answer.status)
    if sub is None:
        return PlainTextResponse("no such subscription", status_code=410)  # the hub stops
    limit = site.settings().fetch.max_bytes
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            log.warning("WebSub push over the size limit ignored", feed=redact(sub.topic))
            return PlainTextResponse("too large", status_code=413)
    if not signed(sub.secret, bytes(body), request.headers.get("x-hub-signature")):
        # WebSub: a push that fails the signature is ignored, yet answered with a 2xx,
        # so that whoever sent it learns nothing.
        log.warning("WebSub push without a valid signature ignored", feed=redact(sub.topic))
        site.metrics.pushes.labels("unsigned").inc()
        return PlainTextResponse("", status_code=202)
    site.metrics.pushes.labels("accepted").inc()
    await site.db(site.store.push_received, token)
    if site.on_push is not None:
        task: asyncio.Task[object] = asyncio.create_task(
            site.on_push(sub.feed_id, bytes(body), request.headers.get("content-type"))
        )
        site.tasks.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(site.tasks.discard)
    return PlainTextResponse("", status_code=202)
