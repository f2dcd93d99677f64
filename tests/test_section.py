"""monitor.feeds.section: a news site's section page read as a list of articles."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import FeedParseError
from monitor.feeds.section import MAX_ITEMS, parse_section
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.types import ParsedFeed

SECTIONS = Path(__file__).parent / "fixtures" / "sections"

AM = "https://www.yerevan-wire.am"
AM_SECTION = f"{AM}/hy/politics/"
# The 15 cards of the Armenian agency's list, in page order: what a reader sees as the
# section's articles. Everything else on the page (menus, ticker, most read, tags,
# authors, pagination, share, partners, footer) is not.
AM_ARTICLES = [
    f"{AM}/hy/news/1184201/",
    f"{AM}/hy/news/1184202/azgayin-zhoghovy-yndunel-e-byujey.html",
    f"{AM}/hy/news/2026/12/05/mirzoyan-brussels-visa-liberalisation/",
    f"{AM}/hy/news/1184204/",
    f"{AM}/hy/news/1184205/",
    "https://yerevan-wire.am/hy/news/1184206/",
    f"{AM}/hy/news/1184207/",
    f"{AM}/hy/news/2026/12/04/armenia-france-defence-cooperation-plan/",
    f"{AM}/hy/news/1184209/",
    f"{AM}/hy/news/1184210/",
    "https://elections.yerevan-wire.am/hy/2026/12/04/judicial-reform-hearings/",
    f"{AM}/hy/news/1184212/",
    f"{AM}/hy/news/1184213/",
    f"{AM}/hy/news/1184214/",
    f"{AM}/hy/news/1184215/",
]

RU = "https://www.vesti-regiona.ru"
RU_SECTION = f"{RU}/politics/"


def _enc(path: str) -> str:
    """A path as normalised links spell it: UTF-8, percent-encoded in upper-case hex."""
    return "".join(c if c.isascii() else "".join(f"%{b:02X}" for b in c.encode()) for c in path)


RU_ARTICLES = [
    f"{RU}/news/12345",
    RU + _enc("/news/путин-провел-переговоры-с-пашиняном-в-москве"),
    f"{RU}/news/12343",
    RU + _enc("/news/бюджет-принят-госдумой"),
    f"{RU}/text/politics/2026/12/04/73123456/",
    f"{RU}/news/detail.php?ELEMENT_ID=45678",
    f"{RU}/news/12339",
    f"{RU}/news/2026/12/04/lavrov-vstretilsya-s-glavoy-mid-armenii/",
    RU + _enc("/news/выборы-в-городскую-думу-назначены"),
    f"{RU}/news/12336",
]

GE = "https://kavkaz-post.ge/ka"
GE_ARTICLES = [
    f"{GE}/news/2026/12/05/parlamentma-2027-tslis-biujeti-miigho/",
    f"{GE}/news/2026/12/05/premier-ministri-briuselshi-evrokavshiris-liderebs-shekhvda/",
    f"{GE}/archives/612345",
    f"{GE}/archives/612340",
    f"{GE}/news/2026/12/04/sagareo-ministri-baqos-gantskhadebebs-gamoekhmaura/",
    f"{GE}/news/2026/12/04/opozitsiam-aktsia-gamoatskhada",
]


def _read(name: str, url: str, content_type: str | None = None) -> ParsedFeed:
    return parse_section((SECTIONS / name).read_bytes(), url, content_type)


@pytest.fixture(scope="module")
def armenian() -> ParsedFeed:
    return _read("armenian-politics.html", AM_SECTION, "text/html; charset=utf-8")


@pytest.fixture(scope="module")
def russian() -> ParsedFeed:
    return _read("russian-politics-cp1251.html", RU_SECTION)


def _page(main: str, head: str = "") -> bytes:
    return f"<html><head>{head}</head><body><main>{main}</main></body></html>".encode()


def _links(main: str, url: str = "https://news.example.am/hy/politics/") -> list[str]:
    """The links parse_section keeps from a <main> holding `main`; [] when none."""
    try:
        return [i.link or "" for i in parse_section(_page(main), url).items]
    except FeedParseError:
        return []


# -- the Armenian agency's section page: every bullet of the API ---------------------------


def test_the_main_list_in_page_order_and_nothing_else(armenian: ParsedFeed) -> None:
    assert [i.link for i in armenian.items] == AM_ARTICLES
    assert all(i.key == i.link and i.fetch_page for i in armenian.items)


def test_page_title_collapsed(armenian: ParsedFeed) -> None:
    assert armenian.title == "Քաղաքականություն | Yerevan Wire — լրատվական գործակալություն"


def test_chrome_links_are_not_articles(armenian: ParsedFeed) -> None:
    links = {i.link or "" for i in armenian.items}
    # Same-site article links in the header's ticker, the "most read" sidebar (<aside>)
    # and the "most read" block inside <main> (class b-popular).
    for chrome in ("1184150", "1184101", "1184102", "pension-indexation", "1183990", "1184012"):
        assert not any(chrome in link for link in links), chrome


def test_navigation_files_and_other_schemes_are_not_articles(armenian: ParsedFeed) -> None:
    text = " ".join(i.link or "" for i in armenian.items)
    for not_article in (
        "/tags/",  # tag links in cards and the tag cloud
        "/theme/",
        "/author/",  # author links in cards
        "page",  # ?page=2, /page/3/
        "/archive/",  # the day's archive
        ".pdf",
        "mailto:",
        "tel:",
        "javascript:",
        "/about/",
        "/contacts/",
        "/privacy-policy/",
        "/rss/",
        "/pages/",
        "/search/",
        "sort=",
    ):
        assert not_article not in text, not_article
    assert f"{AM}/hy/news/2026/12/05/" not in text.split()  # a date alone: the day's archive


def test_other_sites_are_not_articles_but_subdomains_are(armenian: ParsedFeed) -> None:
    hosts = {(i.link or "").split("/")[2] for i in armenian.items}
    # yerevan-wire.com (courlan's is_external(ignore_suffix=True) would call it the same
    # site), a partner, share buttons carrying our own article's URL in their query.
    assert hosts == {"www.yerevan-wire.am", "yerevan-wire.am", "elections.yerevan-wire.am"}


def test_tracking_query_and_fragment_are_normalised_away(armenian: ParsedFeed) -> None:
    links = [i.link or "" for i in armenian.items]
    assert not any("utm_" in link or "#" in link or "?" in link for link in links)
    # The card's image link (?utm_...), its headline and "12 comments" (#comments),
    # "Read more" (?ref=section): one article each.
    assert len(links) == len(set(links)) == 15


def test_title_is_the_headline(armenian: ParsedFeed) -> None:
    titles = [i.title for i in armenian.items]
    assert titles[0] == "Փաշինյանը հանդիպել է ԵԽԽՎ պատվիրակության հետ"
    # Whitespace collapsed; the headline, not the image's longer alt (a photo caption).
    assert titles[1] == "Ազգային ժողովն ընդունել է 2027 թվականի պետական բյուջեն"
    # The image link is the card's only link and its alt is empty: the card's heading.
    assert titles[3] == "Սահմանազատման հանձնաժողովների հերթական նիստը կկայանա Երևանում"
    # The headline, not the shorter "12 comments" or "Read more" to the same article.
    assert titles[4] == "ԿԸՀ-ն հրապարակել է տեղական ընտրությունների նախնական արդյունքները"
    assert titles[9] == "ԱԳՆ-ն արձագանքել է Բաքվի հայտարարություններին"


def test_published_from_the_cards_time(armenian: ParsedFeed) -> None:
    dates = [i.published for i in armenian.items]
    assert dates[0] == datetime(2026, 12, 5, 14, 40, tzinfo=UTC)  # +04:00, in UTC
    assert dates[2] == datetime(2026, 12, 5, 10, 15, tzinfo=UTC)  # Z
    assert dates[7] is None  # a <time> without datetime
    assert all(d is None or d.tzinfo is UTC for d in dates)


def test_summary_is_the_cards_teaser(armenian: ParsedFeed) -> None:
    first, sixth = armenian.items[0], armenian.items[5]
    assert first.summary.startswith("Հանդիպմանը քննարկվել են ժողովրդավարական")
    assert sixth.summary == ""  # the card has no teaser; its meta line is not one
    assert all("Քաղաքականություն ·" not in i.summary for i in armenian.items)


def test_fingerprint_and_signature_as_the_feed_parser_makes_them(armenian: ParsedFeed) -> None:
    for item in armenian.items:
        assert item.fingerprint == content_hash(item.title, item.summary)
        assert item.signature == signature(item.summary or item.title)


def test_a_list_rendered_by_javascript_only_is_an_error() -> None:
    # Header, "most read" sidebar and footer still link to articles; the list is gone.
    with pytest.raises(FeedParseError, match="no links that look like articles") as err:
        _read("armenian-politics-js-only.html", AM_SECTION)
    assert "layout may have changed" in str(err.value)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n ",
        b"<html><body><h1>Site under maintenance</h1><p>Back soon.</p></body></html>",
        b'<html><body><div class="cookie-wall"><a href="/privacy/">Privacy</a>'
        b'<form action="/consent"><button>Accept</button></form></div></body></html>',
        b"\x00\x01\x02 not html",
    ],
)
def test_no_article_link_at_all_is_an_error(body: bytes) -> None:
    with pytest.raises(FeedParseError, match="no links that look like articles"):
        parse_section(body, "https://news.example.am/hy/politics/")


def test_body_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        parse_section("<html></html>", "https://news.example.am/")  # type: ignore[arg-type]


# -- the Russian section page: Cyrillic slugs, numeric ids, windows-1251 -------------------


def test_russian_list_with_cyrillic_slugs_and_numeric_ids(russian: ParsedFeed) -> None:
    assert [i.link for i in russian.items] == RU_ARTICLES
    assert russian.title == "Политика — Вести региона"


def test_raw_and_percent_encoded_cyrillic_slugs_are_one_article(russian: ParsedFeed) -> None:
    # The headline spells the slug in Cyrillic, the image link percent-encodes it in
    # lower-case hex: one article, under the headline's title.
    item = russian.items[1]
    assert item.title == "Путин провёл переговоры с Пашиняном в Москве"
    assert sum("%D0%BF%D1%83%D1%82%D0%B8%D0%BD" in (i.link or "") for i in russian.items) == 1


def test_russian_dates_and_teasers(russian: ParsedFeed) -> None:
    by_link = {i.link: i for i in russian.items}
    assert by_link[f"{RU}/news/12345"].published == datetime(2026, 12, 5, 8, 30, tzinfo=UTC)
    # No offset: taken as UTC, as page extraction takes it; a date alone: its midnight.
    assert by_link[RU_ARTICLES[1]].published == datetime(2026, 12, 5, 10, 5, tzinfo=UTC)
    assert by_link[RU_ARTICLES[3]].published == datetime(2026, 12, 5, tzinfo=UTC)
    assert by_link[f"{RU}/news/12343"].published is None  # a date as text only
    assert by_link[f"{RU}/news/12339"].summary == ""
    assert by_link[f"{RU}/news/12336"].summary.startswith("Песков сообщил")


def test_the_http_charset_and_the_meta_charset_both_decode(russian: ParsedFeed) -> None:
    declared = _read("russian-politics-cp1251.html", RU_SECTION, "text/html; charset=windows-1251")
    bogus = _read("russian-politics-cp1251.html", RU_SECTION, "text/html; charset=x-no-such")
    assert [i.title for i in declared.items] == [i.title for i in russian.items]
    assert [i.title for i in bogus.items] == [i.title for i in russian.items]
    utf8 = "<main><a href='/news/2026/12/05/путин-и-пашинян'>Путин и Пашинян</a></main>"
    (item,) = parse_section(utf8.encode(), RU_SECTION).items  # no charset anywhere: UTF-8
    assert item.title == "Путин и Пашинян"


# -- relative links and <base href> ------------------------------------------------------


def test_relative_links_resolve_against_base_href() -> None:
    feed = _read("georgian-relative-base.html", "https://kavkaz-post.ge/ka/politics")
    assert [i.link for i in feed.items] == GE_ARTICLES
    assert feed.title == "პოლიტიკა — Kavkaz Post"
    assert feed.items[0].published == datetime(2026, 12, 5, 12, 20, tzinfo=UTC)


def test_a_relative_base_href_resolves_against_the_page() -> None:
    body = _page('<a href="news/2026/12/05/slug-of-the-story">Story</a>', head='<base href="/en/">')
    (item,) = parse_section(body, "https://news.example.am/hy/politics/").items
    assert item.link == "https://news.example.am/en/news/2026/12/05/slug-of-the-story"


# -- which addresses are articles --------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "/hy/news/1184201/",  # a numeric id
        "/news/12345",
        "/hy/news/2026/12/05/talks-in-brussels/",  # a date, then a slug
        "/20261205/talks-1234567.html",
        "/story/2026-12-05/talks-in-brussels",
        "/hy/politics/armenia-and-georgia-sign-a-border-deal",  # a long slug
        "/news/путин-провел-переговоры",  # three words, 23 letters
        "/news/parliament-session.html",  # a .html page of two words
        "/a/33212345.html",  # RFE/RL
        "/archives/612345",  # WordPress numeric permalinks, civil.ge
        "/news/detail.php?ELEMENT_ID=45678",  # 1C-Bitrix
        "/index.php?option=com_content&view=article&id=77",  # Joomla
        "/news/12345?page=2",  # an article's second page is the article
    ],
)
def test_article_addresses(href: str) -> None:
    assert len(_links(f'<a href="{href}">A headline here</a>')) == 1


@pytest.mark.parametrize(
    "href",
    [
        "/",
        "/hy/",  # a language's home
        "/index.html",
        "/hy/politics/",  # the section itself
        "/hy/politics?page=2",
        "/hy/politics/?sort=popular",
        "/hy/politics/page/2/",
        "/hy/economy/",  # another section
        "/hy/tags/azgayin-zhoghov/",
        "/tag/12345",
        "/hy/author/anna-hakobyan/",
        "/authors/ivanov/",
        "/persons/vladimir-putin/",
        "/category/politics/",
        "/rubric/politics/",
        "/theme/local-elections-2026/",
        "/topics/elections/",
        "/z/2234",  # RFE/RL's section pages
        "/hy/search/?q=budget",
        "/news/?PAGEN_1=2",
        "/login",
        "/contact",
        "/hy/about/",
        "/privacy-policy/",
        "/rss/",
        "/feed/",
        "/pages/editorial-policy/",
        "/archive/2026/12/05/",
        "/hy/news/2026/12/05/",  # a day's archive
        "/2026/12/",
        "/archives/2026",
        "/news/2026",
        "/files/2026/12/05/budget-2027-draft.pdf",
        "/uploads/2026/12/05/photo-of-the-session.jpg",
        "/wp-content/themes/news/style-of-the-theme",
        "#comments",
        "javascript:void(0)",
        "mailto:news@news.example.am",
        "tel:+37410555555",
        "https://www.news.example.com/hy/news/1184299/",  # another site, same first label
        "https://news.example.az/hy/news/1184299/",
        "https://www.facebook.com/sharer/sharer.php?u=https://news.example.am/hy/news/1184201/",
        "ftp://news.example.am/news/12345",
    ],
)
def test_not_article_addresses(href: str) -> None:
    assert _links(f'<a href="{href}">A headline here</a>') == []


def test_subdomains_and_www_are_the_same_site() -> None:
    hrefs = [
        "https://news.example.am/news/11111",
        "https://www.news.example.am/news/22222",
        "https://m.news.example.am/news/33333",
        "https://elections.news.example.am/news/44444",
    ]
    main = "".join(f'<a href="{h}">Headline</a>' for h in hrefs)
    assert _links(main, "https://www.news.example.am/hy/politics/") == hrefs


def test_query_goes_unless_it_names_the_article() -> None:
    main = (
        '<a href="/news/12345?from=main&utm_source=x">One</a>'
        '<a href="/news/detail.php?ELEMENT_ID=5&amp;utm_source=x&amp;section=2">Two</a>'
    )
    assert _links(main) == [
        "https://news.example.am/news/12345",
        # courlan, given a str, would html-unescape it again: "&section" -> "§ion".
        "https://news.example.am/news/detail.php?ELEMENT_ID=5&section=2",
    ]


def test_a_link_without_text_only_when_its_address_is_clearly_an_article() -> None:
    main = (
        '<a href="/news/12345"><img src="a.jpg" alt=""></a>'  # an id: kept
        '<a href="/news/border-deal-signed"><img src="b.jpg"></a>'  # only maybe: dropped
        '<a href="/news/three-word-slug-story-two"> → </a>'  # no letters: no text
    )
    assert _links(main) == [
        "https://news.example.am/news/12345",
        "https://news.example.am/news/three-word-slug-story-two",  # four words: clearly one
    ]


def test_an_image_links_alt_is_its_title_when_nothing_else_is() -> None:
    body = _page('<a href="/news/12345"><img src="a.jpg" alt="  The   story\'s photo "></a>')
    (item,) = parse_section(body, "https://news.example.am/hy/politics/").items
    assert item.title == "The story's photo"


def test_a_card_that_is_one_link_takes_its_heading_teaser_and_time() -> None:
    body = _page(
        '<a class="card" href="/news/12345"><h3>The headline</h3>'
        "<p>The teaser of the story, told in one sentence.</p>"
        '<time datetime="2026-12-05T10:00:00+03:00">10:00</time></a>'
    )
    (item,) = parse_section(body, "https://news.example.am/hy/politics/").items
    assert item.title == "The headline"
    assert item.summary == "The teaser of the story, told in one sentence."
    assert item.published == datetime(2026, 12, 5, 7, 0, tzinfo=UTC)


def test_a_time_or_teaser_of_another_card_is_never_taken() -> None:
    body = _page(
        "<ul><li><a href='/news/11111'>First</a></li>"
        "<li><a href='/news/22222'>Second</a><p>The second story's teaser, in words.</p>"
        "<time datetime='2026-12-05T10:00:00Z'>10:00</time></li></ul>"
    )
    first, second = parse_section(body, "https://news.example.am/hy/politics/").items
    assert (first.summary, first.published) == ("", None)
    assert second.published == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


# -- what is chrome and what is not --------------------------------------------------------


def _body_links(body: str) -> list[str]:
    page = f"<html><body>{body}</body></html>".encode()
    try:
        return [i.link or "" for i in parse_section(page, "https://n.example.am/sec/").items]
    except FeedParseError:
        return []


@pytest.mark.parametrize(
    "chrome",
    [
        "<nav>{}</nav>",
        "<aside>{}</aside>",
        "<header>{}</header>",
        "<footer>{}</footer>",
        "<div role='navigation'>{}</div>",
        "<div role='complementary'>{}</div>",
        "<form action='/search'>{}</form>",
        "<div class='main-menu'>{}</div>",
        "<ul class='b-mainnav'>{}</ul>",
        "<div class='breadcrumbs'>{}</div>",
        "<div id='mostRead'>{}</div>",
        "<div class='b-tabs__content' id='mostread-tab'>{}</div>",
        "<section class='most-popular'>{}</section>",
        "<div class='related-news'>{}</div>",
        "<div class='tags article__tags'>{}</div>",
        "<div class='widget_tag_cloud'>{}</div>",
        "<div class='ya-share2'>{}</div>",
        "<div class='pagination'>{}</div>",
        "<div id='cookie-consent'>{}</div>",
        "<div class='site-header'>{}</div>",
        "<div class='b-header__hot'>{}</div>",
        "<td class='l-sidebar'>{}</td>",
    ],
)
def test_chrome(chrome: str) -> None:
    body = chrome.format('<a href="/news/99999">Most read story</a>')
    assert _body_links(body + '<a href="/news/11111">The section story</a>') == [
        "https://n.example.am/news/11111"
    ]


@pytest.mark.parametrize(
    "content",
    [
        "<article><header><h2>{}</h2></header></article>",  # a card's header holds its headline
        "<section><footer>{}</footer></section>",
        "<div class='card'><div class='card-header'>{}</div></div>",  # a card's, not the page's
        "<div class='article__header'>{}</div>",
        "<div class='news-card__share-count'>{}</div>",  # a part of the card block
        # WordPress puts the post's taxonomy in its classes; an <article> is content.
        "<article class='post category-social tag-menu'>{}</article>",
        "<div class='has-sidebar with-header'>{}</div>",  # a layout's state
        # ASP.NET WebForms wraps the whole page in one form.
        "<form id='form1' action='/default.aspx'>{}<a href='/news/2'>x</a></form>",
    ],
)
def test_not_chrome(content: str) -> None:
    body = content.format('<a href="/news/11111">The section story</a>')
    assert "https://n.example.am/news/11111" in _body_links(body)


def test_an_element_wrapping_main_is_never_chrome() -> None:
    body = "<div class='content-sidebar-wrap'><main><a href='/news/11111'>Story</a></main></div>"
    assert _body_links(body) == ["https://n.example.am/news/11111"]


def test_main_is_preferred_and_without_it_an_article_list() -> None:
    outside = "<div class='col-right'><a href='/news/99999'>Latest elsewhere</a></div>"
    cards = "".join(f"<article><a href='/news/{n}'>Story {n}</a></article>" for n in (1111, 2222))
    third = "<article><a href='/news/3333'>Story 3333</a></article>"
    assert _body_links(f"<main>{cards}</main>{outside}") == [
        "https://n.example.am/news/1111",
        "https://n.example.am/news/2222",
    ]
    # No <main>: three <article>s or more are the list; two are not enough to tell.
    assert len(_body_links(cards + third + outside)) == 3
    assert len(_body_links(cards + outside)) == 3
    # A <main> holding no article link (a banner): the whole page, less its chrome.
    assert _body_links(f"<main><h1>Politics</h1></main>{outside}") == [
        "https://n.example.am/news/99999"
    ]


def test_og_site_name_when_there_is_no_title() -> None:
    body = _page(
        "<a href='/news/12345'>Story</a>", head="<meta property='og:site_name' content='Wire'>"
    )
    assert parse_section(body, "https://news.example.am/hy/politics/").title == "Wire"


# -- hostile pages ---------------------------------------------------------------------------


def _hostile() -> bytes:
    """hostile.html with 20,000 cards (each linking its article twice), 10,000-character
    URLs before them and 5,000 nested divs after them."""
    raw = (SECTIONS / "hostile.html").read_text()
    long = "".join(
        f'<a href="/news/{n}-{"x" * 10_000}">A headline with a 10,000-character address</a>'
        f'<a href="/news/2026/12/05/{"long-slug-" * 1000}">Another one</a>'
        for n in range(100_000, 100_050)
    )
    cards = "".join(
        f'<li><a href="/news/{500_000 + n}"><img src="/i/{n}.jpg" alt=""></a>'
        f'<h3><a href="/news/{500_000 + n}">Headline number {n}</a></h3>'
        f"<p>The teaser of story number {n} of the hostile page.</p></li>\n"
        for n in range(20_000)
    )
    deep = "<div>" * 5000 + '<a href="/news/777777">deep</a>' + "</div>" * 5000
    page = raw.replace("<!--LONG-URLS-->", long).replace("<!--LINKS-->", cards)
    return page.replace("<!--DEEP-->", deep).encode()


def test_hostile_page() -> None:
    feed = parse_section(_hostile(), "https://hostile.example.com/news/")
    assert len(feed.items) == MAX_ITEMS
    assert feed.items[0].link == "https://hostile.example.com/news/500000"
    assert feed.items[0].title == "Headline number 0"
    assert feed.items[-1].link == f"https://hostile.example.com/news/{500_000 + MAX_ITEMS - 1}"
    assert all(len(i.link or "") < 200 for i in feed.items)  # no 10,000-character URL
    # Markup inside <script>, <style>, comments, <textarea> and <template> is no link.
    assert not any("900000" in (i.link or "") or "script" in (i.link or "") for i in feed.items)


def test_only_hostile_markup_is_an_error_not_a_crash() -> None:
    scripted = (SECTIONS / "hostile.html").read_bytes()
    with pytest.raises(FeedParseError):
        parse_section(scripted, "https://hostile.example.com/news/")
    nested = b"<html><body>" + b"<div>" * 100_000 + b'<a href="/news/12345">x</a></body></html>'
    with pytest.raises(FeedParseError):  # libxml2 stops at 256 levels: nothing left
        parse_section(nested, "https://hostile.example.com/news/")
