"""`monitor feeds add URL`: finding a site's feeds, its news sitemap or a page of
article links, on sites served on 127.0.0.1, and adding one to monitor.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.config.editor import quoted, text_scalar, url_scalar, with_feed
from monitor.config.settings import load_settings
from monitor.feeds.discover import (
    Found,
    clean_href,
    looks_like_html,
    page_candidates,
    rank,
    robots_sitemaps,
    same_site,
    site_url,
    url_key,
)
from tests.conftest import FIXTURES
from tests.support.cli import cli
from tests.support.httpd import Reply, ScriptedServer

FIX = FIXTURES / "discover"
RSS = "application/rss+xml"
HTML = "text/html; charset=utf-8"

# What a user's monitor.yaml looks like: comments, blank lines, its own indentation.
CONFIG = """\
# the desk's config: every comment stays
database: sqlite:///{db}
fetch:
  allow_private_networks: {private}     # the test sites are on 127.0.0.1
  timeout: 10s

feeds:
    # wires
    - url: https://wire.example/rss   # a wire
      name: "Wire"
    - sitemap: https://wire.example/news.xml
{extra}
# who gets what
subscriptions: []
"""


def write_config(tmp: Path, extra: str = "", private: bool = True) -> Path:
    cfg = tmp / "monitor.yaml"
    cfg.write_text(
        CONFIG.format(db=tmp / "m.db", private=str(private).lower(), extra=extra), encoding="utf-8"
    )
    return cfg


Routes = dict[str, tuple[str, str | bytes]]  # path -> (content type, fixture name or body)


@contextmanager
def site(routes: Routes) -> Iterator[ScriptedServer]:
    """A site on 127.0.0.1: each path its fixture (BASE replaced by the site's address);
    anything else 404."""
    holder: list[ScriptedServer] = []

    def script(path: str, headers: dict[str, str]) -> Reply:
        if path not in routes:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        ctype, content = routes[path]
        if isinstance(content, str):
            content = (FIX / content).read_text(encoding="utf-8").encode()
        return Reply(
            200, content.replace(b"BASE", holder[0].base.encode()), {"Content-Type": ctype}
        )

    with ScriptedServer(script) as server:
        holder.append(server)
        yield server


def error(stderr: str) -> str:
    """The command's error line. The test servers may add a line of their own: the
    fetcher drops a connection whose 404 body it did not read, which they report."""
    return next(line for line in stderr.splitlines() if line.startswith("error: "))


def added_lines(before: str, after: str) -> list[str]:
    """The lines `after` has on top of `before`, checking that nothing else changed."""
    b, a = before.splitlines(keepends=True), after.splitlines(keepends=True)
    at = next((i for i, (x, y) in enumerate(zip(b, a, strict=False)) if x != y), len(b))
    new = a[at : at + len(a) - len(b)]
    assert a[:at] + a[at + len(new) :] == b  # byte for byte, but the new lines
    return new


# -- the pure part: tables ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "url"),
    [
        ("example.org", "https://example.org/"),
        ("example.org/news", "https://example.org/news"),
        ("  Example.org:8080  ", "https://Example.org:8080/"),
        ("http://example.org", "http://example.org/"),
        ("HTTPS://example.org/a?b=1#top", "https://example.org/a?b=1"),
        ("localhost:8000/x", "https://localhost:8000/x"),
    ],
)
def test_what_the_user_typed_as_a_url(typed: str, url: str) -> None:
    assert site_url(typed) == url


@pytest.mark.parametrize(
    "typed", ["", "ftp://example.org/", "javascript:alert(1)", "mailto:a@b", "a b", "http://"]
)
def test_what_is_not_a_url(typed: str) -> None:
    with pytest.raises(ValueError):
        site_url(typed)


PAGE = "https://www.example.org/news/today"


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("/rss", "https://www.example.org/rss"),
        ("feed.xml", "https://www.example.org/news/feed.xml"),
        ("//cdn.example.net/a.xml", "https://cdn.example.net/a.xml"),
        ("https://example.org/rss#x", "https://example.org/rss"),
        ("javascript:alert(1)", None),
        ("data:application/rss+xml;base64,AAAA", None),
        ("vbscript:x", None),
        ("http://[::1", None),
        ("http://example.org:99999/", None),
        ("/a\nb", None),
        ("\\\\evil.example\\rss", None),
        ("/" + "a" * 10_000, None),
        ("", None),
        (None, None),
    ],
)
def test_an_href_is_a_plain_http_address_or_nothing(href: str | None, url: str | None) -> None:
    assert clean_href(href, PAGE) == url


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://example.org/", "https://www.example.org/rss", True),
        ("https://example.org/", "http://news.example.org/rss", True),
        ("https://example.org/", "https://example.net/rss", False),
        ("https://example.org/", "https://badexample.org/rss", False),
        ("http://127.0.0.1:8001/", "http://127.0.0.1:8002/rss", False),
        ("http://example.org/", "https://example.org:443/rss", True),
    ],
)
def test_same_site(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same


def links(html: str) -> list[tuple[str, str]]:
    return [(c.url, c.origin) for c in page_candidates(html.encode(), PAGE)]


@pytest.mark.parametrize(
    ("html", "found"),
    [
        # declared in the head, relative to <base>, other types ignored
        (
            '<html><head><base href="/en/"><link rel="alternate" type="application/rss+xml" '
            'href="rss.xml"><link rel="Alternate Feed" type="application/atom+xml" '
            'href="https://feeds.example.net/x"><link rel="alternate" type="text/html" '
            'href="/m/"><link rel="stylesheet" type="application/rss+xml" href="/s">'
            "</head></html>",
            [
                ("https://www.example.org/en/rss.xml", "link"),
                ("https://feeds.example.net/x", "link"),
            ],
        ),
        (
            '<link rel="alternate" type="application/feed+json" href="/feed.json">',
            [("https://www.example.org/feed.json", "link")],
        ),
        # links in the body: by their address or their text, this site only
        (
            '<a href="/rss/">x</a><a href="/feedback">Feedback</a><a href="/a/news.rss">x</a>'
            '<a href="/export/all.asp">RSS</a><a href="https://example.net/rss">RSS</a>'
            '<a href="https://feeds.feedburner.com/herald">x</a><a href="/sitemap.xml">x</a>'
            '<a href="/atom-feed.xml">x</a><a href="/?feed=rss2">x</a>',
            [
                ("https://www.example.org/rss/", "anchor"),
                ("https://www.example.org/a/news.rss", "anchor"),
                ("https://www.example.org/export/all.asp", "anchor"),
                ("https://feeds.feedburner.com/herald", "anchor"),
                ("https://www.example.org/atom-feed.xml", "anchor"),
                ("https://www.example.org/?feed=rss2", "anchor"),
            ],
        ),
        # declared and linked: once, as declared
        (
            '<link rel="alternate" type="application/rss+xml" href="/rss"><a href="/rss">RSS</a>',
            [("https://www.example.org/rss", "link")],
        ),
        ("", []),
        ("not html at all \x00\xff", []),
        ("<a href='javascript:x'>RSS</a><base href='javascript:y'>", []),
    ],
)
def test_candidates_in_a_page(html: str, found: list[tuple[str, str]]) -> None:
    assert links(html) == found


def test_a_page_of_links_gives_a_few_candidates() -> None:
    html = "".join(f'<a href="/rss/{n}">RSS {n}</a>' for n in range(1000))
    assert len(links(html)) == 6


@pytest.mark.parametrize(
    ("robots", "found"),
    [
        ("User-agent: *\nDisallow: /\n", []),
        (
            "Sitemap: https://example.org/sitemap.xml\nsitemap:https://example.org/news-sitemap.xml"
            "\nSITEMAP: /relative.xml\nSitemap: javascript:x\n",
            [
                "https://example.org/news-sitemap.xml",
                "https://example.org/sitemap.xml",
                "https://example.org/relative.xml",
            ],
        ),
        ("Sitemap: https://a.example/1.xml\n" * 3 + "Sitemap: https://a.example/2.xml\n", None),
    ],
)
def test_sitemaps_named_in_robots_txt(robots: str, found: list[str] | None) -> None:
    got = robots_sitemaps(robots, "https://example.org/robots.txt")
    assert all(c.kind == "sitemap" and c.origin == "robots" for c in got)
    if found is None:  # each once
        assert [c.url for c in got] == ["https://a.example/1.xml", "https://a.example/2.xml"]
    else:
        assert [c.url for c in got] == found


@pytest.mark.parametrize(
    ("body", "ctype", "html"),
    [
        (b"<!DOCTYPE html><html></html>", None, True),
        (b"\xef\xbb\xbf  <!-- x --><html>", "application/octet-stream", True),
        (b"<rss></rss>", "text/html", False),  # a feed served as text/html
        (b'<?xml version="1.0"?><urlset/>', "text/html; charset=utf-8", False),
        (b"<html>", "application/rss+xml", False),
        (b"<p>hello</p>", "text/html", True),
        (b"https://example.org/a\n", "text/plain", False),
    ],
)
def test_what_is_an_html_page(body: bytes, ctype: str | None, html: bool) -> None:
    assert looks_like_html(body, ctype) is html


def test_the_best_first() -> None:
    def f(kind: str, newest: int | None, items: int, origin: str = "link") -> Found:
        date = datetime(2026, 12, newest, tzinfo=UTC) if newest else None
        return Found(kind, f"https://x/{kind}{newest}{items}{origin}", None, items, date, origin)  # type: ignore[arg-type]

    found = [
        f("sitemap", 9, 500),
        f("feed", None, 50),
        f("feed", 1, 10, "common"),
        f("feed", 5, 10),
        f("feed", 1, 20),
        f("feed", 1, 10, "link"),
        f("page", 9, 90),
    ]
    assert [(x.kind, x.newest and x.newest.day, x.items, x.origin) for x in rank(found)] == [
        ("feed", 5, 10, "link"),
        ("feed", 1, 20, "link"),
        ("feed", 1, 10, "link"),
        ("feed", 1, 10, "common"),
        ("feed", None, 50, "link"),
        ("sitemap", 9, 500, "link"),
        ("page", 9, 90, "link"),
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://Example.org/rss/", "https://example.org/rss"),
        ("http://example.org:80/rss", "http://example.org/rss"),
        ("https://example.org/rss#a", "https://example.org/rss"),
        ("https://example.org:99999/rss", "https://example.org:99999/rss"),
    ],
)
def test_one_url_however_written(a: str, b: str) -> None:
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize(
    "title",
    [
        "Armenpress",
        "News.am (hy)",
        "Коммерсантъ",
        "yes",
        "null",
        "2026",
        "- dash",
        "Herald: the news # not a comment",
        "&anchor *alias !tag %dir @at `tick` {a: b} [c]",
        "a \"quoted\" 'word' \\ back",
        "line\nbreak\u2028ls\u0085nel\ttab",
        "\x00\x07\x1b\x7f\ufeff\ufffe",
        "emoji 😀 and \U0001f600",
        "'starts with a quote",
        "  spaced  ",
    ],
)
def test_any_title_is_written_so_that_it_reads_back(title: str) -> None:
    value = YAML(typ="safe", pure=True).load(f"name: {text_scalar(title)}\n")["name"]
    assert value == title


def test_plain_where_plain_is_safe() -> None:
    assert text_scalar("Armenpress") == "Armenpress"
    assert text_scalar("News.am (hy)") == "News.am (hy)"
    assert text_scalar("yes") == '"yes"'
    assert url_scalar("https://a.example/rss?x=1&y=2#f") == "https://a.example/rss?x=1&y=2#f"
    assert url_scalar("https://a.example/новости") == '"https://a.example/новости"'
    assert quoted('a"b') == '"a\\"b"'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("database: x\n", "database: x\nfeeds:\n  - url: https://a/\n    name: A\n"),
        (
            "feeds:\n    - page: https://b/  # b\n\n# subs\nsubscriptions: []\n",
            "feeds:\n    - page: https://b/  # b\n    - url: https://a/\n      name: A\n"
            "\n# subs\nsubscriptions: []\n",
        ),
        (
            "feeds:\r\n  - url: https://b/\r\n",
            "feeds:\r\n  - url: https://b/\r\n  - url: https://a/\r\n    name: A\r\n",
        ),
    ],
)
def test_an_entry_with_its_name_goes_at_the_end_of_feeds(text: str, expected: str) -> None:
    assert with_feed(text, "url: https://a/", Path("m.yaml"), ["name: A"]) == expected


# -- the command, on local sites ------------------------------------------------------


def test_declared_rss_and_atom_are_listed_and_yes_adds_the_best(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    before = cfg.read_text(encoding="utf-8")
    routes: Routes = {
        "/": (HTML, "alternate.html"),
        "/rss.xml": (RSS, "rss.xml"),
        "/en/atom.xml": ("application/atom+xml", "atom.xml"),
    }
    with site(routes) as s:
        out = cli("feeds", "add", s.base + "/", "--yes", config=cfg)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0].split() == ["#", "kind", "title", "items", "newest", "url"]
        # the newer feed first, each with its title, count and address
        assert lines[1].split()[:5] == ["1", "feed", "Caucasus", "Herald", "2"]
        assert lines[1].endswith(f"{s.base}/rss.xml")
        assert lines[2].split()[:3] == ["2", "feed", "Caucasus"] and "(Atom)" in lines[2]
        assert lines[2].endswith(f"{s.base}/en/atom.xml")
        assert lines[-1] == f"added to {cfg}: - url: {s.base}/rss.xml (Caucasus Herald)"
        # declared feeds found: the usual paths are not guessed at
        asked = [path for path, _ in s.requests]
        assert "/feed" not in asked and "/sitemap-news.xml" not in asked
    after = cfg.read_text(encoding="utf-8")
    assert added_lines(before, after) == [
        f"    - url: {s.base}/rss.xml\n",
        "      name: Caucasus Herald\n",
    ]
    # at the end of feeds:, before the comment of the next key
    assert after.index("name: Caucasus Herald") < after.index("# who gets what")
    settings = load_settings(cfg)
    assert [getattr(e, "name", None) for e in settings.feeds][-1] == "Caucasus Herald"


def test_a_feed_already_configured_is_marked_and_not_added_twice(tmp_path: Path) -> None:
    routes: Routes = {
        "/": (HTML, "alternate.html"),
        "/rss.xml": (RSS, "rss.xml"),
        "/en/atom.xml": ("application/atom+xml", "atom.xml"),
    }
    with site(routes) as s:
        cfg = write_config(tmp_path, f"    - url: {s.base}/rss.xml/\n")
        before = cfg.read_text(encoding="utf-8")
        out = cli("feeds", "add", s.base, "--yes", config=cfg)
        assert out.returncode == 0, out.stderr
        first = out.stdout.splitlines()[1]
        assert first.endswith("already configured") and "/rss.xml" in first
        # the best one not yet configured
        assert out.stdout.splitlines()[-1].startswith(f"added to {cfg}: - url: {s.base}/en/atom")
        out = cli("feeds", "add", s.base, "--yes", config=cfg)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines()[-1] == f"nothing added: already configured in {cfg}"
        assert len(added_lines(before, cfg.read_text(encoding="utf-8"))) == 2

        # the feed itself, found in an OPML file the config imports: not added either
        opml = tmp_path / "reader.opml"
        opml.write_text(
            f'<opml version="2.0"><body><outline xmlUrl="{s.base}/rss.xml"/></body></opml>'
        )
        cfg2 = write_config(tmp_path, "    - opml: reader.opml\n")
        text = cfg2.read_text(encoding="utf-8")
        out = cli("feeds", "add", f"{s.base}/rss.xml", "--yes", config=cfg2)
        assert out.returncode == 0 and "nothing added: already configured" in out.stdout
        assert cfg2.read_text(encoding="utf-8") == text


def test_a_feed_linked_only_in_the_footer(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    with site({"/": (HTML, "footer.html"), "/export/news.rss": (RSS, "rss.xml")}) as s:
        out = cli("feeds", "add", s.base, "--yes", config=cfg)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].startswith(f"added to {cfg}: - url: {s.base}/export/news")


def test_a_feed_at_a_usual_path(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    with site({"/": (HTML, "plain.html"), "/feed": (RSS, "rss.xml")}) as s:
        out = cli("feeds", "add", s.base + "/", "--yes", config=cfg)
        asked = [path for path, _ in s.requests]
    assert out.returncode == 0, out.stderr
    assert f"{s.base}/feed" in out.stdout and len(out.stdout.splitlines()) == 3
    assert out.stdout.splitlines()[-1] == f"added to {cfg}: - url: {s.base}/feed (Caucasus Herald)"
    assert "/robots.txt" in asked and "/?feed=rss2" in asked  # every usual path was tried


def test_a_news_sitemap_named_in_robots_txt(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    before = cfg.read_text(encoding="utf-8")
    routes: Routes = {
        "/": (HTML, "plain.html"),
        "/robots.txt": ("text/plain", b"User-agent: *\nDisallow: /\nSitemap: BASE/maps/news.xml\n"),
        "/maps/news.xml": ("application/xml", "news-sitemap.xml"),
    }
    with site(routes) as s:
        out = cli("feeds", "add", s.base, "--yes", config=cfg)
    assert out.returncode == 0, out.stderr
    row = out.stdout.splitlines()[1].split()
    assert row[:5] == ["1", "sitemap", "Regional", "Wire", "2"]
    assert row[-1] == f"{s.base}/maps/news.xml"
    # robots.txt disallows everything: not consulted, a person asked for this site
    assert out.stdout.splitlines()[-1] == (
        f"added to {cfg}: - sitemap: {s.base}/maps/news.xml (Regional Wire)"
    )
    assert added_lines(before, cfg.read_text(encoding="utf-8")) == [
        f"    - sitemap: {s.base}/maps/news.xml\n",
        "      name: Regional Wire\n",
    ]


def test_a_sitemap_index_is_a_candidate_with_its_newest_children(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>BASE/maps/2026-12.xml</loc><lastmod>2026-12-01</lastmod></sitemap>"
        b"</sitemapindex>"
    )
    routes: Routes = {
        "/": (HTML, "plain.html"),
        "/sitemap-news.xml": ("application/xml", index),
        "/maps/2026-12.xml": ("application/xml", "news-sitemap.xml"),
    }
    with site(routes) as s:
        out = cli("feeds", "add", s.base, "--yes", config=cfg)
    assert out.returncode == 0, out.stderr
    # the items of its newest child; the index itself has no title
    assert out.stdout.splitlines()[1].split()[:4] == ["1", "sitemap", "-", "2"]
    assert out.stdout.splitlines()[-1] == f"added to {cfg}: - sitemap: {s.base}/sitemap-news.xml"


def test_a_section_page_is_offered_when_there_is_nothing_else(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    with site({"/news": (HTML, "section.html")}) as s:
        out = cli("feeds", "add", f"{s.base}/news", "--yes", config=cfg)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"no feed or news sitemap found at {s.base}/news")
    assert "6 articles" in lines[0]
    assert lines[1:4] == [
        "  - Lavrov meets Mirzoyan in Moscow to discuss the peace treaty",
        "  - CSTO Secretary General visits Yerevan for consultations",
        "  - Border commission resumes its work after a pause",
    ]
    assert lines[-1] == f"added to {cfg}: - page: {s.base}/news"
    assert load_settings(cfg).feeds[-1].page == f"{s.base}/news"  # type: ignore[union-attr]


def test_nothing_at_all_is_exit_1_saying_what_was_tried(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    before = cfg.read_text(encoding="utf-8")
    with site({"/": (HTML, "plain.html")}) as s:
        out = cli("feeds", "add", s.base, "--yes", config=cfg)
    assert out.returncode == 1 and out.exception is None
    message = error(out.stderr)
    assert message.startswith(f"error: {s.base}/: no feed, news sitemap or list of article links")
    assert "robots.txt (HTTP 404" in message and "/rss.xml" in message
    assert "/sitemap-news.xml" in message
    assert cfg.read_text(encoding="utf-8") == before


def test_a_url_that_is_itself_a_feed(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    with site({"/a/feed.php": ("text/xml", "rss.xml")}) as s:
        out = cli("feeds", "add", f"{s.base}/a/feed.php", "--yes", config=cfg)
        asked = [path for path, _ in s.requests]
    assert out.returncode == 0, out.stderr
    assert asked == ["/a/feed.php"]  # the one candidate: nothing else is looked at
    assert len(out.stdout.splitlines()) == 3
    assert out.stdout.splitlines()[-1].endswith(f"- url: {s.base}/a/feed.php (Caucasus Herald)")


def test_not_a_page_nor_a_feed(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    with site({"/logo.png": ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00")}) as s:
        out = cli("feeds", "add", f"{s.base}/logo.png", config=cfg)
    assert out.returncode == 1
    assert f"error: {s.base}/logo.png: not an HTML page (image/png)" in out.stderr


def test_errors_name_the_url(tmp_path: Path) -> None:
    (tmp_path / "blocked").mkdir()
    with site({}) as s:
        cfg = write_config(tmp_path)
        out = cli("feeds", "add", f"{s.base}/missing", config=cfg)
        assert out.returncode == 1 and f"error: {s.base}/missing: HTTP 404" in out.stderr
        asked = len(s.requests)
        blocked = write_config(tmp_path / "blocked", private=False)
        out = cli("feeds", "add", s.base, config=blocked)
        assert out.returncode == 1 and out.exception is None
        assert f"error: {s.base}/: 127.0.0.1 resolves to 127.0.0.1" in out.stderr
        assert "fetch.allow_private_networks: true" in out.stderr
        assert len(s.requests) == asked  # refused before connecting
    gone = cli("feeds", "add", s.base, config=cfg)  # the server is closed
    assert gone.returncode == 1 and f"error: {s.base}/: could not connect" in gone.stderr
    usage = cli("feeds", "add", "ftp://example.org/", config=cfg)
    assert usage.returncode == 2 and "not an http(s) URL" in usage.stderr


def test_without_yes_and_not_on_a_terminal_nothing_is_added(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    before = cfg.read_text(encoding="utf-8")
    with site({"/": (HTML, "footer.html"), "/export/news.rss": (RSS, "rss.xml")}) as s:
        out = cli("feeds", "add", s.base, config=cfg)
    assert out.returncode == 0, out.stderr
    assert f"{s.base}/export/news.rss" in out.stdout
    assert out.stdout.splitlines()[-1] == (
        "nothing added: re-run with --yes to add #1, or on a terminal to choose"
    )
    assert cfg.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(("answer", "added"), [("2\n", "/en/atom.xml"), ("\n", "/rss.xml")])
def test_on_a_terminal_the_user_picks_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, added: str
) -> None:
    import monitor.cli.feeds

    monkeypatch.setattr(monitor.cli.feeds, "_interactive", lambda: True)
    cfg = write_config(tmp_path)
    routes: Routes = {
        "/": (HTML, "alternate.html"),
        "/rss.xml": (RSS, "rss.xml"),
        "/en/atom.xml": ("application/atom+xml", "atom.xml"),
    }
    with site(routes) as s:
        r = CliRunner().invoke(app, ["--config", str(cfg), "feeds", "add", s.base], input=answer)
    assert r.exit_code == 0, r.output
    assert "add which one? [1-2, Enter = 1, q = none]" in r.stdout
    assert f"added to {cfg}: - url: {s.base}{added}" in r.stdout
    assert f"url: {s.base}{added}" in cfg.read_text(encoding="utf-8")


def test_on_a_terminal_q_adds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import monitor.cli.feeds

    monkeypatch.setattr(monitor.cli.feeds, "_interactive", lambda: True)
    cfg = write_config(tmp_path)
    before = cfg.read_text(encoding="utf-8")
    with site({"/": (HTML, "footer.html"), "/export/news.rss": (RSS, "rss.xml")}) as s:
        r = CliRunner().invoke(app, ["--config", str(cfg), "feeds", "add", s.base], input="7\nq\n")
    assert r.exit_code == 0 and r.stdout.splitlines()[-1] == "nothing added"
    assert "a number from 1 to 1, Enter or q" in r.stderr
    assert cfg.read_text(encoding="utf-8") == before


def test_hostile_links_are_not_followed(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    with site({"/rss": (RSS, "rss.xml"), "/feed.xml": (RSS, "rss.xml")}) as other:
        page = (FIX / "hostile.html").read_bytes()
        page = page.replace(b"OTHER", other.base.encode()).replace(b"LONG", b"/" + b"x" * 10_000)
        routes: Routes = {"/": (HTML, page), "/good/rss.xml": (RSS, "rss.xml")}
        with site(routes) as s:
            out = cli("feeds", "add", s.base, "--yes", config=cfg)
            asked = [path for path, _ in s.requests]
        assert not other.requests  # another site's feed links are not this site's
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].endswith(f"{s.base}/good/rss.xml")
    assert len(out.stdout.splitlines()) == 3
    assert all(len(p) < 100 for p in asked)
    assert sorted(asked) == ["/", "/good/rss.xml", "/robots.txt"]


def test_a_title_yaml_would_misread_is_quoted(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    feed = (
        (FIX / "rss.xml")
        .read_bytes()
        .replace(
            b"<title>Caucasus Herald</title>",
            b"<title>Herald: &quot;news&quot; # [1] &amp; more\\</title>",
        )
    )
    with site({"/rss.xml": (RSS, feed)}) as s:
        out = cli("feeds", "add", f"{s.base}/rss.xml", "--yes", config=cfg)
    assert out.returncode == 0, out.stderr
    assert '      name: "Herald: \\"news\\" # [1] & more\\\\"\n' in cfg.read_text(encoding="utf-8")
    assert load_settings(cfg).feeds[-1].name == 'Herald: "news" # [1] & more\\'


def test_feeds_list_shows_each_kind(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "    - page: https://wire.example/news\n")
    out = cli("feeds", "list", config=cfg)
    assert out.returncode == 0, out.stderr
    kinds = [line.split()[1] for line in out.stdout.splitlines()]
    assert kinds == ["feed", "sitemap", "page"]
