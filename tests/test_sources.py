"""Each source kind through the pipeline: read as its kind says, bounded, polite, and
its faults recorded as the source's own error."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import Callable
from functools import cache

import pytest

from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match.matcher import Matcher
from monitor.pipeline.refresh import Pipeline
from monitor.store import Store
from monitor.types import FeedSource, PollState, RefreshResult, SourceKind
from monitor.watchlists.model import Entity, Watchlist
from tests.support.httpd import Reply, ScriptedServer
from tests.support.store import feed
from tests.support.world import SLUG, TITLE, World, telegram_preview

CSTO = Watchlist("desk", "", (Entity("csto", "CSTO", ("CSTO",)),))
XML = {"Content-Type": "application/xml"}


def poll(store: Store, url: str, respect_robots: bool = True) -> RefreshResult:
    async def go() -> RefreshResult:
        async with Fetcher(FetchPolicy(timeout_s=60, allow_private_networks=True)) as f:
            pipe = Pipeline(store, f, lambda: Matcher([CSTO]), respect_robots=respect_robots)
            return await pipe.refresh(feed(store, url))

    return asyncio.run(go())


def add(store: Store, url: str, kind: SourceKind, pages: bool = True) -> None:
    store.sync_feeds([FeedSource(url, None, 900, pages, kind)])


def index(*children: str) -> bytes:
    locs = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return (
        f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{locs}</sitemapindex>"
    ).encode()


def serve(routes: Callable[[str], Reply | None]) -> ScriptedServer:
    return ScriptedServer(lambda path, _: routes(path) or Reply(404))


def test_a_sitemap_index_is_followed_to_the_news_and_its_pages_are_matched(
    sqlite_store: Store,
) -> None:
    world = World(published=True)
    with world.server:
        url = world.base + "/herald/sitemap.xml"
        add(sqlite_store, url, "sitemap")
        first = poll(sqlite_store, url)
        assert (first.status, first.new_items, len(first.new_hits)) == ("ok", 2, 1)
        [hit] = sqlite_store.hits()
        assert hit.title == TITLE and hit.source == "page"
        paths = [p for p, _ in world.server.requests]
        assert "/herald/sitemap-news.xml" in paths
        assert "/herald/sitemap-2019.xml" not in paths  # not among the newest children
        again = poll(sqlite_store, url)
        assert (again.status, again.new_items) == ("ok", 0)  # nothing new: nothing fetched
        assert [p for p, _ in world.server.requests].count(SLUG) == 1


def test_a_sitemap_answers_304_to_a_conditional_poll(sqlite_store: Store) -> None:
    body = index()

    def routes(path: str) -> Reply | None:
        return Reply(200, body, {**XML, "ETag": '"s1"'})

    with ScriptedServer(lambda p, h: Reply(304) if h.get("if-none-match") else routes(p)) as srv:
        add(sqlite_store, srv.base + "/s.xml", "sitemap")
        assert poll(sqlite_store, srv.base + "/s.xml").status == "ok"
        assert feed(sqlite_store, srv.base + "/s.xml").state == PollState('"s1"', None)
        assert poll(sqlite_store, srv.base + "/s.xml").status == "not-modified"


def test_a_sitemap_that_links_to_itself_is_a_clear_error(sqlite_store: Store) -> None:
    holder: list[str] = []

    def routes(path: str) -> Reply | None:
        b = holder[0]
        if path == "/a.xml":
            return Reply(200, index(f"{b}/b.xml"), XML)
        if path == "/b.xml":
            return Reply(200, index(f"{b}/a.xml"), XML)  # back to the first
        return None

    with serve(routes) as srv:
        holder.append(srv.base)
        add(sqlite_store, srv.base + "/a.xml", "sitemap")
        result = poll(sqlite_store, srv.base + "/a.xml")
        assert result.status == "error"
        assert "links back to itself" in (result.error or "")
        assert [p for p, _ in srv.requests] == ["/robots.txt", "/a.xml", "/b.xml"]


def test_sitemap_indexes_nested_too_deep_are_a_clear_error(sqlite_store: Store) -> None:
    holder: list[str] = []

    def routes(path: str) -> Reply | None:
        if path.startswith("/level"):
            n = int(path.removeprefix("/level").removesuffix(".xml"))
            return Reply(200, index(f"{holder[0]}/level{n + 1}.xml"), XML)
        return None

    with serve(routes) as srv:
        holder.append(srv.base)
        add(sqlite_store, srv.base + "/level0.xml", "sitemap")
        result = poll(sqlite_store, srv.base + "/level0.xml")
        assert result.status == "error" and "nested more than 2 deep" in (result.error or "")
        assert len([p for p, _ in srv.requests if p.startswith("/level")]) == 3


@cache
def bomb() -> bytes:
    """A gzip file of a gigabyte of zeros: about a megabyte on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(2**24)
    return b"".join(packer.compress(zeros) for _ in range(64)) + packer.flush()


@pytest.mark.slow
def test_a_sitemap_gzip_bomb_is_a_clear_error(sqlite_store: Store) -> None:
    payload = bomb()
    assert len(payload) < 2 * 2**20
    with serve(lambda p: Reply(200, payload, {"Content-Type": "application/gzip"})) as srv:
        add(sqlite_store, srv.base + "/sitemap.xml.gz", "sitemap")
        result = poll(sqlite_store, srv.base + "/sitemap.xml.gz")
    assert result.status == "error"
    assert "over 10 MB when decompressed" in (result.error or "")


def test_a_gzipped_sitemap_is_read(sqlite_store: Store) -> None:
    world = World(published=True)
    with world.server:
        body = gzip.compress(
            f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url>"
            f"<loc>{world.base}{SLUG}</loc><lastmod>2026-12-05</lastmod></url></urlset>".encode()
        )
        with serve(lambda p: Reply(200, body, {"Content-Type": "application/x-gzip"})) as srv:
            add(sqlite_store, srv.base + "/s.xml.gz", "sitemap")
            result = poll(sqlite_store, srv.base + "/s.xml.gz")
    assert (result.status, result.new_items, len(result.new_hits)) == ("ok", 1, 1)


def test_a_section_page_gives_its_article_links_and_a_changed_layout_is_an_error(
    sqlite_store: Store,
) -> None:
    world = World(published=True)
    with world.server:
        url = world.base + "/herald/politics/"
        add(sqlite_store, url, "page")
        result = poll(sqlite_store, url)
        assert (result.status, result.new_items, len(result.new_hits)) == ("ok", 3, 1)
        assert {h.title for h in sqlite_store.hits()} == {TITLE}
    empty = b"<html><body><main><div id='app'></div><script src='/app.js'></script></main></html>"
    with serve(lambda p: Reply(200, empty, {"Content-Type": "text/html"})) as srv:
        add(sqlite_store, srv.base + "/news/", "page")
        result = poll(sqlite_store, srv.base + "/news/")
    assert result.status == "error"
    assert "layout" in (result.error or "")


def test_robots_txt_that_disallows_a_section_page_is_obeyed(sqlite_store: Store) -> None:
    def routes(path: str) -> Reply | None:
        if path == "/robots.txt":
            return Reply(200, b"User-agent: *\nDisallow: /news/\n", {"Content-Type": "text/plain"})
        return Reply(200, b"<html></html>", {"Content-Type": "text/html"})

    with serve(routes) as srv:
        add(sqlite_store, srv.base + "/news/", "page")
        result = poll(sqlite_store, srv.base + "/news/")
        assert result.status == "error" and "robots.txt" in (result.error or "")
        assert [p for p, _ in srv.requests] == ["/robots.txt"]


def test_a_telegram_message_is_matched_and_its_article_link_fetched(
    sqlite_store: Store,
) -> None:
    world = World(published=True)
    with world.server:
        url = world.base + "/s/herald_news"
        add(sqlite_store, url, "telegram")
        result = poll(sqlite_store, url)
        assert (result.status, result.new_items, len(result.new_hits)) == ("ok", 2, 1)
        [hit] = sqlite_store.hits()
        # The message linked to the article: the article is what was matched and stored.
        assert hit.title == TITLE and hit.source == "page" and hit.url.endswith(SLUG)
        fetched = [p for p, _ in world.server.requests if p.split("?")[0] == SLUG]
        assert len(fetched) == 1


def test_a_telegram_message_without_a_link_is_matched_as_it_is(sqlite_store: Store) -> None:
    message = "<b>CSTO</b> summit: Armenia stays away.<script>alert(1)</script>"
    page = telegram_preview("https://x.example", False).replace(
        b"Good morning from Yerevan. Clear skies today.", message.encode()
    )
    with serve(lambda p: Reply(200, page, {"Content-Type": "text/html"})) as srv:
        add(sqlite_store, srv.base + "/s/herald_news", "telegram")
        result = poll(sqlite_store, srv.base + "/s/herald_news")
        assert (result.status, len(result.new_hits)) == ("ok", 1)
        assert [p for p, _ in srv.requests] == ["/s/herald_news"]  # nothing else fetched
    [hit] = sqlite_store.hits()
    assert hit.url == "https://t.me/herald_news/40" and hit.source == "feed"
    assert "alert(1)" not in hit.title and all("alert" not in s.text for s in hit.snippets)


def test_a_channel_telegram_will_not_show_is_a_clear_error(sqlite_store: Store) -> None:
    blocked = (
        b"<html><head><meta property='og:title' content='Telegram: Contact @x'></head><body>"
        b"<div class='tgme_page'><div class='tgme_page_title'>Herald</div>"
        b"<div class='tgme_page_description'>This channel can't be displayed because it "
        b"violated local laws.</div></div></body></html>"
    )
    with serve(lambda p: Reply(200, blocked, {"Content-Type": "text/html"})) as srv:
        add(sqlite_store, srv.base + "/s/herald_news", "telegram")
        result = poll(sqlite_store, srv.base + "/s/herald_news")
    assert result.status == "error"
    assert "can't be displayed" in (result.error or "").replace("’", "'")


def urlset(*locs: str) -> bytes:
    urls = "".join(f"<url><loc>{u}</loc><lastmod>2026-12-05</lastmod></url>" for u in locs)
    return f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>".encode()


def test_an_index_keeps_no_validators_so_its_childrens_news_is_never_hidden(
    sqlite_store: Store,
) -> None:
    holder: list[str] = []
    news: list[str] = ["/a/2026/12/05/first-story.html"]

    def script(path: str, headers: dict[str, str]) -> Reply:
        b = holder[0]
        if path == "/sitemap.xml":  # a static index: its ETag never changes
            if headers.get("if-none-match") == '"i1"':
                return Reply(304)
            return Reply(200, index(f"{b}/news.xml"), {**XML, "ETag": '"i1"'})
        if path == "/news.xml":
            return Reply(200, urlset(*(b + n for n in news)), XML)
        return Reply(404)

    with ScriptedServer(script) as srv:
        holder.append(srv.base)
        add(sqlite_store, srv.base + "/sitemap.xml", "sitemap", pages=False)
        assert poll(sqlite_store, srv.base + "/sitemap.xml").new_items == 1
        assert feed(sqlite_store, srv.base + "/sitemap.xml").state == PollState()
        news.append("/a/2026/12/05/second-story.html")
        again = poll(sqlite_store, srv.base + "/sitemap.xml")
        assert (again.status, again.new_items) == ("ok", 1)
        assert all("if-none-match" not in h for p, h in srv.requests if p == "/sitemap.xml")


def test_a_failing_child_is_left_out_and_only_all_failing_is_an_error(
    sqlite_store: Store,
) -> None:
    holder: list[str] = []
    broken = {"/sitemap-1.xml"}

    def routes(path: str) -> Reply | None:
        b = holder[0]
        if path == "/sitemap.xml":
            children = [
                f"{b}/sitemap-1.xml",
                f"{b}/sitemap-2.xml",
                "https://elsewhere.example/s.xml",
            ]
            return Reply(200, index(*children), XML)
        if path == "/sitemap-2.xml" and path not in broken:
            return Reply(200, urlset(f"{b}/a/2026/12/05/a-story-of-the-day.html"), XML)
        return None

    with serve(routes) as srv:
        holder.append(srv.base)
        url = srv.base + "/sitemap.xml"
        add(sqlite_store, url, "sitemap", pages=False)
        ok = poll(sqlite_store, url)
        assert (ok.status, ok.new_items) == ("ok", 1)
        broken.add("/sitemap-2.xml")
        failed = poll(sqlite_store, url)
        assert failed.status == "error"
        assert "child sitemap" in (failed.error or "") and "/sitemap-1.xml" in (failed.error or "")
        assert "/sitemap-2.xml" in (failed.error or "")
        assert all("elsewhere" not in p for p, _ in srv.requests)  # another site's: not read


def test_a_child_listed_by_two_indexes_is_not_a_loop(sqlite_store: Store) -> None:
    holder: list[str] = []

    def routes(path: str) -> Reply | None:
        b = holder[0]
        if path == "/a.xml":
            return Reply(200, index(f"{b}/b.xml", f"{b}/c.xml"), XML)
        if path == "/b.xml":
            return Reply(200, index(f"{b}/c.xml"), XML)
        if path == "/c.xml":
            return Reply(200, urlset(f"{b}/a/2026/12/05/shared-child-story.html"), XML)
        return None

    with serve(routes) as srv:
        holder.append(srv.base)
        add(sqlite_store, srv.base + "/a.xml", "sitemap", pages=False)
        result = poll(sqlite_store, srv.base + "/a.xml")
    assert (result.status, result.new_items) == ("ok", 1)


def test_a_telegram_message_about_a_stored_article_is_still_matched(
    sqlite_store: Store,
) -> None:
    world = World(published=False)
    with world.server:
        other = world.base + "/herald/2026/12/04/yerevan-budget-vote.html"
        add(sqlite_store, world.base + "/herald/rss.xml", "feed")
        assert poll(sqlite_store, world.base + "/herald/rss.xml").new_hits == ()  # city news
        message = f"CSTO summit cancelled, sources say. Background: <a href='{other}'>{other}</a>"
        page = telegram_preview(world.base, False).replace(
            b"Good morning from Yerevan. Clear skies today.", message.encode()
        )
        with serve(lambda p: Reply(200, page, {"Content-Type": "text/html"})) as tg:
            add(sqlite_store, tg.base + "/s/herald_news", "telegram")
            result = poll(sqlite_store, tg.base + "/s/herald_news")
        assert (result.status, len(result.new_hits)) == ("ok", 1)
        [hit] = sqlite_store.hits()
        assert hit.url.endswith("yerevan-budget-vote.html")  # one article, not two
        assert "CSTO summit cancelled" in hit.snippets[0].text
        fetched = [p for p, _ in world.server.requests if "yerevan-budget-vote" in p]
        assert len(fetched) == 1  # by the feed's poll only
