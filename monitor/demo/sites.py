"""Sample news sites for the demo and the tests: pages with navigation, sidebars and
comments around the article, and an RSS feed per site."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

SITES_DIR = Path(__file__).resolve().parent / "sites"


@dataclass(frozen=True)
class Site:
    slug: str
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    def article(self, slug: str) -> dict[str, Any] | None:
        return next((a for a in self.data["articles"] if a["slug"] == slug), None)


def load_sites(directory: Path = SITES_DIR) -> dict[str, Site]:
    return {
        p.stem: Site(p.stem, json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(directory.glob("*.json"))
    }


def article_url(base: str, site: Site, slug: str) -> str:
    return f"{base}/{site.slug}/{slug}.html"


def render_feed(site: Site, base: str, link_suffix: str = "") -> bytes:
    items = []
    for a in site.data["articles"]:
        link = article_url(base, site, a["slug"]) + link_suffix
        date = format_datetime(datetime.fromisoformat(a["date"]))
        summary = a["paragraphs"][0][:200]
        items.append(
            f"<item><title>{escape(a['title'])}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{site.slug}-{a["slug"]}</guid>'
            f"<pubDate>{date}</pubDate><description>{escape(summary)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(site.name)}</title><link>{base}/{site.slug}/</link>"
        f"<description>{escape(site.name)} news</description>{''.join(items)}</channel></rss>"
    ).encode()


def render_page(site: Site, slug: str, base: str) -> bytes | None:
    a = site.article(slug)
    if a is None:
        return None
    d = site.data
    nav = "".join(f'<li><a href="{base}/{site.slug}/">{escape(x)}</a></li>' for x in d["nav"])
    side = "".join(f'<li><a href="{base}/{site.slug}/">{escape(x)}</a></li>' for x in d["sidebar"])
    body = "".join(f"<p>{escape(p)}</p>" for p in a["paragraphs"])
    comments = "".join(
        f'<div class="comment"><span class="user">reader{i}</span><p>{escape(c)}</p></div>'
        for i, c in enumerate(a["comments"], 1)
    )
    return f"""<!DOCTYPE html>
<html lang="{d["lang"]}"><head><meta charset="utf-8">
<title>{escape(a["title"])} | {escape(d["name"])}</title>
<meta property="og:title" content="{escape(a["title"])}">
<meta property="og:site_name" content="{escape(d["name"])}">
<meta name="author" content="{escape(a["author"])}">
<meta property="article:published_time" content="{a["date"]}">
<link rel="canonical" href="{article_url(base, site, slug)}">
</head><body>
<header><div class="logo">{escape(d["name"])}</div><nav><ul>{nav}</ul></nav></header>
<div class="layout">
<main><article>
<h1>{escape(a["title"])}</h1>
<div class="byline">By {escape(a["author"])} · <time datetime="{a["date"]}">{a["date"][:10]}</time></div>
<div class="article-body">{body}</div>
</article>
<section id="comments" class="comments"><h3>Comments</h3>{comments}</section>
</main>
<aside class="sidebar"><h3>{escape(d["sidebar_title"])}</h3><ul>{side}</ul></aside>
</div>
<footer><p>{escape(d["footer"])}</p></footer>
</body></html>""".encode()
