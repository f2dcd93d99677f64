"""Reading for the web page: stories with their hits, one story's copies, and the
figures of /metrics. Article texts are never loaded for a list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import defer
from sqlmodel import col

from monitor.store.base import StoreBase
from monitor.store.hits import dated, hit_view
from monitor.store.tables import ArticleRow, DeliveryRow, FeedRow, HitRow
from monitor.types import HitView
from monitor.views import StoreStats, StoryCard, StoryCopy, StoryFilter, StoryList, StoryPage

SCAN = 200  # hit ids read at a time while collecting a page of stories
_ARTICLE_LIGHT = (defer(ArticleRow.text), defer(ArticleRow.minhash))  # type: ignore[arg-type]
_COPY_COLUMNS = (
    col(ArticleRow.id),
    col(ArticleRow.title),
    col(ArticleRow.outlet),
    col(ArticleRow.link),
    col(ArticleRow.published),
    col(ArticleRow.first_seen_at),
    col(ArticleRow.source),
    col(ArticleRow.language),
    col(ArticleRow.story),
    (func.length(col(ArticleRow.text)) == 0).label("pruned"),
)


_NEWEST_NEWS = (col(HitRow.dated).desc(), col(HitRow.id).desc())


def _after(at: Any, hit_id: int) -> Any:
    """Hits listed after the one at (`at`, `hit_id`), newest news first."""
    return or_(col(HitRow.dated) < at, and_(col(HitRow.dated) == at, col(HitRow.id) < hit_id))


def _dated_of(s: Any, hit_id: int | None) -> Any:
    if hit_id is None:
        return None
    return s.execute(select(col(HitRow.dated)).where(col(HitRow.id) == hit_id)).scalar()


def _copy(r: Any) -> StoryCopy:
    return StoryCopy(
        article_id=r.id,
        title=r.title,
        outlet=r.outlet,
        link=r.link,
        published=r.published,
        first_seen_at=r.first_seen_at,
        source="feed" if r.source == "feed" else "page",
        language=r.language,
        pruned=bool(r.pruned),
    )


class BrowseMixin(StoreBase):
    def story_cards(
        self, f: StoryFilter, limit: int = 30, before_hit: int | None = None
    ) -> StoryList:
        """Stories with hits, the newest news first (hit.dated, then id); a story stands
        where its newest hit does. `before_hit`: the page after the one that ended with
        that hit."""
        q = self._filtered(select(col(HitRow.id), col(HitRow.watchlist), col(ArticleRow.story)), f)
        stories_of = self._filtered(select(col(ArticleRow.story)).distinct(), f)
        newest: dict[str, dict[str, int]] = {}  # story -> watchlist -> its newest hit
        next_hit: int | None = None
        with self.session() as s:
            earlier = self._earlier_than(s, before_hit)
            later = self._later_than(s, before_hit)
            shown_before = (
                s.execute(
                    select(func.count()).select_from(stories_of.where(earlier).subquery())
                ).scalar()
                if earlier is not None
                else 0
            )
            total = s.execute(select(func.count()).select_from(stories_of.subquery())).scalar()
            # The ids only, a page of rows at a time, until `limit` stories are found: a
            # story's other hits cost an id each, not a whole hit.
            cursor, last, full = later, None, False
            while not full:
                page = q.where(cursor) if cursor is not None else q
                rows = s.execute(
                    page.add_columns(col(HitRow.dated)).order_by(*_NEWEST_NEWS).limit(SCAN)
                ).all()
                # Stories with a hit on an earlier page were shown there.
                old = {r[2] for r in rows if r[2] not in newest}
                if earlier is not None and old:
                    old &= set(
                        s.execute(stories_of.where(earlier, col(ArticleRow.story).in_(old)))
                        .scalars()
                        .all()
                    )
                else:
                    old = set()
                for hit_id, watchlist, story, _ in rows:
                    if story not in old:
                        if story not in newest and len(newest) == limit:
                            full, next_hit = True, last
                            break
                        newest.setdefault(story, {}).setdefault(watchlist, hit_id)
                    last = hit_id  # the last row this page has read
                if len(rows) < SCAN:
                    break
                if not full:
                    cursor = _after(rows[-1][3], rows[-1][0])
            ids = [i for by_list in newest.values() for i in by_list.values()]
            hits = {h.hit_id: h for h in self._hit_views(s, ids)}
            copies = self._copies(s, list(newest))
        cards = []
        for story, by_list in newest.items():
            shown = tuple(hits[i] for i in by_list.values())
            mine = copies.get(story, [])
            # The card leads with the first report; a later copy is one more outlet.
            original = min(mine, key=lambda c: (dated(c.published, c.first_seen_at), c.article_id))
            also: dict[str, StoryCopy] = {}
            for c in mine:
                if c.outlet != original.outlet:
                    also.setdefault(c.outlet, c)
            cards.append(StoryCard(story, shown, tuple(also.values()), len(mine), original))
        return StoryList(tuple(cards), int(total or 0), int(shown_before or 0), next_hit)

    def _filtered(self, q: Any, f: StoryFilter) -> Any:
        q = q.select_from(HitRow).join(ArticleRow, col(HitRow.article_id) == col(ArticleRow.id))
        if f.watchlist:
            q = q.where(col(HitRow.watchlist) == f.watchlist)
        if f.outlet:
            q = q.where(col(ArticleRow.outlet) == f.outlet)
        if f.language:
            q = q.where(col(ArticleRow.language) == f.language)
        if f.since:
            q = q.where(col(HitRow.found_at) >= f.since)
        if f.entity:
            q = q.where(self._has_entity(f.entity))
        return q

    @staticmethod
    def _earlier_than(s: Any, hit_id: int | None) -> Any:
        """Hits listed before `hit_id`, and it: the pages before the next one."""
        at = _dated_of(s, hit_id)
        if at is None or hit_id is None:
            return None
        return or_(col(HitRow.dated) > at, and_(col(HitRow.dated) == at, col(HitRow.id) >= hit_id))

    @staticmethod
    def _later_than(s: Any, hit_id: int | None) -> Any:
        at = _dated_of(s, hit_id)
        return _after(at, hit_id) if at is not None and hit_id is not None else None

    @staticmethod
    def _hit_views(s: Any, ids: Sequence[int]) -> list[HitView]:
        q = (
            select(HitRow, ArticleRow)
            .join(ArticleRow, col(HitRow.article_id) == col(ArticleRow.id))
            .where(col(HitRow.id).in_(list(ids)))
            .options(*_ARTICLE_LIGHT)
        )
        return [hit_view(h, a) for h, a in s.execute(q).all()] if ids else []

    def _has_entity(self, entity: str) -> Any:
        if self.postgres:
            return text("jsonb_exists(CAST(hit.entities AS jsonb), :entity)").bindparams(
                entity=entity
            )
        return text(
            "EXISTS (SELECT 1 FROM json_each(hit.entities) WHERE json_each.value = :entity)"
        ).bindparams(entity=entity)

    @staticmethod
    def _copies(s: Any, stories: Sequence[str]) -> dict[str, list[StoryCopy]]:
        found: dict[str, list[StoryCopy]] = defaultdict(list)
        if stories:
            q = (
                select(*_COPY_COLUMNS)
                .where(col(ArticleRow.story).in_(list(stories)))
                .order_by(col(ArticleRow.id))
            )
            for r in s.execute(q).all():
                found[r.story].append(_copy(r))
        return found

    def story_page(self, story: str) -> StoryPage | None:
        with self.session() as s:
            copies = self._copies(s, [story]).get(story, [])
            if not copies:
                return None
            q = (
                select(HitRow, ArticleRow)
                .join(ArticleRow, col(HitRow.article_id) == col(ArticleRow.id))
                .where(col(ArticleRow.story) == story)
                .options(*_ARTICLE_LIGHT)
                .order_by(col(HitRow.id).desc())
            )
            rows = s.execute(q).all()
            texts = dict(
                s.execute(
                    select(col(ArticleRow.id), col(ArticleRow.text)).where(
                        col(ArticleRow.story) == story
                    )
                ).all()
            )
        by_copy: dict[int, list[HitView]] = defaultdict(list)
        for h, a in rows:
            by_copy[int(a.id)].append(hit_view(h, a))
        hits = tuple(v for vs in by_copy.values() for v in vs)
        # The first report first, as the card leads with it.
        copies.sort(key=lambda c: (dated(c.published, c.first_seen_at), c.article_id))
        return StoryPage(
            story,
            tuple(copies),
            hits,
            {int(k): str(v or "") for k, v in texts.items()},
            {k: tuple(v) for k, v in by_copy.items()},
        )

    def outlets_with_hits(self) -> list[str]:
        return self._with_hits(col(ArticleRow.outlet))

    def languages_with_hits(self) -> list[str]:
        return [lang for lang in self._with_hits(col(ArticleRow.language)) if lang]

    def _with_hits(self, column: Any) -> list[str]:
        """The distinct values of an article column among articles with hits."""
        q = (
            select(column)
            .where(col(ArticleRow.id).in_(select(col(HitRow.article_id))))
            .distinct()
            .order_by(column)
        )
        with self.session() as s:
            return list(s.execute(q).scalars())

    def stats(self) -> StoreStats:
        now = self.clock()
        active = col(FeedRow.active).is_(True)
        with self.session() as s:
            feeds, due, failing = s.execute(
                select(
                    func.count(),
                    func.count().filter(
                        and_(
                            col(FeedRow.next_poll_at).is_not(None), col(FeedRow.next_poll_at) <= now
                        )
                    )
                    + func.count().filter(col(FeedRow.next_poll_at).is_(None)),
                    func.count().filter(col(FeedRow.failing_since).is_not(None)),
                ).where(active)
            ).one()
            articles = s.execute(select(func.count()).select_from(ArticleRow)).scalar() or 0
            # DISTINCT in a subquery: hashed on PostgreSQL, where count(DISTINCT) sorts.
            distinct = select(col(ArticleRow.story)).distinct().subquery()
            stories = s.execute(select(func.count()).select_from(distinct)).scalar()
            hits = dict(
                s.execute(
                    select(col(HitRow.watchlist), func.count()).group_by(col(HitRow.watchlist))
                ).all()
            )
            outbox = dict(
                s.execute(
                    select(col(DeliveryRow.status), func.count()).group_by(col(DeliveryRow.status))
                ).all()
            )
        return StoreStats(
            feeds=feeds,
            feeds_due=due,
            feeds_failing=failing,
            articles=articles,
            stories=stories or 0,
            hits={str(k): int(v) for k, v in hits.items()},
            dead_deliveries=int(outbox.get("dead", 0)),
            pending_deliveries=int(outbox.get("pending", 0)),
        )
