"""A local world on 127.0.0.1 where one outlet publishes one story by every route: its
RSS feed, its news sitemap (behind a sitemap index), its section page, its Telegram
channel's preview, and an Atom feed that a WebSub hub pushes. Each route gives the
article's address its own way (tracking parameters, AMP), as real outlets do."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from tests.support.httpd import Reply, ScriptedServer, rss

SLUG = "/herald/2026/12/05/csto-summit-minsk.html"
TITLE = "CSTO leaders meet in Minsk as Armenia stays away"
TEXT = (
    "Leaders of the Collective Security Treaty Organization met in Minsk on Friday. "
    "Armenia, which froze its participation in the CSTO, did not send a delegation. "
    "The Kremlin said the CSTO remained open to Yerevan, while officials in Yerevan "
    "repeated that the bloc had failed to act when Azerbaijan attacked Armenian territory. "
    "Belarusian President Alexander Lukashenko chaired the session and called for unity."
)


def article_page() -> bytes:
    paras = "".join(f"<p>{html.escape(s.strip())}.</p>" for s in TEXT.split(".") if s.strip())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{TITLE} | Herald</title>"
        "<meta property='og:site_name' content='Caucasus Herald'>"
        "<meta property='article:published_time' content='2026-12-05T09:00:00+00:00'>"
        f"</head><body><header><nav><a href='/herald/'>Home</a></nav></header>"
        f"<main><article><h1>{TITLE}</h1>{paras}</article></main>"
        "<footer>© Herald</footer></body></html>"
    ).encode()


def other_page(path: str) -> bytes:
    """Another article of the outlet: city news, in no watchlist."""
    body = (
        "The city council of Yerevan passed next year's budget on Thursday after a long "
        "debate about school repairs, bus lanes and the cost of heating in winter. "
        f"Councillors said the plan ({html.escape(path.rsplit('/', 1)[-1])}) would be "
        "published in full next week, with every district's share of the spending."
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>City news</title>"
        f"</head><body><main><article><h1>City news</h1><p>{body}</p></article></main>"
        "</body></html>"
    ).encode()


def section_page(base: str, published: bool) -> bytes:
    cards = [
        ("/herald/2026/12/04/yerevan-budget-vote.html", "Yerevan council passes its budget"),
        ("/herald/2026/12/03/metro-line-works.html", "Works begin on a new metro line"),
    ]
    if published:
        cards.insert(0, (SLUG + "?utm_source=section", TITLE))
    items = "".join(
        f"<article class='card'><a href='{base}{href}'><h2>{html.escape(t)}</h2></a>"
        f"<p>{html.escape(t)} — read more.</p></article>"
        for href, t in cards
    )
    return (
        "<!doctype html><html><head><title>Politics | Herald</title></head><body>"
        "<header><nav><a href='/herald/'>Home</a> <a href='/herald/politics/'>Politics</a>"
        "<a href='/herald/tag/csto/'>CSTO</a></nav></header>"
        f"<main><h1>Politics</h1>{items}</main>"
        "<footer><a href='/herald/about/'>About</a></footer></body></html>"
    ).encode()


def sitemap(base: str, published: bool) -> bytes:
    urls = [("/herald/2026/12/04/yerevan-budget-vote.html", "Yerevan council passes its budget")]
    if published:
        urls.insert(0, (SLUG, TITLE))
    body = "".join(
        f"<url><loc>{base}{u}</loc><news:news><news:publication><news:name>Herald</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2026-12-05T09:00:00+00:00</news:publication_date>"
        f"<news:title>{html.escape(t)}</news:title></news:news></url>"
        for u, t in urls
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>"
        f"{body}</urlset>"
    ).encode()


def sitemap_index(base: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<sitemap><loc>{base}/herald/sitemap-news.xml</loc>"
        "<lastmod>2026-12-05T09:00:00+00:00</lastmod></sitemap>"
        f"<sitemap><loc>{base}/herald/sitemap-2019.xml</loc>"
        "<lastmod>2019-01-01</lastmod></sitemap></sitemapindex>"
    ).encode()


def telegram_message(post: int, text: str, when: str) -> str:
    return (
        "<div class='tgme_widget_message_wrap js-widget_message_wrap'>"
        f"<div class='tgme_widget_message js-widget_message' data-post='herald_news/{post}'>"
        "<div class='tgme_widget_message_bubble'>"
        "<div class='tgme_widget_message_author accent_color'>"
        "<a class='tgme_widget_message_owner_name' href='https://t.me/herald_news'>"
        "<span dir='auto'>Herald</span></a></div>"
        f"<div class='tgme_widget_message_text js-message_text' dir='auto'>{text}</div>"
        "<div class='tgme_widget_message_footer compact js-message_footer'>"
        "<div class='tgme_widget_message_info short js-message_info'>"
        "<span class='tgme_widget_message_meta'>"
        f"<a class='tgme_widget_message_date' href='https://t.me/herald_news/{post}'>"
        f"<time datetime='{when}' class='time'>09:05</time></a></span>"
        "</div></div></div></div></div>"
    )


def telegram_preview(base: str, published: bool) -> bytes:
    messages = [
        telegram_message(
            40, "Good morning from Yerevan. Clear skies today.", "2026-12-05T06:00:00+00:00"
        )
    ]
    if published:
        link = f"{base}{SLUG}?utm_source=telegram&amp;utm_medium=social"
        messages.append(
            telegram_message(
                41,
                f"<b>{html.escape(TITLE)}</b><br/><br/>Our report: "
                f"<a href='{link}' target='_blank' rel='noopener'>{link}</a>",
                "2026-12-05T09:05:00+00:00",
            )
        )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>Herald – Telegram</title>"
        "<meta property='og:title' content='Herald'></head>"
        "<body class='widget_frame_base tgme_webpreview'><main class='tgme_main'>"
        "<section class='tgme_right_column'><div class='tgme_channel_info'>"
        "<div class='tgme_channel_info_header'>"
        "<div class='tgme_channel_info_header_title'><span dir='auto'>Herald</span></div>"
        "<div class='tgme_channel_info_header_username'>"
        "<a href='https://t.me/herald_news'>@herald_news</a></div></div></div></section>"
        "<section class='tgme_channel_history js-message_history'>"
        f"{''.join(messages)}</section></main></body></html>"
    ).encode()


@dataclass
class World:
    """The outlet's routes; `publish()` puts the story on the polled ones."""

    published: bool = False
    server: ScriptedServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = ScriptedServer(self._script)

    @property
    def base(self) -> str:
        return self.server.base

    def sources(self) -> dict[str, str]:
        """monitor.yaml `feeds:` entries, by route."""
        b = self.base
        return {
            "feed": f"url: {b}/herald/rss.xml",
            "sitemap": f"sitemap: {b}/herald/sitemap.xml",
            "page": f"page: {b}/herald/politics/",
            "telegram": f"telegram: {b}/s/herald_news",
        }

    def _script(self, path: str, headers: dict[str, str]) -> Reply:
        b, on = self.base, self.published
        xml = {"Content-Type": "application/xml"}
        html_type = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/herald/rss.xml":
            items = [("Budget passed", f"{b}/herald/2026/12/04/yerevan-budget-vote.html", "b1",
                      "Yerevan council passes its budget.")]  # fmt: skip
            if on:
                items.insert(0, (TITLE, f"{b}{SLUG}?utm_source=rss", "s1", "Leaders met."))
            return Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
        if path == "/herald/sitemap.xml":
            return Reply(200, sitemap_index(b), xml)
        if path == "/herald/sitemap-news.xml":
            return Reply(200, sitemap(b, on), xml)
        if path == "/herald/sitemap-2019.xml":
            return Reply(500)  # never read: not among the newest children
        if path == "/herald/politics/":
            return Reply(200, section_page(b, on), html_type)
        if path == "/s/herald_news":
            return Reply(200, telegram_preview(b, on), html_type)
        if path.split("?")[0] == SLUG:
            return Reply(200, article_page(), html_type)
        if path.startswith("/herald/2026/"):
            return Reply(200, other_page(path), html_type)
        if path == "/robots.txt":
            return Reply(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        return Reply(404)
