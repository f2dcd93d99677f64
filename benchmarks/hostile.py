"""Documents for benchmarks/sources.py: plain ones of each source kind, and hostile ones.

python benchmarks/hostile.py CASE     parse CASE in this process; print its peak RSS,
                                      its wall time and what came of it, as JSON
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE = "https://herald.example"


def plain(kind: str, source: int, ids: Iterable[int], sentence: str) -> bytes:
    """A document of `kind` with one entry per id: what a real source of it looks like."""
    ids = list(ids)
    if kind == "feed":
        items = "".join(
            f"<item><title>Story {i} of source {source}</title><link>{BASE}/{source}/{i}</link>"
            f"<guid>{BASE}/{source}/{i}</guid><description>{sentence}</description></item>"
            for i in ids
        )
        return (
            f"<rss version='2.0'><channel><title>S{source}</title>{items}</channel></rss>".encode()
        )
    if kind == "sitemap":
        urls = "".join(
            f"<url><loc>{BASE}/{source}/2026/12/05/story-{i}.html</loc><news:news>"
            "<news:publication><news:name>Herald</news:name><news:language>en</news:language>"
            "</news:publication><news:publication_date>2026-12-05T09:00:00Z"
            f"</news:publication_date><news:title>Story {i}: {sentence[:60]}</news:title>"
            "</news:news></url>"
            for i in ids
        )
        return (
            "<?xml version='1.0' encoding='UTF-8'?><urlset "
            "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
            f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{urls}</urlset>"
        ).encode()
    if kind == "telegram":
        return telegram(source, ids, lambda i: f"<b>Story {i}</b><br/>{sentence}")
    cards = "".join(  # relative: a section page's articles are on its own site
        f"<article class='card'><a href='/{source}/2026/12/05/story-{i}.html'>"
        f"<h2>Story {i}: {sentence[:60]}</h2></a><p>{sentence}</p></article>"
        for i in ids
    )
    return (
        f"<html><head><title>Politics</title></head><body><header><nav><a href='/'>Home</a>"
        f"</nav></header><main>{cards}</main><footer><a href='/about/'>About</a></footer>"
        "</body></html>"
    ).encode()


def telegram(source: int, ids: Iterable[int], text: Callable[[int], str]) -> bytes:
    messages = "".join(
        "<div class='tgme_widget_message_wrap'>"
        f"<div class='tgme_widget_message js-widget_message' data-post='herald{source}x/{i}'>"
        "<div class='tgme_widget_message_bubble'>"
        f"<div class='tgme_widget_message_text js-message_text' dir='auto'>{text(i)}</div>"
        "<div class='tgme_widget_message_footer'><span class='tgme_widget_message_meta'>"
        f"<a class='tgme_widget_message_date' href='https://t.me/herald{source}x/{i}'>"
        "<time datetime='2026-12-05T09:00:00+00:00'>09:00</time></a></span></div>"
        "</div></div></div>"
        for i in ids
    )
    return (
        "<html><head><meta property='og:title' content='Herald'></head><body>"
        "<div class='tgme_channel_info_header_title'><span>Herald</span></div>"
        f"<section class='tgme_channel_history js-message_history'>{messages}</section>"
        "</body></html>"
    ).encode()


def bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(2**24)
    return b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()


def big_index() -> bytes:
    kids = "".join(f"<sitemap><loc>{BASE}/s/{i}.xml</loc></sitemap>" for i in range(50_000))
    return f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{kids}</sitemapindex>".encode()


def many_urls() -> bytes:
    return plain("sitemap", 1, range(30_000), "A story.")


def ampersands() -> bytes:
    """Just under the 10 MB limit, gzipped: URLs whose queries hold bare & (repaired)."""
    urls = "".join(
        f"<url><loc>{BASE}/s/{i}.html?a=1&b=2&c=3&d=4</loc></url>" for i in range(135_000)
    )
    doc = f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
    return zlib.compress(doc.encode(), 9, wbits=16 + zlib.MAX_WBITS)


def scripted_telegram() -> bytes:
    evil = "<script>" + "x" * 20_000 + "</script>&lt;script&gt;alert(1)&lt;/script&gt; CSTO"
    return telegram(1, range(400), lambda i: f"{evil} {i}")


def link_page(depth: int) -> bytes:
    links = "".join(f"<a href='/2026/12/05/story-{i}.html'>Story {i}</a> " for i in range(20_000))
    return f"<html><body><main>{'<div>' * depth}{links}{'</div>' * depth}</main></body></html>".encode()


def loop() -> str:
    """A sitemap index whose child lists the index again, read by the daemon's reader."""
    from monitor.errors import FeedParseError
    from monitor.feeds.kinds import Kind
    from monitor.pipeline.sources import read_source
    from monitor.types import FeedSource, FetchResult, ParsedFeed, PollState

    def doc(child: str) -> bytes:
        return (
            "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
            f"<sitemap><loc>{BASE}/{child}.xml</loc></sitemap></sitemapindex>"
        ).encode()

    async def get(url: str, state: PollState | None, accept: str) -> FetchResult:
        body = doc("b") if url.endswith("/a.xml") else doc("a")
        return FetchResult(url, 200, body, "application/xml", None, None)

    async def parse(kind: Kind, result: FetchResult) -> ParsedFeed:
        return kind.parse(result.body, result.url, result.content_type)

    src = FeedSource(f"{BASE}/a.xml", None, 900, True, "sitemap")
    try:
        asyncio.run(read_source(src, PollState(), get, parse, None, 60))
    except FeedParseError as exc:
        return f"error: {exc}"
    return "read"


def parse(kind: str, data: bytes) -> str:
    from monitor.errors import FeedParseError
    from monitor.feeds.kinds import KINDS

    try:
        got = KINDS[kind].parse(data, f"{BASE}/section/", None)  # type: ignore[index]
    except FeedParseError as exc:
        return f"error: {exc}"
    return f"{len(got.items)} items, {len(got.follow)} to follow"


# Each case: the kind parsing it and the document (made before the clock starts), or a
# whole read that makes its own.
CASES: dict[str, tuple[str, Callable[[], bytes]] | Callable[[], str]] = {
    "baseline: a 50-item feed": ("feed", lambda: plain("feed", 1, range(50), "A story.")),
    "sitemap: a 1 GB gzip bomb": ("sitemap", bomb),
    "sitemap: an index of 50,000 children": ("sitemap", big_index),
    "sitemap: 30,000 URLs (6 MB)": ("sitemap", many_urls),
    "sitemap: 135,000 URLs with bare & (gzip, 10 MB)": ("sitemap", ampersands),
    "sitemap: an index that links to itself": loop,
    "telegram: 400 messages, 20 KB of script each": ("telegram", scripted_telegram),
    "page: 20,000 links": ("page", lambda: link_page(10)),
    "page: 20,000 links 5,000 divs deep": ("page", lambda: link_page(5000)),
}


def main() -> None:
    import monitor.feeds.kinds  # noqa: F401  (imported before the clock starts, as in a worker)

    case = CASES[sys.argv[1]]
    if isinstance(case, tuple):
        kind, make = case
        data = make()
        start = time.perf_counter()
        outcome = parse(kind, data)
    else:
        start = time.perf_counter()
        outcome = case()
    seconds = time.perf_counter() - start
    print(json.dumps({"peak_mb": peak_mb(), "seconds": seconds, "outcome": outcome}))


def peak_mb() -> float:
    """This process's peak RSS. VmHWM, not getrusage: ru_maxrss is inherited through fork
    and exec, so a child of a big process would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
