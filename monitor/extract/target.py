"""A page to explain (`monitor match`): an HTML or text file, or an http(s) URL fetched
through the guarded client, reduced to (title, text) as the daemon would see it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.errors import FetchError, MonitorError
from monitor.extract.maintext import extract_page
from monitor.fetch.aio import AioFetcher
from monitor.fetch.client import FetchPolicy
from monitor.types import FetchResult

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def load_target(target: str, policy: FetchPolicy) -> tuple[str, str]:
    """(title, text) of an HTML/text file or an http(s) URL."""
    if target.startswith(("http://", "https://")):

        async def get() -> FetchResult:
            async with AioFetcher(policy) as f:
                r = await f.get(target)
            if not isinstance(r, FetchResult):  # nothing conditional was asked
                raise FetchError(f"{target}: no content")
            return r

        res = asyncio.run(get())
        page = extract_page(res.body, res.url, res.content_type)
        return page.title or "", page.text
    path = Path(target)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise MonitorError(f"{target}: cannot read: {exc.strerror}") from exc
    head = body[:2048].lower()
    if path.suffix.lower() in HTML_SUFFIXES or b"<html" in head or b"<!doctype" in head:
        page = extract_page(body, path.resolve().as_uri())
        return page.title or "", page.text
    return "", body.decode("utf-8", errors="replace")
