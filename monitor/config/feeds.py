"""The entries of `feeds:` in monitor.yaml: one key names each entry's kind.

- url: https://example.org/rss        a feed (RSS, Atom, JSON Feed)
- opml: feeds/caucasus.opml           a feed reader's export, each feed in it
- sitemap: https://example.org/news.xml   a news sitemap
- telegram: armenpress                a public Telegram channel's web preview
- page: https://example.org/news      a section page whose links are the articles
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Tag, field_validator

from monitor.basics.units import Duration
from monitor.feeds.telegram import channel_url

# The keys that name an entry's kind, in the order the error message lists them.
KIND_KEYS = ("url", "opml", "sitemap", "telegram", "page")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    every: Duration | None = None
    pages: bool = True  # false for sources that carry the full text: no page is fetched


def _http_url(v: str) -> str:
    v = v.strip()
    if not re.match(r"^https?://[^/\s]+", v, re.IGNORECASE):
        raise ValueError(f"{v!r} is not an http(s) URL")
    return v


HttpUrl = Annotated[str, AfterValidator(_http_url)]


class FeedEntry(_Entry):
    url: HttpUrl


class SitemapEntry(_Entry):
    sitemap: HttpUrl


class PageEntry(_Entry):
    page: HttpUrl


class TelegramEntry(_Entry):
    telegram: str

    @field_validator("telegram")
    @classmethod
    def _channel(cls, v: str) -> str:
        channel_url(v)  # a name Telegram would not accept is an error here, with its line
        return v.strip()

    @property
    def url(self) -> str:
        return channel_url(self.telegram)


class OpmlEntry(_Entry):
    opml: str
    name: None = None  # each feed of the OPML keeps its own title


def feed_kind(value: Any) -> str:
    """The kind an entry names by its key; "url" when it names none (pydantic then
    reports the missing `url`)."""
    if isinstance(value, dict):
        for key in KIND_KEYS:
            if key in value:
                return key
    return "url"


def kinds_named(value: Any) -> list[str]:
    """Every kind key an entry has: more than one is an error."""
    return [k for k in KIND_KEYS if isinstance(value, dict) and k in value]


FeedOrOpml = Annotated[
    Annotated[FeedEntry, Tag("url")]
    | Annotated[OpmlEntry, Tag("opml")]
    | Annotated[SitemapEntry, Tag("sitemap")]
    | Annotated[TelegramEntry, Tag("telegram")]
    | Annotated[PageEntry, Tag("page")],
    Discriminator(feed_kind),
]
