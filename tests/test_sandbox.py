"""Hostile and pathological input costs only its own feed or page (RELIABILITY rows 10-13)."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.fetch.client import Fetcher, FetchPolicy
from monitor.match import Matcher
from monitor.pipeline import Pipeline, RefreshResult
from monitor.sandbox import Sandbox, SandboxError, SandboxLimits
from monitor.store import Store, open_store
from monitor.types import FeedSource
from tests.httpd import Reply, ScriptedServer, rss

CORPUS_FEEDS = Path(__file__).parent / "fixtures" / "corpus-feeds"
# 92 KB: one <author> of 92,000 letters, which feedparser's author-email regex scans
# from every offset (RELIABILITY row 12: about 20 s of CPU here).
SLOW_AUTHOR = Path(__file__).parent / "fixtures" / "feeds" / "slow_author_regex.xml"


def spin(seconds: float) -> float:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return seconds


def allocate(mb: int) -> int:
    return len(bytearray(mb * 2**20))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxLimits(workers=2, deadline_s=1.0, memory_bytes=512 * 2**20)) as sb:
        asyncio.run(sb.run(spin, 0.0))  # workers started, so timings below are the tasks'
        yield sb


def test_a_task_over_its_deadline_is_stopped_and_the_pool_goes_on(sandbox: Sandbox) -> None:
    async def go() -> None:
        t0 = time.monotonic()
        with pytest.raises(SandboxError, match="over 1s"):
            await sandbox.run(spin, 30.0)
        assert time.monotonic() - t0 < 1.0 + 1.0  # deadline + 1 s
        # the other worker was never blocked, and the killed one is replaced
        assert await asyncio.gather(sandbox.run(spin, 0.01), sandbox.run(spin, 0.01)) == [
            0.01,
            0.01,
        ]

    asyncio.run(go())


def test_a_task_over_its_memory_fails_alone(sandbox: Sandbox) -> None:
    async def go() -> None:
        with pytest.raises(SandboxError, match="over 512 MB"):
            await sandbox.run(allocate, 2048)
        assert await sandbox.run(allocate, 16) == 16 * 2**20

    asyncio.run(go())


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    s = open_store(sqlite_url)
    yield s
    s.engine.dispose()


def poll_all(
    store: Store, urls: list[str], sandbox: Sandbox, pages: bool = False
) -> list[RefreshResult]:
    store.sync_feeds([FeedSource(u, None, 900) for u in urls])

    async def go() -> list[RefreshResult]:
        async with Fetcher(FetchPolicy(timeout_s=10, allow_private_networks=True)) as f:
            pipe = Pipeline(store, f, lambda: Matcher([]), sandbox)
            if not pages:
                pipe._page = _no_page  # type: ignore[method-assign]
            feeds = [store.feed(u) for u in urls]
            return list(await asyncio.gather(*(pipe.refresh(d) for d in feeds if d)))

    return asyncio.run(go())


async def _no_page(item: object) -> None:
    return None


def stored(store: Store) -> dict[str, tuple[str, str]]:
    """url -> (source, text) of every stored article."""
    from sqlalchemy import text

    with store.engine.connect() as c:
        rows = c.execute(text("SELECT url, source, text FROM article")).all()
    return {u: (src, t) for u, src, t in rows}


def test_every_corpus_feed_gives_entries_or_a_recorded_error(
    sqlite_store: Store, sandbox: Sandbox
) -> None:
    files = sorted(p for p in CORPUS_FEEDS.glob("*/*.xml"))
    assert len(files) > 100
    by_path = {f"/{p.parent.name}/{p.name}": p.read_bytes() for p in files}
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with ScriptedServer(
        lambda path, h: Reply(200, by_path[path], {"Content-Type": "application/xml"})
    ) as srv:
        t0 = time.monotonic()
        results = poll_all(sqlite_store, [srv.base + p for p in by_path], sandbox)
        took = time.monotonic() - t0
    statuses = {s.url: s for s in sqlite_store.feed_statuses()}
    for r in results:
        st = statuses[r.url]
        assert (r.status == "ok") or (r.status == "error" and st.last_error), r
    # (the hostile files' entities are never expanded or resolved: test_feeds_extract)
    bad = [(r.url, r.error) for r in results if "/wellformed/" in r.url and r.status != "ok"]
    assert bad == []
    # parsing happened in the workers: the polling process did not grow with the documents
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0 < 150 * 1024
    assert took < 60


def test_a_feed_that_holds_feedparser_in_its_author_regex_costs_only_itself(
    sqlite_store: Store, sandbox: Sandbox
) -> None:
    slow, calm = SLOW_AUTHOR.read_bytes(), rss([("Calm", "https://example.org/c", "c", "Text.")])
    with ScriptedServer(
        lambda path, h: Reply(200, slow if path == "/slow" else calm, {"Content-Type": "text/xml"})
    ) as srv:
        t0 = time.monotonic()
        results = {
            r.url.rsplit("/", 1)[1]: r
            for r in poll_all(sqlite_store, [srv.base + "/slow", srv.base + "/calm"], sandbox)
        }
        took = time.monotonic() - t0
    assert results["slow"].status == "error" and "over 1s" in (results["slow"].error or "")
    assert results["calm"].status == "ok" and results["calm"].new_items == 1
    assert took < 1.0 + 1.0 + 1.0  # the deadline + 1 s, and the calm feed's own poll
    errors = {s.url.rsplit("/", 1)[1]: s.last_error for s in sqlite_store.feed_statuses()}
    assert "parsing the feed took over 1s" in (errors["slow"] or "")


def test_a_pathological_page_costs_only_its_own_extraction(
    sqlite_store: Store, sandbox: Sandbox
) -> None:
    """A page that keeps the extractor busy past the deadline: the entry is matched from
    the feed, and the feed's other entries are processed."""
    # 3 MB of paragraphs: several seconds of trafilatura, over the 1 s deadline
    deep = (
        b"<html><body>"
        + b"<p>Putin said words about the matter at hand. " * 60000
        + b"</body></html>"
    )
    calm = (
        b"<html><body><article><p>"
        + b"A calm article about Karabakh. " * 40
        + b"</p></article></body></html>"
    )

    def script(path: str, h: dict[str, str]) -> Reply:
        if path == "/feed":
            items = [
                (f"T{n}", f"{srv.base}/{n}", n, f"Summary {n} Karabakh.") for n in ("deep", "calm")
            ]
            return Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
        return Reply(200, deep if path == "/deep" else calm, {"Content-Type": "text/html"})

    with ScriptedServer(script) as srv:
        t0 = time.monotonic()
        (res,) = poll_all(sqlite_store, [srv.base + "/feed"], sandbox, pages=True)
        took = time.monotonic() - t0
    assert res.status == "ok" and res.new_items == 2
    texts = {u.rsplit("/", 1)[1]: v for u, v in stored(sqlite_store).items()}
    assert texts["deep"][0] == "feed" and "Summary deep" in texts["deep"][1]
    assert texts["calm"][0] == "page" and "calm article" in texts["calm"][1]
    assert took < 10
