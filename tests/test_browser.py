"""The web page of a running daemon in a real browser (Debian's Chromium driven by
Playwright): filters, a story, search and the match box, as a person clicks them;
screenshots for the eye are left in the test's folder (or $SCREENSHOTS)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import REPO
from tests.support.web import filled_app, listening_url

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TIME = re.compile(r"(\d\d \w{3} \d{4} \d\d:\d\d) [+-]\d\d")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# After a click the old page may still be shown on a loaded machine: `expect` waits
# for the new one's rows, where a bare count() would read the old page's.
expect.set_options(timeout=60_000)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`monitor run` on a database the sample sites filled: its feeds are not due
    again during the test, so the daemon serves what is there."""
    with filled_app(tmp_path_factory.mktemp("browser")) as (cfg, _):
        daemon = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(cfg), "run"],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert daemon.stderr is not None
            yield listening_url(daemon.stderr)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(60)


@pytest.fixture(scope="module")
def browser(base: str) -> Iterator[Browser]:
    # After `base`: Playwright's sync API holds an event loop, and filling the
    # database runs `monitor run --once`, which starts its own.
    assert Path(CHROMIUM).exists(), "Chromium (Debian package chromium) is installed by .ci/tools"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


# Form controls that stand out of the page's text column: a select as wide as its longest
# option, past the margin, though the page itself does not scroll.
CONTROLS_OUT = """() => {
  const main = document.querySelector('main');
  const edge = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
  return [...main.querySelectorAll('select, input, textarea, button')]
    .filter(e => e.getBoundingClientRect().right > edge + 1)
    .map(e => (e.name || e.tagName) + ' ' + Math.round(e.getBoundingClientRect().right - edge) + 'px');
}"""


def test_filter_open_a_story_search_and_match(base: str, browser: Browser, tmp_path: Path) -> None:
    out = shots(tmp_path)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{base}/?period=all")
    everything = page.locator("article.story").count()
    assert everything >= 5
    page.screenshot(path=str(out / "stories.png"), full_page=True)
    # times in the desk's zone: the first subscription's (Asia/Yerevan), not UTC
    shown = page.locator("article.story").first.inner_text()
    assert re.search(r"\d\d:\d\d \+04", shown) and " UTC" not in shown, shown
    # the newest news first, whatever order the feeds listed it in; and how many
    metas = page.locator("article.story > div.meta:first-of-type").all_inner_texts()
    times = [datetime.strptime(m, "%d %b %Y %H:%M") for t in metas for m in TIME.findall(t)]
    assert len(times) == everything and times == sorted(times, reverse=True), times
    assert page.locator("p.count").inner_text() == f"{everything} stories, newest first"

    page.select_option("select[name=watchlist]", "karabakh")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**watchlist=karabakh**")
    narrowed = page.locator("article.story")
    assert 0 < narrowed.count() < everything
    for i in range(narrowed.count()):
        assert narrowed.nth(i).locator("a.chip.wl", has_text="karabakh").count() == 1
    page.get_by_role("link", name="clear filters").click()
    expect(page.locator("article.story")).to_have_count(everything)

    card = page.locator("article.story", has_text="Also reported by").first
    title = card.locator("h2 a").inner_text()
    card.locator("h2 a").click()
    page.wait_for_url("**/story/**")
    assert page.locator("h1").inner_text() != ""
    assert page.locator("section.copy").count() >= 2
    assert page.locator("section.copy h2 a", has_text=title).count() >= 1  # the first report
    assert page.locator("section.copy details.text[open] p").count() >= 2  # its text, readable
    page.screenshot(path=str(out / "story.png"), full_page=True)

    page.get_by_role("link", name="Search").click()
    page.fill("input[name=q]", "CSTO")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=CSTO**")
    results = page.locator("article.result")
    assert results.count() >= 2
    assert results.first.locator("mark").first.inner_text().upper() == "CSTO"
    page.screenshot(path=str(out / "search.png"), full_page=True)

    page.get_by_role("link", name="Try a text").click()
    page.fill("textarea[name=text]", "Kremlin spokesman Dmitry Peskov said the CSTO would meet.")
    page.get_by_role("button", name="Match").click()
    expect(page.locator(".match h2", has_text="MATCH csto")).to_have_count(1)
    expect(page.locator(".match h2", has_text="MATCH officials")).to_have_count(1)
    page.screenshot(path=str(out / "match.png"), full_page=True)

    page.get_by_role("link", name="Feeds").click()
    page.wait_for_url("**/feeds")
    expect(page.locator("tr.feed.bad")).to_have_count(1)
    heads = page.locator("thead th").all_inner_texts()
    assert "Last new item" in heads and "Hits" in heads
    hits = page.locator("tr.feed td:nth-child(4)").all_inner_texts()  # the Hits column
    assert any(int(h) > 0 for h in hits) and "0 stale" in page.locator("p.meta").inner_text()
    page.screenshot(path=str(out / "feeds.png"), full_page=True)
    page.get_by_role("link", name="Subscriptions").click()
    page.wait_for_url("**/subscriptions")
    expect(page.locator("tr.dead")).to_have_count(1)
    page.screenshot(path=str(out / "subscriptions.png"), full_page=True)


def test_readable_on_a_phone(base: str, browser: Browser, tmp_path: Path) -> None:
    out = shots(tmp_path)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{base}/?period=all")
    story = page.locator("article.story a[href^='/story/']").first.get_attribute("href")
    every = (
        ("/?period=all", "phone-stories"),
        (str(story), "phone-story"),
        ("/search?q=%40csto", "phone-search"),
        ("/search/save?q=CSTO", "phone-save"),
        ("/feeds", "phone-feeds"),
        ("/subscriptions", "phone-subscriptions"),
        ("/match", "phone-match"),
    )
    for path, name in every:  # every page the desk reads, at a phone's width
        page.goto(base + path)
        page.screenshot(path=str(out / f"{name}.png"), full_page=False)
        assert no_sideways_scroll(page), path
        assert page.evaluate(CONTROLS_OUT) == [], path
    page.goto(f"{base}/?period=all")
    # The page's own text never runs script: the hostile title is shown, not run.
    assert page.locator("article.story", has_text='<script>alert("x")</script>').count() == 1


def test_search_sort_switch_counts_and_save_as_watchlist(
    base: str, browser: Browser, tmp_path: Path
) -> None:
    out = shots(tmp_path)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(base + "/search?q=%40csto")  # every alias of the entity
    results = page.locator("article.result")
    assert results.count() >= 2
    best = [results.nth(i).locator("h2").inner_text() for i in range(results.count())]
    assert page.locator(".facets h3", has_text="Outlet").count() == 1
    page.screenshot(path=str(out / "search-entity.png"), full_page=True)

    page.get_by_role("link", name="newest first").click()
    page.wait_for_url("**sort=newest**")
    newest = [results.nth(i).locator("h2").inner_text() for i in range(results.count())]
    assert sorted(newest) == sorted(best)  # the same stories, another order
    assert page.locator("select[name=sort]").input_value() == "newest"

    outlet = (
        page.locator(".facets h3", has_text="Outlet")
        .locator("xpath=following-sibling::ul[1]/li/a")
        .first
    )
    name = outlet.inner_text()
    outlet.click()
    page.wait_for_url("**outlet=**")
    metas = [results.nth(i).locator(".meta").first.inner_text() for i in range(results.count())]
    assert metas and all(m.startswith(name) for m in metas)
    assert page.get_by_role("link", name="remove the outlet filter").count() == 1

    page.get_by_role("link", name="Save as watchlist").click()
    page.wait_for_url("**/search/save?**")
    assert "would have hit" in page.locator(".would-hit").inner_text()
    yaml = page.locator("pre.yaml").inner_text()
    assert "aliases:" in yaml and "ОДКБ" in yaml and "match: csto" in yaml
    page.screenshot(path=str(out / "search-save.png"), full_page=True)

    page.goto(base + "/search?q=CSTO+AND+%28OTSC")
    assert "missing ')'" in page.locator("p.error").inner_text()
    phone = browser.new_page(viewport={"width": 375, "height": 800})
    phone.goto(base + "/search?q=CSTO")
    assert no_sideways_scroll(phone)
    phone.screenshot(path=str(out / "search-phone.png"), full_page=True)
    page.close()
    phone.close()


def test_a_broken_watchlist_is_a_banner_on_every_page(browser: Browser, tmp_path: Path) -> None:
    """The page runs on the last good version and says where the error is."""
    lists = tmp_path / "watchlists"
    shutil.copytree(REPO / "watchlists", lists)
    broken = lists / "csto.yaml"
    broken.write_text(broken.read_text() + "  - : [\n")
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {lists}\n")
    web = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(cfg), "web", "--listen", "127.0.0.1:0"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert web.stderr is not None
        base = listening_url(web.stderr)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        for path in ("/", "/search", "/feeds", "/subscriptions", "/match"):
            page.goto(base + path)
            banner = page.locator("div.banner[role=alert]")
            assert banner.count() == 1, path
            assert (
                f"{broken}:" in banner.inner_text() and "what it last loaded" in banner.inner_text()
            )
        page.screenshot(path=str(shots(tmp_path) / "banner.png"), full_page=False)
        page.close()
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(60)
