"""Hits: an article that a watchlist matched, once per (article, watchlist)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from monitor.clock import aware
from monitor.store.base import StoreBase, chunks, table
from monitor.store.tables import ArticleRow, DigestItemRow, HitRow
from monitor.types import HitView, Snippet, WatchlistMatch


def _snippet_json(sn: Snippet) -> dict[str, Any]:
    return {
        "text": sn.text,
        "highlights": [list(h) for h in sn.highlights],
        "entities": list(sn.entities),
    }


def dated(published: datetime | None, first_seen: datetime) -> datetime:
    """An article's time: its published time, never later than it was first seen (a
    future date is the feed's error), else when it was first seen. A hit is listed by
    its story's earliest (the original report's): a later copy does not move it."""
    if published is not None and aware(published) < aware(first_seen):
        return aware(published)
    return aware(first_seen)


def hit_view(h: HitRow, a: ArticleRow) -> HitView:
    assert h.id is not None
    return HitView(
        hit_id=h.id,
        url=a.link,  # the link as published (tracking removed); a.url is the identity
        title=a.title,
        outlet=a.outlet,
        published=a.published,
        watchlist=h.watchlist,
        entities=tuple(h.entities),
        entity_labels=tuple(h.entities),
        snippets=tuple(
            Snippet(
                text=sn["text"],
                highlights=tuple((int(x), int(y)) for x, y in sn["highlights"]),
                entities=tuple(sn.get("entities", ())),
            )
            for sn in h.snippets
        ),
        story=a.story,
        found_at=h.found_at,
        source="feed" if a.source == "feed" else "page",
        language=a.language,
    )


def _undelivered(
    q: Any, subscription: str, watchlists: Sequence[str] | None, since: datetime
) -> Any:
    """Restrict a query on HitRow to hits not yet claimed by a digest of the subscription."""
    claimed = select(col(DigestItemRow.hit_id)).where(
        col(DigestItemRow.subscription) == subscription
    )
    q = q.where(col(HitRow.found_at) >= since).where(col(HitRow.id).not_in(claimed))
    if watchlists is not None:
        q = q.where(col(HitRow.watchlist).in_(list(watchlists)))
    return q


_WITH_ARTICLE = select(HitRow, ArticleRow).join(
    ArticleRow, col(HitRow.article_id) == col(ArticleRow.id)
)
_NEWEST_FIRST = (col(HitRow.found_at).desc(), col(HitRow.id).desc())


class HitsMixin(StoreBase):
    def hits(
        self,
        *,
        since: datetime | None = None,
        watchlists: Sequence[str] | None = None,
        ids: Sequence[int] | None = None,
    ) -> list[HitView]:
        q = _WITH_ARTICLE
        if since is not None:
            q = q.where(col(HitRow.found_at) >= since)
        if watchlists is not None:
            q = q.where(col(HitRow.watchlist).in_(list(watchlists)))
        if ids is not None:
            q = q.where(col(HitRow.id).in_(list(ids)))
        with self.session() as s:
            return [hit_view(h, a) for h, a in s.execute(q.order_by(*_NEWEST_FIRST)).all()]

    def undelivered_hits(
        self, subscription: str, watchlists: Sequence[str] | None, since: datetime
    ) -> list[HitView]:
        """Hits found since `since` that no digest of the subscription has claimed yet."""
        q = _undelivered(_WITH_ARTICLE, subscription, watchlists, since).order_by(*_NEWEST_FIRST)
        with self.session() as s:
            return [hit_view(h, a) for h, a in s.execute(q).all()]

    def oldest_undelivered(
        self, subscription: str, watchlists: Sequence[str] | None, since: datetime
    ) -> datetime | None:
        """When the oldest hit still waiting for this subscription was found, if any."""
        q = _undelivered(select(func.min(col(HitRow.found_at))), subscription, watchlists, since)
        with self.session() as s:
            found: datetime | None = s.execute(q).scalar()
            return found

    def found_stories(
        self, watchlist: str, since: datetime
    ) -> list[tuple[datetime, str, tuple[str, ...]]]:
        """(found_at, story, entities) of the watchlist's hits since `since`, for spikes."""
        q = (
            select(col(HitRow.found_at), col(ArticleRow.story), col(HitRow.entities))
            .join(ArticleRow, col(HitRow.article_id) == col(ArticleRow.id))
            .where(col(HitRow.watchlist) == watchlist, col(HitRow.found_at) >= since)
        )
        with self.session() as s:
            return [(aware(at), story, tuple(ents)) for at, story, ents in s.execute(q).all()]

    def add_hits(self, article_id: int, matches: Sequence[WatchlistMatch]) -> list[int]:
        """Store hits for an existing article; (article, watchlist) pairs already hit are skipped."""
        with self.writing() as s:
            return self._insert_hits(
                s.connection(), [(article_id, m) for m in matches], self.clock()
            ).get(article_id, [])

    def _insert_hits(
        self, conn: Any, pairs: Sequence[tuple[int, WatchlistMatch]], now: datetime
    ) -> dict[int, list[int]]:
        """Insert (article id, match) hits; returns the new hit ids by article id."""
        hit, art = table(HitRow), table(ArticleRow)
        unique = {(aid, m.watchlist): (aid, m) for aid, m in pairs}
        when: dict[int, datetime] = {}  # article -> its story's first report
        for ids in chunks(list({aid for aid, _ in unique})):
            copy = art.alias("copy")
            rows = conn.execute(
                select(art.c.id, copy.c.published, copy.c.first_seen_at)
                .join(copy, copy.c.story == art.c.story)
                .where(art.c.id.in_(ids))
            ).all()
            for i, p, f in rows:
                at = dated(p, f)
                if int(i) not in when or at < when[int(i)]:
                    when[int(i)] = at
        values = [
            {
                "article_id": aid,
                "watchlist": m.watchlist,
                "entities": list(m.entities),
                "snippets": [_snippet_json(sn) for sn in m.snippets],
                "found_at": now,
                "dated": when[aid],
            }
            for aid, m in unique.values()
        ]
        out: dict[int, list[int]] = defaultdict(list)
        for chunk in chunks(values, 100):
            rows = conn.execute(
                self.insert(hit)
                .values(chunk)
                .on_conflict_do_nothing(index_elements=["article_id", "watchlist"])
                .returning(hit.c.id, hit.c.article_id)
            ).all()
            for hid, aid in sorted(rows):
                out[int(aid)].append(int(hid))
        return out
