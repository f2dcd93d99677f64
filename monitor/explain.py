"""`monitor match`: load a file or URL and explain what matched and why."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from monitor.config import Settings
from monitor.errors import MonitorError
from monitor.extract import extract_page
from monitor.types import FetchResult, Snippet, WatchlistMatch
from monitor.watchlists import Watchlist


def load_target(target: str, settings: Settings | None) -> tuple[str, str, str]:
    """(title, text, where) of an HTML/text file or an http(s) URL."""
    if target.startswith(("http://", "https://")):
        from monitor.app import fetch_policy
        from monitor.fetch.client import Fetcher, FetchPolicy

        policy = fetch_policy(settings) if settings else FetchPolicy()

        async def get() -> FetchResult:
            async with Fetcher(policy) as f:
                r = await f.get(target)
            assert isinstance(r, FetchResult)
            return r

        res = asyncio.run(get())
        page = extract_page(res.body, res.url, res.content_type)
        return page.title or "", page.text, target
    path = Path(target)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise MonitorError(f"{target}: cannot read: {exc.strerror}") from exc
    head = body[:2048].lower()
    if (
        path.suffix.lower() in (".html", ".htm", ".xhtml")
        or b"<html" in head
        or b"<!doctype" in head
    ):
        page = extract_page(body, path.resolve().as_uri())
        return page.title or "", page.text, target
    return "", body.decode("utf-8", errors="replace"), target


def _hl(sn: Snippet, color: bool) -> str:
    start, end = ("\x1b[1;33m", "\x1b[0m") if color else ("[", "]")
    out, pos = [], 0
    for a, b in sn.highlights:
        out += [sn.text[pos:a], start, sn.text[a:b], end]
        pos = b
    out.append(sn.text[pos:])
    return " ".join("".join(out).split())


def describe_match(
    where: str,
    title: str,
    text: str,
    matches: Sequence[WatchlistMatch],
    lists: Sequence[Watchlist],
    color: bool = False,
) -> str:
    lines = [f"{where}: {title or '(no title)'!s} — {len(text)} characters of article text"]
    by_name = {w.name: w for w in lists}
    for m in matches:
        wl = by_name[m.watchlist]
        rule = f" (rule: {' '.join(wl.rule_text.split())})" if wl.rule_text else ""
        lines.append(f"  MATCH {m.watchlist}{rule}")
        lines.append("    entities: " + ", ".join(f"{e} ({wl.label(e)})" for e in m.entities))
        for ev in m.evidence:
            typo = " (one typo)" if ev.fuzzy else ""
            lines.append(f"    {ev.entity}: alias {ev.alias!r} found as {ev.found!r}{typo}")
        for sn in m.snippets:
            lines.append(f"    {', '.join(sn.entities)}: {_hl(sn, color)}")
    missed = [w.name for w in lists if w.name not in {m.watchlist for m in matches}]
    if missed:
        lines.append(f"  no match: {', '.join(missed)}")
    return "\n".join(lines)
