"""Re-run matching over stored articles after a watchlist edit; store the new hits."""

from __future__ import annotations

import sys
from datetime import timedelta

from monitor.app import App
from monitor.errors import MonitorError
from monitor.match import Matcher
from monitor.store import utcnow


def replay(app: App, since: timedelta, watchlist: str | None = None) -> tuple[int, int]:
    lists = app.watch.watchlists
    if watchlist is not None:
        lists = tuple(w for w in lists if w.name == watchlist)
        if not lists:
            raise MonitorError(f"no watchlist named {watchlist!r}")
    matcher = Matcher(lists)
    show = sys.stderr.isatty()
    start = utcnow() - since
    last_id = n_articles = n_hits = 0
    while page := app.store.articles_since(start, after_id=last_id):
        for article_id, title, text in page:
            matches = matcher.match(title, text)
            if matches:
                n_hits += len(app.store.add_hits(article_id, matches))
            last_id = article_id
            n_articles += 1
        if show:
            print(f"\r{n_articles} articles re-matched, {n_hits} new hits", end="", file=sys.stderr)
    if show:
        print(file=sys.stderr)
    return n_articles, n_hits
