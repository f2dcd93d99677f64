"""monitor.feeds.sitemap: news sitemaps, indexes, text sitemaps, and hostile inputs.
Every document is generated here; nothing touches the network."""

from __future__ import annotations

import gzip
import pickle
import struct
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from monitor.errors import FeedParseError
from monitor.feeds.sitemap import FOLLOW, MAX_BYTES, MAX_CHILDREN, MAX_URLS, parse_sitemap
from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
IMAGE = "http://www.google.com/schemas/sitemap-image/1.1"
VIDEO = "http://www.google.com/schemas/sitemap-video/1.1"
SITE = "https://news.example"


def urlset(entries: str, ns: str = f'xmlns="{SM}"') -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {ns}>\n{entries}\n</urlset>\n'.encode()


def url(loc: str, lastmod: str | None = None, extra: str = "") -> str:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"<url><loc>{loc}</loc>{mod}{extra}</url>"


def index(children: Sequence[tuple[str, str | None]]) -> bytes:
    body = "".join(
        f"<sitemap><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}</sitemap>"
        for loc, mod in children
    )
    return f'<?xml version="1.0"?><sitemapindex xmlns="{SM}">{body}</sitemapindex>'.encode()


def news(title: str, date: str, name: str = "Новости", lang: str = "ru") -> str:
    return (
        "<news:news><news:publication>"
        f"<news:name>{name}</news:name><news:language>{lang}</news:language>"
        f"</news:publication><news:publication_date>{date}</news:publication_date>"
        f"<news:title>{title}</news:title></news:news>"
    )


# -- urlset ------------------------------------------------------------------------------


def test_google_news_sitemap() -> None:
    body = urlset(
        url(
            f"{SITE}/ru/2026/12/01/peskov",
            "2026-11-30",  # the news date wins over lastmod
            news("Песков ответил на вопрос о переговорах", "2026-12-01T10:15:00+03:00")
            + f"<image:image><image:loc>{SITE}/img/1.jpg</image:loc></image:image>",
        )
        + url(
            f"{SITE}/hy/2026/12/01/pashinyan",
            extra=news("Փաշինյանը հանդիպեց Ալիևին", "2026-12-01T09:30:00Z", lang="hy")
            + f"<video:video><video:title>Not this</video:title>"
            f"<video:content_loc>{SITE}/v.mp4</video:content_loc></video:video>",
        ),
        ns=f'xmlns="{SM}" xmlns:news="{NEWS}" xmlns:image="{IMAGE}" xmlns:video="{VIDEO}"',
    )
    feed = parse_sitemap(body, f"{SITE}/sitemap-news.xml", "application/xml")
    assert feed.title == "Новости"
    assert feed.follow == () and feed.bozo_reason is None
    assert [i.link for i in feed.items] == [
        f"{SITE}/hy/2026/12/01/pashinyan",  # 09:30Z is after 07:15Z
        f"{SITE}/ru/2026/12/01/peskov",
    ]
    hy, ru = feed.items
    assert hy.title == "Փաշինյանը հանդիպեց Ալիևին"
    assert ru.title == "Песков ответил на вопрос о переговорах"
    assert ru.published == datetime(2026, 12, 1, 7, 15, tzinfo=UTC)
    assert hy.published == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    for item in feed.items:
        assert item.key == item.link
        assert item.summary == "" and item.author is None and item.fetch_page
        assert item.fingerprint == content_hash(item.title, "")
        assert item.signature == signature(item.title)


def test_plain_lastmod_sitemap() -> None:
    body = urlset(
        url(f"{SITE}/a", "2026-03-01")
        + url(f"{SITE}/b", "2026-03-02T08:00+01:00")
        + url(f"{SITE}/undated")
        + url(f"{SITE}/a", "2026-03-03")  # listed twice: once, with the newer date
        + url("ftp://files.example/c", "2026-03-04")
        + url("javascript:alert(1)")
        + url(f"  {SITE}/spaced \n ", "2026-03-01T12:00:00Z")
        + url("/relative", "2026-02-01")
    )
    feed = parse_sitemap(body, f"{SITE}/sitemap.xml")
    assert feed.title is None
    assert [(i.link, i.published and i.published.isoformat()) for i in feed.items] == [
        (f"{SITE}/a", "2026-03-03T00:00:00+00:00"),
        (f"{SITE}/b", "2026-03-02T07:00:00+00:00"),
        (f"{SITE}/spaced", "2026-03-01T12:00:00+00:00"),
        (f"{SITE}/relative", "2026-02-01T00:00:00+00:00"),
        (f"{SITE}/undated", None),
    ]
    assert all(i.title == "" and i.fetch_page for i in feed.items)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01T10:15Z", datetime(2026, 12, 1, 10, 15, tzinfo=UTC)),
        ("2026-12-01T10:15:30Z", datetime(2026, 12, 1, 10, 15, 30, tzinfo=UTC)),
        ("2026-12-01T10:15:30.123456+04:00", datetime(2026, 12, 1, 6, 15, 30, tzinfo=UTC)),
        ("2026-12-01T01:00:00-05:30", datetime(2026, 12, 1, 6, 30, tzinfo=UTC)),
        ("2026-12-01T10:15:30+0300", datetime(2026, 12, 1, 7, 15, 30, tzinfo=UTC)),
        ("2026-12-01 10:15:30", datetime(2026, 12, 1, 10, 15, 30, tzinfo=UTC)),  # no zone: UTC
        (" 2026-12-01T10:15:30Z\n", datetime(2026, 12, 1, 10, 15, 30, tzinfo=UTC)),
        ("2026-02-30", None),
        ("2026-12-01T25:00Z", None),
        ("2026-12-01T10:00+25:00", None),
        ("2026", None),  # a year is not a publication date
        ("01/12/2026", None),
        ("yesterday", None),
        ("", None),
        ("1970-01-01T00:00:00Z", None),  # a placeholder, before EARLIEST_PUBLISHED
        ("0001-01-01", None),
        ("0001-01-01T00:00:00+05:00", None),  # before year 1 in UTC
        ("9999-12-31T23:59:59-05:00", None),  # after year 9999 in UTC
    ],
)
def test_dates(text: str, expected: datetime | None) -> None:
    feed = parse_sitemap(urlset(url(f"{SITE}/a", text)), f"{SITE}/s.xml")
    assert feed.items[0].published == expected
    news_feed = parse_sitemap(
        urlset(url(f"{SITE}/a", extra=news("T", text)), f'xmlns="{SM}" xmlns:news="{NEWS}"'),
        f"{SITE}/s.xml",
    )
    assert news_feed.items[0].published == expected


def test_an_invalid_news_date_falls_back_to_lastmod() -> None:
    body = urlset(
        url(f"{SITE}/a", "2026-05-05", news("T", "not a date")),
        f'xmlns="{SM}" xmlns:news="{NEWS}"',
    )
    assert parse_sitemap(body, f"{SITE}/s.xml").items[0].published == datetime(
        2026, 5, 5, tzinfo=UTC
    )


def test_a_large_urlset_keeps_the_newest() -> None:
    # 60,000 URLs (more than sitemaps.org allows), dates shuffled, some undated: the
    # MAX_URLS newest survive, newest first, and the undated ones count as oldest.
    start = datetime(2025, 1, 1, tzinfo=UTC)
    entries = []
    for n in range(60_000):
        minutes = (n * 7919) % 60_000  # a permutation of 0..59,999
        mod = None if n % 10 == 0 else (start + timedelta(minutes=minutes)).isoformat()
        entries.append(url(f"{SITE}/a/{n}", mod))
    feed = parse_sitemap(urlset("".join(entries)), f"{SITE}/archive.xml")
    assert len(feed.items) == MAX_URLS
    dated = sorted(
        (start + timedelta(minutes=(n * 7919) % 60_000), f"{SITE}/a/{n}")
        for n in range(60_000)
        if n % 10
    )
    newest = [link for _, link in reversed(dated[-MAX_URLS:])]
    assert [i.link for i in feed.items] == newest


def test_undated_urls_fill_up_in_document_order() -> None:
    entries = url(f"{SITE}/dated", "2026-01-01") + "".join(
        url(f"{SITE}/u/{n}") for n in range(MAX_URLS + 50)
    )
    feed = parse_sitemap(urlset(entries), f"{SITE}/s.xml")
    links = [i.link for i in feed.items]
    assert links[0] == f"{SITE}/dated"
    assert links[1:] == [f"{SITE}/u/{n}" for n in range(MAX_URLS - 1)]


def test_common_faults_are_repaired() -> None:
    # A bare & in a URL, HTML entities and a control character in a title, & in CDATA.
    body = urlset(
        url(f"{SITE}/a?x=1&y=2", "2026-01-02", news("Tom&nbsp;&mdash; Jerry\x0b", "2026-01-02"))
        + url(f"{SITE}/b", "2026-01-01", news("<![CDATA[Tom & Jerry &amp; co]]>", "2026-01-01")),
        f'xmlns="{SM}" xmlns:news="{NEWS}"',
    )
    feed = parse_sitemap(body, f"{SITE}/s.xml")
    assert feed.bozo_reason is None
    assert [(i.link, i.title) for i in feed.items] == [
        (f"{SITE}/a?x=1&y=2", "Tom — Jerry"),
        (f"{SITE}/b", "Tom & Jerry &amp; co"),
    ]


def test_declared_encodings() -> None:
    entries = url(f"{SITE}/a", extra=news("Песков", "2026-01-01", name="Ведомости"))
    xml = urlset(entries, f'xmlns="{SM}" xmlns:news="{NEWS}"').decode()
    cp1251 = xml.replace('encoding="UTF-8"', 'encoding="windows-1251"').encode("cp1251")
    utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    for body in (cp1251, utf16):
        feed = parse_sitemap(body, f"{SITE}/s.xml")
        assert [(i.link, i.title) for i in feed.items] == [(f"{SITE}/a", "Песков")]
        assert feed.title == "Ведомости"


def test_a_record_with_many_children() -> None:
    # 50,000 images in one <url>: read as they stream by, then dropped.
    images = "".join(
        f"<image:image><image:loc>{SITE}/{n}.jpg</image:loc></image:image>" for n in range(50_000)
    )
    body = urlset(url(f"{SITE}/a", "2026-01-01", images), f'xmlns="{SM}" xmlns:image="{IMAGE}"')
    assert [i.link for i in parse_sitemap(body, f"{SITE}/s.xml").items] == [f"{SITE}/a"]


def test_the_parser_runs_in_a_worker_process() -> None:
    assert pickle.loads(pickle.dumps(parse_sitemap)) is parse_sitemap  # module-level
    with pytest.raises(TypeError):
        parse_sitemap(cast(Any, "https://a.example/"), f"{SITE}/s.txt")


def test_too_many_faults_to_repair_are_an_error_not_a_parse_without_bound() -> None:
    # Repairs cost a step each, and the parser's recovery an error record each.
    body = urlset(url(f"{SITE}/1", "2026-01-01") + url(f"{SITE}/2?{'&' * 1_100_000}", "2026-01-02"))
    with pytest.raises(FeedParseError, match=r"over 1,000,000 bare & or CDATA to repair"):
        parse_sitemap(body, f"{SITE}/s.xml")


# -- namespaces ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ns",
    [
        f'xmlns="{SM}"',
        'xmlns="https://www.sitemaps.org/schemas/sitemap/0.9"',
        'xmlns="http://sitemaps.org/schemas/sitemap/0.9/"',
        'xmlns="http://www.google.com/schemas/sitemap/0.84"',
        'xmlns="http://www.google.com/schemas/sitemap/0.9"',
        "",  # no namespace at all
        f'xmlns:sm="{SM}"',  # prefixed: see the body below
    ],
)
def test_namespace_variants(ns: str) -> None:
    entries = url(f"{SITE}/a", "2026-01-01", news("Заголовок", "2026-01-01", name="Site"))
    news_ns = f'xmlns:news="{NEWS.replace("0.9", "0.84")}"'
    body = urlset(entries, f"{ns} {news_ns}")
    if ns.startswith("xmlns:sm"):
        body = body.replace(b"<url", b"<sm:url").replace(b"</url", b"</sm:url")
        body = body.replace(b"<loc", b"<sm:loc").replace(b"</loc", b"</sm:loc")
    feed = parse_sitemap(body, f"{SITE}/s.xml")
    assert [(i.link, i.title) for i in feed.items] == [(f"{SITE}/a", "Заголовок")]
    assert feed.title == "Site"


def test_an_undeclared_news_prefix_is_read_and_reported() -> None:
    body = urlset(url(f"{SITE}/a", extra=news("Բարև", "2026-01-01")))  # no xmlns:news
    feed = parse_sitemap(body, f"{SITE}/s.xml")
    assert [(i.link, i.title) for i in feed.items] == [(f"{SITE}/a", "Բարև")]
    assert feed.bozo_reason and "news" in feed.bozo_reason


# -- gzip ------------------------------------------------------------------------------------


GZ_BODY = urlset(url(f"{SITE}/a", "2026-01-01") + url(f"{SITE}/b", "2026-01-02"))


@pytest.mark.parametrize("content_type", [None, "application/x-gzip", "text/xml", "text/html"])
def test_gzip_or_not_whatever_the_content_type(content_type: str | None) -> None:
    plain = parse_sitemap(GZ_BODY, f"{SITE}/s.xml", content_type)
    zipped = parse_sitemap(gzip.compress(GZ_BODY), f"{SITE}/s.xml", content_type)
    assert [i.link for i in plain.items] == [f"{SITE}/b", f"{SITE}/a"]
    assert zipped == plain


def test_concatenated_gzip_members() -> None:
    half = len(GZ_BODY) // 2
    body = gzip.compress(GZ_BODY[:half]) + gzip.compress(GZ_BODY[half:])
    assert len(parse_sitemap(body, f"{SITE}/s.xml.gz").items) == 2


def test_truncated_gzip() -> None:
    zipped = gzip.compress(GZ_BODY * 20)
    with pytest.raises(FeedParseError, match="truncated"):
        parse_sitemap(zipped[: len(zipped) // 2], f"{SITE}/s.xml.gz")


def test_corrupt_gzip() -> None:
    zipped = bytearray(gzip.compress(GZ_BODY))
    zipped[12:40] = b"\xff" * 28
    with pytest.raises(FeedParseError, match="gzip"):
        parse_sitemap(bytes(zipped), f"{SITE}/s.xml.gz")


def test_over_max_bytes_uncompressed_or_compressed() -> None:
    with pytest.raises(FeedParseError, match=r"sitemap is over 1000 bytes$"):
        parse_sitemap(GZ_BODY * 10, f"{SITE}/s.xml", max_bytes=1000)
    with pytest.raises(FeedParseError, match="over 1000 bytes when decompressed"):
        parse_sitemap(gzip.compress(GZ_BODY * 10), f"{SITE}/s.xml", max_bytes=1000)


def gzip_zeros(mib: int) -> bytes:
    """A gzip file of `mib` MiB of zeros, built in a fraction of a second: after a full
    flush each MiB compresses to the same bytes, so one block is repeated; the trailer
    (CRC-32 and size) is computed for the whole."""
    zeros = bytes(2**20)
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    last = comp.flush()[:-8]  # the final empty block, without the trailer for 2 MiB
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return head + block * (mib - 1) + last + struct.pack("<II", crc, (mib * 2**20) % 2**32)


def test_gzip_zeros_is_a_valid_gzip_file() -> None:
    assert gzip.decompress(gzip_zeros(5)) == bytes(5 * 2**20)


@pytest.fixture(scope="session")
def gzip_bomb() -> bytes:
    return gzip_zeros(1024)  # 1 GiB of zeros in about 1 MB


class _Inflater:
    """zlib's decompress object, with what each call asked for and gave recorded."""

    def __init__(self, real: Any, calls: list[tuple[int, int]]) -> None:
        self._real = real
        self._calls = calls

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        out: bytes = self._real.decompress(data, max_length)
        self._calls.append((max_length, len(out)))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_gzip_bomb_stops_at_the_limit(gzip_bomb: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(gzip_bomb) < 2 * 2**20
    calls: list[tuple[int, int]] = []
    real: Callable[..., Any] = zlib.decompressobj
    monkeypatch.setattr(zlib, "decompressobj", lambda *a: _Inflater(real(*a), calls))
    with pytest.raises(FeedParseError, match=r"^sitemap is over 10 MB when decompressed$"):
        parse_sitemap(gzip_bomb, f"{SITE}/sitemap.xml.gz", "application/xml")
    # Every step was bounded, and inflating stopped one step past the limit: what was
    # held is about MAX_BYTES, not the gigabyte.
    produced = sum(out for _, out in calls)
    biggest_step = max(limit for limit, _ in calls)
    assert all(0 < limit <= 16 * 2**20 for limit, _ in calls)
    assert MAX_BYTES < produced <= MAX_BYTES + biggest_step


# -- sitemap index ---------------------------------------------------------------------------


def test_index_follows_the_newest_children() -> None:
    children: list[tuple[str, str | None]] = [
        (f"{SITE}/sitemap-1.xml", "2026-01-01"),
        (f"{SITE}/sitemap-2.xml", "2026-03-01T10:00:00+00:00"),
        (f"{SITE}/sitemap-3.xml", "2026-02-01"),
        (f"{SITE}/sitemap-4.xml", "2026-03-01T12:00:00+00:00"),
        (f"{SITE}/sitemap-5.xml", None),
    ]
    feed = parse_sitemap(index(children), f"{SITE}/sitemap.xml")
    assert feed.items == () and feed.title is None
    assert FOLLOW == 3
    assert feed.follow == (
        f"{SITE}/sitemap-4.xml",
        f"{SITE}/sitemap-2.xml",
        f"{SITE}/sitemap-3.xml",
    )


def test_index_without_lastmod_follows_the_last_post_pages() -> None:
    # Yoast / Rank Math: new posts go to the last page; pages, categories and authors
    # are not articles.
    names = ["post-sitemap.xml"] + [f"post-sitemap{n}.xml" for n in range(2, 43)]
    names += ["page-sitemap.xml", "category-sitemap.xml", "post_tag-sitemap.xml"]
    names += ["author-sitemap.xml"]
    feed = parse_sitemap(index([(f"{SITE}/{n}", None) for n in names]), f"{SITE}/sitemap_index.xml")
    assert feed.follow == tuple(f"{SITE}/post-sitemap{n}.xml" for n in (42, 41, 40))


def test_index_without_lastmod_or_numbers_follows_the_last_listed() -> None:
    names = ["alpha.xml", "beta.xml", "gamma.xml", "delta.xml"]
    feed = parse_sitemap(index([(f"{SITE}/{n}", None) for n in names]), f"{SITE}/sitemap.xml")
    assert feed.follow == tuple(f"{SITE}/{n}" for n in ("delta.xml", "gamma.xml", "beta.xml"))


def test_wordpress_core_index() -> None:
    names = [f"wp-sitemap-posts-post-{n}.xml" for n in (1, 2, 3, 4)]
    names += ["wp-sitemap-posts-page-1.xml", "wp-sitemap-taxonomies-category-1.xml"]
    names += ["wp-sitemap-users-1.xml"]
    feed = parse_sitemap(index([(f"{SITE}/{n}", None) for n in names]), f"{SITE}/wp-sitemap.xml")
    assert feed.follow == tuple(f"{SITE}/wp-sitemap-posts-post-{n}.xml" for n in (4, 3, 2))


@pytest.mark.parametrize("newest_first", [True, False])
def test_index_by_dated_names(newest_first: bool) -> None:
    months = [f"{SITE}/sitemaps/sitemap-{y}-{m:02}.xml" for y in (2025, 2026) for m in range(1, 13)]
    if newest_first:
        months.reverse()
    feed = parse_sitemap(index([(u, None) for u in months]), f"{SITE}/sitemap.xml")
    assert feed.follow == tuple(f"{SITE}/sitemaps/sitemap-2026-{m}.xml" for m in (12, 11, 10))


def test_index_prefers_news_children() -> None:
    children: list[tuple[str, str | None]] = [
        (f"{SITE}/sitemap-news.xml", "2026-01-01"),
        (f"{SITE}/sitemap-2026-12.xml", "2026-12-31"),
        (f"{SITE}/sitemap-video.xml", "2026-12-31"),
        (f"{SITE}/newsletter-sitemap.xml", "2026-12-31"),
    ]
    feed = parse_sitemap(index(children), f"{SITE}/sitemap.xml")
    assert feed.follow == (f"{SITE}/sitemap-news.xml",)


def test_index_child_names_with_long_numbers() -> None:
    children: list[tuple[str, str | None]] = [(f"{SITE}/sitemap-{'9' * 5000}.xml", None)]
    children += [(f"{SITE}/sitemap-{n}.xml", None) for n in (1, 2)]
    feed = parse_sitemap(index(children), f"{SITE}/sitemap.xml")
    assert len(feed.follow) == 3


def test_index_child_urls_are_resolved_and_cleaned() -> None:
    children: list[tuple[str, str | None]] = [
        ("  \n /sitemap-a.xml \n", "2026-01-03"),
        ("HTTPS://News.Example/sitemap-b.xml#top", "2026-01-02"),
        ("ftp://news.example/sitemap-c.xml", "2026-01-04"),
        ("mailto:x@news.example", "2026-01-05"),
        ("http://[::1/broken.xml", "2026-01-06"),  # an invalid IPv6 host: dropped
        ("http://a\uff03b.example/x.xml", "2026-01-07"),  # NFKC makes it a '#': dropped
        (f"{SITE}/sitemap-a.xml", "2026-01-01"),  # the same child again
    ]
    feed = parse_sitemap(index(children), f"{SITE}/sitemaps/index.xml")
    assert feed.follow == (f"{SITE}/sitemap-a.xml", f"{SITE}/sitemap-b.xml")


def test_idn_hosts() -> None:
    feed = parse_sitemap(
        urlset(url("https://пример.рф/новости/1", "2026-01-01")), "https://пример.рф/s"
    )
    assert [i.link for i in feed.items] == ["https://пример.рф/новости/1"]
    children = [("https://пример.рф/sitemap-news.xml", None)]
    assert parse_sitemap(index(children), "https://пример.рф/s").follow == (children[0][0],)


def test_index_over_max_children() -> None:
    body = index([(f"{SITE}/sitemap-{n}.xml", None) for n in range(50_000)])
    with pytest.raises(FeedParseError, match=r"^sitemap index lists more than 5000 sitemaps$"):
        parse_sitemap(body, f"{SITE}/sitemap.xml")
    at_limit = index([(f"{SITE}/sitemap-{n}.xml", None) for n in range(MAX_CHILDREN)])
    assert len(parse_sitemap(at_limit, f"{SITE}/sitemap.xml").follow) == FOLLOW


@pytest.mark.parametrize(
    "child",
    [
        f"{SITE}/sitemap.xml",
        " http://news.example/sitemap.xml ",
        "https://NEWS.example/sitemap.xml#x",
    ],
)
def test_index_linking_to_itself(child: str) -> None:
    body = index([(f"{SITE}/sitemap-1.xml", None), (child, None)])
    with pytest.raises(FeedParseError, match=r"^sitemap links to itself$"):
        parse_sitemap(body, f"{SITE}/sitemap.xml")


# -- text sitemaps ---------------------------------------------------------------------------


def test_text_sitemap() -> None:
    lines = [f"\ufeff{SITE}/first\r", f"{SITE}/a", f" {SITE}/b ", "", "not a url", f"{SITE}/a"]
    feed = parse_sitemap("\n".join(lines).encode(), f"{SITE}/sitemap.txt", "text/plain")
    assert [i.link for i in feed.items] == [f"{SITE}/first", f"{SITE}/a", f"{SITE}/b"]
    assert all(i.published is None and i.fetch_page for i in feed.items)
    assert feed.bozo_reason is not None and "not a URL" in feed.bozo_reason


def test_text_sitemap_gzipped_and_capped() -> None:
    body = "\n".join(f"{SITE}/{n}" for n in range(MAX_URLS + 10)).encode()
    feed = parse_sitemap(gzip.compress(body), f"{SITE}/sitemap.txt.gz")
    assert [i.link for i in feed.items] == [f"{SITE}/{n}" for n in range(MAX_URLS)]


# -- what is not a sitemap -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>x</title></head></html>",
            "an HTML page, not a sitemap",
        ),
        (b"\n  <html lang=en><body><p>Hello<br></body></html>", "an HTML page, not a sitemap"),
        (
            b'<?xml version="1.0"?><rss version="2.0"><channel><item><link>https://a.example/1'
            b"</link></item></channel></rss>",
            "an RSS feed, not a sitemap",
        ),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>',
            "an Atom feed, not a sitemap",
        ),
        (
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
            "an RSS 1.0 \\(RDF\\) feed, not a sitemap",
        ),
        (
            b"<config><loc>https://a.example/</loc></config>",
            "an XML document <config>, not a sitemap",
        ),
        (b"", "an empty body, not a sitemap"),
        (b" \r\n\t", "an empty body, not a sitemap"),
        (b'{"urls": ["https://a.example/"]}', "JSON, not a sitemap"),
        (
            b"User-agent: *\nSitemap: https://a.example/sitemap.xml\n",
            "not a list of URLs, not a sitemap",
        ),
        (b"<<<>>>", "^not a sitemap: "),
        (gzip.compress(b"<html><body>gone</body></html>", mtime=0), "an HTML page, not a sitemap"),
    ],
)
def test_not_a_sitemap(body: bytes, message: str) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_sitemap(body, f"{SITE}/sitemap.xml")


# -- broken and hostile XML ------------------------------------------------------------------


def test_broken_xml_keeps_what_was_read() -> None:
    whole = urlset("".join(url(f"{SITE}/{n}", f"2026-01-0{n}") for n in range(1, 5)))
    cut = whole[: whole.index(f"{SITE}/4".encode()) + len(SITE) + 1]  # inside the 4th <loc>
    feed = parse_sitemap(cut, f"{SITE}/s.xml")
    # The 4th URL, cut short and closed by the parser's recovery, is not kept.
    assert [i.link for i in feed.items] == [f"{SITE}/3", f"{SITE}/2", f"{SITE}/1"]
    assert feed.bozo_reason


def test_junk_after_the_urls_keeps_them_all() -> None:
    body = urlset(url(f"{SITE}/1", "2026-01-01") + url(f"{SITE}/2", "2026-01-02"))
    feed = parse_sitemap(body + b"<<< junk", f"{SITE}/s.xml")
    assert [i.link for i in feed.items] == [f"{SITE}/2", f"{SITE}/1"]
    assert feed.bozo_reason


def test_broken_xml_with_no_url_read() -> None:
    with pytest.raises(FeedParseError, match=r"^not a sitemap: broken XML with no <url>"):
        parse_sitemap(f'<urlset xmlns="{SM}"><url><loc>{SITE}/a'.encode(), f"{SITE}/s.xml")
    with pytest.raises(FeedParseError, match=r"^not a sitemap: broken XML with no <sitemap>"):
        parse_sitemap(f'<sitemapindex xmlns="{SM}"><sitemap><loc>'.encode(), f"{SITE}/s.xml")


def test_a_valid_empty_sitemap_is_no_error() -> None:
    assert parse_sitemap(urlset(""), f"{SITE}/s.xml").items == ()
    assert parse_sitemap(index([]), f"{SITE}/s.xml").follow == ()


LAUGHS = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' if n else '<!ENTITY lol0 "lol">' for n in range(10)
)


def test_billion_laughs() -> None:
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE urlset [{LAUGHS}]>\n<urlset xmlns="{SM}" '
        f'xmlns:news="{NEWS}">{url(f"{SITE}/a", extra=news("&lol9;", "2026-01-01"))}'
        f"{url(f'{SITE}/&lol9;')}</urlset>"
    ).encode()
    feed = parse_sitemap(body, f"{SITE}/s.xml")
    assert len(repr(feed)) < 2000
    assert "lollol" not in repr(feed)
    assert feed.items[0].title == "&lol9;"  # shown as written, never expanded


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "/etc/passwd">]>',
        '<!DOCTYPE urlset [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        '<!DOCTYPE urlset SYSTEM "http://127.0.0.1:9/evil.dtd">',
        # A DOCTYPE the stripping pattern cannot take whole: the parser must still refuse.
        '<!DOCTYPE urlset [<!ENTITY x "]>"><!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_external_entities_are_never_read(doctype: str) -> None:
    body = (
        f'<?xml version="1.0"?>\n{doctype}\n<urlset xmlns="{SM}" xmlns:news="{NEWS}">'
        f"{url(f'{SITE}/a', '&xxe;', news('&xxe;', '&xxe;'))}{url(f'{SITE}/b?&xxe;')}"
        "</urlset>"
    ).encode()
    try:
        feed = parse_sitemap(body, f"{SITE}/s.xml")
    except FeedParseError as exc:
        assert "root:" not in str(exc)
        return
    assert "root:" not in repr(feed)
    assert all(i.published is None for i in feed.items)
