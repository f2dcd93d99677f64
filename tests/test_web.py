"""The web page, health checks and metrics, through the ASGI app and a running daemon."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitor.app import App
from monitor.config.settings import load_settings
from monitor.daemon import Daemon
from monitor.errors import ConfigError
from monitor.watchlists.load import BUNDLED
from monitor.web.auth import authorized
from monitor.web.health import Probe, poll_bound, readiness
from monitor.web.state import Site
from tests.support.cli import cli
from tests.support.config import write_config
from tests.support.sites import e2e_server, feed_urls
from tests.support.web import filled_app, serving

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, App]]:
    with filled_app(tmp_path_factory.mktemp("web")) as found:
        yield found


@pytest.fixture(scope="module")
def client(filled: tuple[Path, App]) -> Iterator[httpx.Client]:
    _, app = filled
    with serving(app.site()) as base, httpx.Client(base_url=base, timeout=60) as http:
        yield http


def cards(html: str) -> list[str]:
    return re.findall(r'<article class="card story">(.*?)</article>', html, re.S)


def test_stories_with_hits_and_also_reported_by(client: httpx.Client) -> None:
    page = client.get("/?period=all")
    assert page.status_code == 200
    found = cards(page.text)
    assert len(found) >= 5
    assert any("Also reported by" in c for c in found)
    assert "<mark><b>CSTO</b></mark>" in page.text  # the matched alias, highlighted
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_filters_narrow_the_list(client: httpx.Client) -> None:
    everything = cards(client.get("/?period=all").text)
    for query, must in (
        ("watchlist=karabakh", 'class="chip wl" href="/?watchlist=karabakh"'),
        ("entity=peskov", 'href="/?entity=peskov"'),
        ("outlet=Regional%20Wire", ">Regional Wire</a>"),
        ("language=hy", ">Lratu</a>"),  # the Armenian site: its language, from the page
    ):
        narrowed = cards(client.get(f"/?period=all&{query}").text)
        assert 0 < len(narrowed) < len(everything), query
        assert all(must in c for c in narrowed), query
    assert not cards(client.get("/?period=1d&outlet=Nobody").text)


def test_untrusted_text_is_escaped_and_bad_links_dropped(client: httpx.Client) -> None:
    html = client.get("/?period=all&outlet=Evil%20%3Ci%3EOutlet%3C/i%3E").text
    [card] = cards(html)
    assert "<script>" not in html and "&lt;script&gt;" in card
    assert "<img" not in html and "&lt;img src=x" in card
    assert "javascript:" not in html  # the link became "#"
    assert "Evil &lt;i&gt;Outlet&lt;/i&gt;" in card


def test_story_page_lists_every_copy(client: httpx.Client) -> None:
    html = client.get("/?period=all").text
    story = next(
        m.group(1)
        for c in cards(html)
        if "Also reported by" in c and (m := re.search(r'href="/story/([^"]+)"', c))
    )
    page = client.get(f"/story/{story}")
    assert page.status_code == 200
    copies = re.findall(r'<section class="card copy">(.*?)</section>', page.text, re.S)
    n = int(re.search(r"· (\d+) copies ·", page.text).group(1))  # type: ignore[union-attr]
    assert len(copies) == n >= 2  # each copy once, not once per watchlist it hit
    titles = [re.search(r"<h2><a [^>]*>(.*?)</a>", c).group(1) for c in copies]  # type: ignore[union-attr]
    links = [re.search(r'<h2><a href="([^"]+)"', c).group(1) for c in copies]  # type: ignore[union-attr]
    assert len(set(links)) == n and all(titles)
    # its text, readable: paragraphs, the first report's open
    assert '<details class="text" open><summary>Text (' in copies[0]
    assert copies[0].count("<p>") >= 2 and "the first report" in copies[0]
    assert client.get("/story/no-such-story").status_code == 404


def test_search_finds_stored_text(client: httpx.Client) -> None:
    page = client.get("/search", params={"q": "CSTO summit"})
    assert page.status_code == 200
    results = re.findall(r'<article class="card result">(.*?)</article>', page.text, re.S)
    assert results and all("<mark>" in r for r in results)
    assert "Nothing stored matches" in client.get("/search", params={"q": "zzqx"}).text
    broken = client.get("/search", params={"q": 'zzqx "unheard'})
    assert broken.status_code == 400 and "cannot be searched" in broken.text


def test_feed_health_shows_the_failing_feed_first(client: httpx.Client) -> None:
    html = client.get("/feeds").text
    rows = re.findall(r'<tr class="feed ([a-z]*)">(.*?)</tr>', html, re.S)
    assert len(rows) == 6
    assert rows[0][0] == "bad" and "/gone/feed.xml" in rows[0][1] and "404" in rows[0][1]
    assert "1 failing" in html


def test_subscriptions_show_digests_and_dead_deliveries(client: httpx.Client) -> None:
    html = client.get("/subscriptions").text
    assert "security-desk" in html and "Dead deliveries" in html
    assert "connection refused" in html and 'class="dead"' in html


def test_the_match_box_explains_a_pasted_text(client: httpx.Client) -> None:
    page = client.post("/match", data={"text": "Kremlin spokesman Peskov said the CSTO met."})
    assert "MATCH csto" in page.text and "MATCH officials" in page.text
    assert "alias “Peskov” found as “Peskov”" in page.text
    # which word form matched, and why
    armenian = client.post("/match", data={"text": "Հայաստանը կարող է դուրս գալ ՀԱՊԿ-ից։"}).text
    assert "alias “ՀԱՊԿ” found as “ՀԱՊԿ-ից”: Armenian ablative of ՀԱՊԿ" in armenian
    assert "paste a text" in client.post("/match", data={"text": " "}).text
    private = client.post("/match", data={"url": "http://127.0.0.1:9/x"}).text
    assert "MATCH" not in private and 'class="bad"' in private


def test_health_and_metrics(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(metrics.text)}
    for name in (
        "news_monitor_polls",
        "news_monitor_poll_duration_seconds",
        "news_monitor_extraction_duration_seconds",
        "news_monitor_feeds_due",
        "news_monitor_feeds_failing",
        "news_monitor_articles",
        "news_monitor_stories",
        "news_monitor_hits",
        "news_monitor_digests",
        "news_monitor_deliveries",
        "news_monitor_dead_deliveries",
        "news_monitor_parser_worker_restarts",
        "news_monitor_database_errors",
    ):
        assert name in families, name
    value = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    assert value[("news_monitor_feeds_failing", ())] == 1
    assert value[("news_monitor_dead_deliveries", ())] == 1
    assert value[("news_monitor_hits", (("watchlist", "csto"),))] >= 2


def test_promtool_accepts_the_metrics(client: httpx.Client, tmp_path: Path) -> None:
    import shutil
    import subprocess

    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is installed by .ci/tools"
    out = subprocess.run(
        [promtool, "check", "metrics"],
        input=client.get("/metrics").text,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("path", "header", "ok"),
    [
        ("/", None, False),
        ("/metrics", "Bearer wrong-token", False),
        ("/", "Bearer s3cret-token", True),
        ("/metrics", "Basic " + base64.b64encode(b"desk:s3cret-token").decode(), True),
        ("/", "Basic " + base64.b64encode(b"desk:nope").decode(), False),
        ("/", "Basic !!!", False),
        ("/healthz", None, True),
        ("/readyz", None, True),
    ],
)
def test_token_table(path: str, header: str | None, ok: bool) -> None:
    assert authorized(path, header, "s3cret-token") is ok
    assert authorized(path, header, None)  # no token set: everything open


def test_a_token_is_asked_of_the_browser(filled: tuple[Path, App]) -> None:
    _, app = filled
    settings = app.settings.model_copy(
        update={"http": app.settings.http.model_copy(update={"token": "s3cret-token"})}
    )
    site = Site(store=app.store, watch=app.watch, settings=lambda: settings, metrics=app.metrics)
    with serving(site) as base, httpx.Client(base_url=base, timeout=60) as c:
        denied = c.get("/")
        assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
        assert c.get("/", auth=("desk", "s3cret-token")).status_code == 200
        assert (
            c.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        )
        assert c.get("/healthz").status_code == 200


NOW = T0
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("probe", "ready", "why"),
    [
        (Probe(None, True, NOW - HOUR, NOW - 5 * HOUR, 2 * HOUR), True, "polled an hour ago"),
        (Probe(None, True, NOW - 3 * HOUR, NOW - 5 * HOUR, 2 * HOUR), False, "polls stale"),
        (Probe(None, True, None, NOW - HOUR, 2 * HOUR), True, "just started"),
        (Probe(None, True, None, NOW - 3 * HOUR, 2 * HOUR), False, "never polled"),
        (Probe("refused", True, NOW, NOW, 2 * HOUR), False, "database away"),
        (Probe(None, False, NOW, NOW, 2 * HOUR), False, "scheduler stopped"),
        (Probe(None, True, None, NOW - 9 * HOUR, None), True, "no feeds"),
        (Probe(None, None, None, NOW - 9 * HOUR, None), True, "web alone"),
        (Probe(None, True, NOW, NOW, HOUR, ("m.yaml:3:1: x",)), True, "degraded: config"),
        (Probe("refused", True, NOW, NOW, HOUR, ("m.yaml:3:1: x",)), False, "away and broken"),
    ],
)
def test_readiness_table(probe: Probe, ready: bool, why: str) -> None:
    ok, body = readiness(probe, NOW)
    assert ok is ready, why
    expected = "ready" if ready else "not ready"
    if ready and probe.config_errors:
        expected = "degraded"  # still 200: it runs on the last good version
    assert body["status"] == expected
    assert body["checks"].get("config") == (list(probe.config_errors) or None)


def test_poll_bound() -> None:
    assert poll_bound([]) is None
    assert poll_bound([300, 900]) == timedelta(minutes=40)


def test_listening_beyond_loopback_needs_a_token(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {BUNDLED}\nhttp:\n  listen: 0.0.0.0:0\n"
    )
    out = cli("run", config=cfg)
    assert out.returncode == 1
    assert "monitor.yaml:4:3: http.listen: 0.0.0.0:0 is reachable beyond this machine" in out.stderr
    cfg.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\nhttp:\n  listen: 0.0.0.0:0\n"
        "  token: ${MONITOR_TOKEN}\n"
    )
    settings = load_settings(cfg, {"MONITOR_TOKEN": "from-the-env-123"})
    assert settings.http.token == "from-the-env-123"
    for bad, why in (("8089", "is not host:port"), ("localhost:http", "is not host:port")):
        cfg.write_text(f"http:\n  listen: {bad}\n")
        with pytest.raises(ConfigError, match=why):
            load_settings(cfg)


def test_monitor_database_replaces_the_configured_one(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text("database: sqlite:///data/monitor.db\n")
    s = load_settings(cfg, {"MONITOR_DATABASE": "postgresql+psycopg://m@db/m"})
    assert s.database_url == "postgresql+psycopg://m@db/m"
    assert load_settings(cfg, {}).database_url.endswith("/data/monitor.db")


def test_a_port_in_use_is_one_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        cfg = tmp_path / "monitor.yaml"
        cfg.write_text(
            f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {BUNDLED}\n"
            f"http:\n  listen: 127.0.0.1:{port}\n"
        )
        out = cli("run", config=cfg)
    assert out.returncode == 1 and out.exception is None
    assert f"http.listen: cannot listen on 127.0.0.1:{port}" in out.stderr


def test_the_daemon_serves_health_metrics_and_the_page(tmp_path: Path) -> None:
    with e2e_server() as server:
        cfg = write_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}", feed_urls(server.base), [])
        app = App(load_settings(cfg))
        daemon = Daemon(app)
        assert daemon.listener is not None
        base = daemon.listener.url

        async def go() -> dict[str, Any]:
            run = asyncio.create_task(daemon.run())
            seen: dict[str, Any] = {}
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                for _ in range(600):
                    await asyncio.sleep(0.1)
                    if daemon.last_success is None:
                        continue
                    seen["ready"] = (await http.get("/readyz")).json()
                    seen["metrics"] = (await http.get("/metrics")).text
                    seen["page"] = (await http.get("/")).text
                    if 'class="card story"' in seen["page"]:
                        break
                daemon.stop()
                await run
                try:
                    await http.get("/healthz")
                    seen["after_stop"] = "answered"
                except httpx.TransportError:
                    seen["after_stop"] = "closed"
            return seen

        seen = asyncio.run(asyncio.wait_for(go(), 120))
    assert seen["ready"]["status"] == "ready", seen["ready"]
    assert seen["ready"]["checks"]["scheduler"] == "running"
    polls = {
        s.labels["outcome"]: s.value
        for f in text_string_to_metric_families(seen["metrics"])
        if f.name == "news_monitor_polls"
        for s in f.samples
    }
    assert polls["ok"] >= 1 and polls["error"] == 0
    assert 'class="card story"' in seen["page"]
    assert seen["after_stop"] == "closed"
