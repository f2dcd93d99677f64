"""The desk's pages: stories with filters, one story, search, feed health,
subscriptions, and a box to try a text or a URL. Server-rendered, escaped, no script."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from monitor.clock import aware
from monitor.digest.channels.base import highlight_html
from monitor.errors import MonitorError
from monitor.match.explain import form_note
from monitor.views import StoryFilter, health_order, merged_snippets
from monitor.web.state import Site

PERIODS = {"1d": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}
STORIES_PER_PAGE = 30
MAX_PASTE = 200_000  # characters of a pasted text matched

_env = Environment(
    loader=PackageLoader("monitor.web", "templates"),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@pass_context
def _when(ctx: Context, value: datetime | None) -> str:
    """A time in the page's zone (`tz` of the render, else UTC)."""
    tz = ctx.get("tz") or UTC
    return aware(value).astimezone(tz).strftime("%d %b %Y %H:%M %Z") if value else ""


def _safe_url(url: str | None) -> str:
    """Only http(s) links reach an href: a feed may carry javascript: or data: links."""
    return url if url and url.lower().startswith(("http://", "https://")) else "#"


_env.filters.update(
    when=_when, safe_url=_safe_url, highlight=highlight_html, form=form_note, merged=merged_snippets
)


def _render(site: Site, name: str, status: int = 200, **ctx: Any) -> Response:
    section = {"story.html": "stories", "save.html": "search"}.get(name, name.removesuffix(".html"))
    tz = ZoneInfo(site.settings().page_timezone)
    html = _env.get_template(name).render(section=section, tz=tz, problems=site.problems(), **ctx)
    return HTMLResponse(html, status_code=status)


async def stories(site: Site, request: Request) -> Response:
    p = request.query_params
    period = p.get("period", "7d")
    now = site.store.clock()
    f = StoryFilter(
        watchlist=p.get("watchlist") or None,
        entity=p.get("entity") or None,
        outlet=p.get("outlet") or None,
        since=now - PERIODS[period] if period in PERIODS else None,
        language=p.get("language") or None,
    )
    before = p.get("before")
    found = await site.db(
        site.store.story_cards,
        f,
        STORIES_PER_PAGE,
        int(before) if before and before.isdigit() else None,
    )
    outlets = await site.cached("outlets", 60, site.store.outlets_with_hits)
    languages = await site.cached("languages", 60, site.store.languages_with_hits)
    lists = site.watch.watchlists
    more = None
    if found.next_hit is not None:
        more = "?" + urlencode({**{k: v for k, v in p.items() if v}, "before": found.next_hit})
    return _render(
        site,
        "stories.html",
        cards=found.cards,
        found=found,
        f=f,
        period=period,
        periods=[*PERIODS, "all"],
        watchlists=lists,
        entities=sorted({(e.id, e.label) for w in lists for e in w.entities}, key=lambda e: e[1]),
        outlets=outlets,
        languages=languages,
        labels=site.watch.labels(),
        more=more,
        filtered=any((f.watchlist, f.entity, f.outlet, f.language)),
    )


async def story(site: Site, request: Request) -> Response:
    page = await site.db(site.store.story_page, request.path_params["story"])
    if page is None:
        return _render(site, "missing.html", status=404, what="story")
    return _render(site, "story.html", page=page, labels=site.watch.labels())


PAGE_SIZE = 20  # stories on a page of search results
MAX_PAGES = 25  # pages at most: past that, a narrower query


async def search(site: Site, request: Request) -> Response:
    """The search page: results by story, best or newest first, counts to filter by, and
    the query as a watchlist to save."""
    from monitor.search.query import QueryError, as_yaml
    from monitor.search.service import FACETS
    from monitor.search.service import search as run
    from monitor.store.search import SearchFilter

    p = request.query_params
    q = p.get("q", "").strip()
    sort = "newest" if p.get("sort") == "newest" else "relevance"
    chosen = {k: p.get(k) or None for k in FACETS}
    number = min(int(p["page"]), MAX_PAGES) if p.get("page", "").isdigit() else 1
    number = max(number, 1)
    f = SearchFilter(**chosen)  # type: ignore[arg-type]
    page, error, yaml = None, None, ""
    if q:
        try:
            wanted = PAGE_SIZE * number  # the pages before are ranked with it
            page = await site.db(run, site.store, site.watch.watchlists, q, f, sort, wanted)
            yaml = as_yaml(page.query, "my-search")
        except QueryError as exc:
            error = str(exc)
    keep = {k: v for k, v in {"q": q, "sort": sort, **chosen}.items() if v}
    return _render(
        site,
        "search.html",
        status=400 if error else 200,
        q=q,
        page=page,
        shown=page.results[PAGE_SIZE * (number - 1) :] if page else (),
        first=PAGE_SIZE * (number - 1) + 1,
        number=number,
        last_page=number >= MAX_PAGES,
        error=error,
        sort=sort,
        chosen=chosen,
        yaml=yaml,
        link=lambda **change: (
            "/search?" + urlencode({k: v for k, v in {**keep, **change}.items() if v})
        ),
    )


async def save_search(site: Site, request: Request) -> Response:
    """A search as a watchlist: its YAML, and how many stored articles of the last 30
    days it would have hit (what search finds is what a replay of it matches)."""
    from datetime import timedelta

    from monitor.search.query import QueryError, as_yaml, parse_query
    from monitor.search.service import search as run
    from monitor.store.search import SearchFilter

    q = request.query_params.get("q", "").strip()
    try:
        query = parse_query(q, site.watch.watchlists)
        since = SearchFilter(since=site.store.clock() - timedelta(days=30))
        page = await site.db(run, site.store, site.watch.watchlists, q, since, "newest", 1, True)
    except QueryError as exc:
        return _render(site, "save.html", status=400, q=q, error=str(exc))
    return _render(site, "save.html", q=q, yaml=as_yaml(query, "my-search"), hits=page.articles)


async def feeds(site: Site, _: Request) -> Response:
    every = await site.db(partial(site.store.feed_statuses, with_hits=True))
    statuses = sorted((s for s in every if s.active), key=health_order)
    return _render(
        site,
        "feeds.html",
        feeds=statuses,
        failing=sum(1 for s in statuses if s.failing_since is not None),
        stale=sum(1 for s in statuses if s.stale),
        now=site.store.clock(),
    )


async def subscriptions(site: Site, _: Request) -> Response:
    outbox = await site.db(site.store.deliveries, False, 500)
    dead = await site.db(site.store.deliveries, True, 200)
    digests: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for d in outbox:
        digests[d.subscription][d.digest_id].append(d)
    recent = {name: sorted(by_id.items(), reverse=True)[:5] for name, by_id in digests.items()}
    return _render(
        site,
        "subscriptions.html",
        subs=site.settings().subscriptions,
        recent=recent,
        dead=dead,
    )


async def match(site: Site, request: Request) -> Response:
    ctx: dict[str, Any] = {"text": "", "url": "", "result": None, "error": None}
    if request.method == "POST":
        form = await request.form()
        text = str(form.get("text") or "")[:MAX_PASTE]
        url = str(form.get("url") or "").strip()
        ctx.update(text=text, url=url)
        title = ""
        if url:
            try:
                title, text = await asyncio.to_thread(_load_url, site, url)
            except MonitorError as exc:
                ctx["error"] = str(exc)
        if ctx["error"] is None and (text.strip() or title):
            lists = site.watch.watchlists
            found = site.watch.compiled.match(title, text)
            matched = {m.watchlist for m in found}
            ctx["result"] = {
                "title": title,
                "chars": len(text),
                "matches": found,
                "by_name": {w.name: w for w in lists},
                "missed": [w.name for w in lists if w.name not in matched],
            }
        elif ctx["error"] is None:
            ctx["error"] = "paste a text or give an http(s) URL"
    return _render(site, "match.html", **ctx)


def _load_url(site: Site, url: str) -> tuple[str, str]:
    """The page as the daemon would see it, fetched under the same rules (no private
    addresses unless fetch.allow_private_networks)."""
    from monitor.config.policies import fetch_policy
    from monitor.extract.target import load_target

    if not url.lower().startswith(("http://", "https://")):
        raise MonitorError(f"{url}: not an http(s) URL")
    return load_target(url, fetch_policy(site.settings()))
