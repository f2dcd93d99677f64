"""A digest or a notice as data, for programs: what a json:// webhook carries beside
apprise's text (under "data"), and what the digest folder keeps as .json. Versioned;
its JSON Schema (schema/digest-data.schema.json) is made from these models:

    python -c "from monitor.digest.data import write_schema; write_schema()"
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from monitor.types import Digest, DigestItem, HitView, NoticeView, Snippet

# A new version is a change a program reading version 1 would misread: a field
# removed, renamed or retyped. Added fields keep the version.
VERSION = 1


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSnippet(_Data):
    text: str
    highlights: list[tuple[int, int]] = Field(description="character spans of the matched words")
    entities: list[str] = Field(description="ids of the entities matched in this sentence")


class DataEntity(_Data):
    id: str
    label: str


class DataHit(_Data):
    watchlist: str
    entities: list[DataEntity]
    snippets: list[DataSnippet]


class DataCopy(_Data):
    outlet: str
    url: str


class DataStory(_Data):
    story: str = Field(description="the story's id: copies of one story share it")
    url: str
    title: str
    outlet: str
    published: datetime | None
    found_at: datetime
    language: str | None
    source: Literal["page", "feed"] = Field(
        description="page: matched in the article's page; feed: in the feed's summary only"
    )
    watchlists: list[str] = Field(description="every watchlist the story hit, in this message")
    hits: list[DataHit]
    also: list[DataCopy] = Field(description="other outlets that reported the story")
    sent_before: bool = Field(
        description="sent in an earlier message: here for the outlets that reported it since"
    )
    sent_at: datetime | None = Field(
        None, description="when an earlier message held it, under another watchlist"
    )


class DataPart(_Data):
    number: int
    of: int
    stories_in_all: int


class _Message(_Data):
    format: Literal["news-monitor/digest-data"] = "news-monitor/digest-data"
    version: Literal[1] = 1
    subscription: str


class DigestData(_Message):
    kind: Literal["digest"] = "digest"
    period_start: datetime | None
    period_end: datetime
    part: DataPart | None
    stories: list[DataStory]


class DataLink(_Data):
    title: str
    outlet: str
    url: str


class NoticeData(_Message):
    kind: Literal["notice"] = "notice"
    heading: str
    text: str
    stories: list[DataLink]
    lines: list[str]


class Payload(_Data):
    """What a json:// webhook's "data" holds: a digest, or a notice."""

    model_config = ConfigDict(title="news-monitor digest data")
    data: DigestData | NoticeData = Field(discriminator="kind")


def _hit(watchlist: str, entities: list[DataEntity], snippets: tuple[Snippet, ...]) -> DataHit:
    return DataHit(
        watchlist=watchlist,
        entities=entities,
        snippets=[
            DataSnippet(text=s.text, highlights=list(s.highlights), entities=list(s.entities))
            for s in snippets
        ],
    )


def _story(item: DigestItem, sent_before: bool) -> DataStory:
    h: HitView = item.hit
    ids = zip(h.entities, h.entity_labels, strict=False)
    hits = [_hit(h.watchlist, [DataEntity(id=i, label=lab) for i, lab in ids], h.snippets)]
    hits += [
        _hit(
            o.watchlist,
            [
                DataEntity(id=i, label=lab)
                for i, lab in zip(o.entities, o.entity_labels, strict=False)
            ],
            o.snippets,
        )
        for o in item.elsewhere
    ]
    return DataStory(
        story=h.story,
        url=h.url,
        title=h.title,
        outlet=h.outlet,
        published=h.published,
        found_at=h.found_at,
        language=h.language,
        source=h.source,
        watchlists=[x.watchlist for x in hits],
        hits=hits,
        also=[DataCopy(outlet=o, url=u) for o, u in item.also],
        sent_before=sent_before,
        sent_at=item.sent_at,
    )


def digest_data(d: Digest, part: tuple[int, int, int] | None = None) -> dict[str, Any]:
    """The digest (or one part of it) as data, JSON-ready."""
    stories = [_story(i, False) for g in d.groups for i in g.items]
    stories += [_story(i, True) for i in d.more]
    data = DigestData(
        subscription=d.subscription,
        period_start=d.period_start,
        period_end=d.period_end,
        part=DataPart(number=part[0], of=part[1], stories_in_all=part[2]) if part else None,
        stories=stories,
    )
    return data.model_dump(mode="json")


def notice_data(subscription: str, view: NoticeView) -> dict[str, Any]:
    """A notice (a spike, the heartbeat) as data, JSON-ready."""
    data = NoticeData(
        subscription=subscription,
        heading=view.heading,
        text=view.head,
        stories=[DataLink(title=t, outlet=o, url=u) for t, o, u in view.stories],
        lines=list(view.lines),
    )
    return data.model_dump(mode="json")


def data_schema() -> dict[str, Any]:
    """The JSON Schema of the "data" a json:// webhook carries (schema/digest-data.schema.json)."""
    draft = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    return {**draft, **Payload.model_json_schema()}


def write_schema() -> None:
    from monitor.packagedata import SCHEMAS

    text = json.dumps(data_schema(), indent=2, ensure_ascii=False) + "\n"
    (SCHEMAS / "digest-data.schema.json").write_text(text, encoding="utf-8")
