"""A feed entry and its extracted page -> the Article to match and store. Pure."""

from __future__ import annotations

from monitor.identity.fingerprint import content_hash
from monitor.identity.urls import clean_url, outlet_of
from monitor.types import Article, ArticleSource, ExtractedPage, FeedItem


def article_from(
    item: FeedItem, page: ExtractedPage | None, url: str, feed_name: str | None
) -> Article:
    """The page's text when extraction found some, else the feed entry's title and summary.

    `url` is the article's identity (identity.urls.entry_url, or the page's own).
    """
    link = clean_url(item.link) if item.link else url
    if page is not None and page.text.strip():
        title = page.title or item.title
        text, sig = page.text, page.signature
        source: ArticleSource = "page"
        fingerprint = content_hash(title, text)
    else:
        title, text, sig = item.title, item.summary, item.signature
        source = "feed"
        fingerprint = item.fingerprint  # the same hash, made with the item
    return Article(
        url=url,
        link=link,
        title=title or "(untitled)",
        text=text,
        outlet=feed_name or outlet_of(link, page.sitename if page else None),
        author=(page.author if page and page.author else item.author),
        # The feed's timestamp has the time of day; pages often give only a date.
        published=item.published or (page.published if page else None),
        language=page.language if page else None,
        source=source,
        content_hash=fingerprint,
        # The body only (made with it): a republished copy has a headline of its own.
        signature=sig,
    )
