"""A broken monitor.yaml or watchlist is visible beyond the log, while the daemon runs on
the last good version: a banner on every page naming file:line:col, a metric, /readyz
"degraded" (still 200), and one operator notice per new error."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from monitor.app import App
from monitor.config.settings import load_settings
from monitor.watchlists.load import BUNDLED
from tests.support.net import WebhookReceiver
from tests.support.web import serving


def config_errors(http: httpx.Client) -> float:
    families = text_string_to_metric_families(http.get("/metrics").text)
    [family] = [f for f in families if f.name == "news_monitor_config_errors"]
    return float(family.samples[0].value)


def test_a_broken_edit_shows_on_the_page_readyz_metrics_and_one_notice(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    lists = tmp_path / "watchlists"
    shutil.copytree(BUNDLED, lists)
    cfg = tmp_path / "monitor.yaml"
    good = (
        f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {lists}\n"
        f"admin:\n  notify: ['{webhook.url()}']\n"
    )
    stamp = iter(range(10, 1000, 10))

    def write(path: Path, text: str) -> None:
        path.write_text(text)
        os.utime(path, (time.time(), time.time() + next(stamp)))  # a new mtime each time

    write(cfg, good)
    app = App(load_settings(cfg))
    assert app.config_problems() == []
    with serving(app.site()) as base, httpx.Client(base_url=base, timeout=60) as http:
        assert 'class="banner"' not in http.get("/").text
        assert http.get("/readyz").json()["status"] == "ready"
        assert config_errors(http) == 0

        write(cfg, good + "fetch:\n  timeout: soon\n")  # line 6
        assert app.reload_settings() is False  # kept out: the running settings stay
        [problem] = app.config_problems()
        assert problem.startswith(f"{cfg.resolve()}:6:") and "timeout" in problem
        for path in ("/", "/search", "/feeds", "/subscriptions", "/match"):
            page = http.get(path).text
            assert 'class="banner"' in page and f"{cfg.resolve()}:6:" in page, path
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["config"] == [problem]
        assert config_errors(http) == 1

        # a watchlist broken too: both named, each told once
        write(lists / "csto.yaml", (lists / "csto.yaml").read_text() + "  - : [\n")
        app.watch.reload()
        assert len(app.config_problems()) == 2
        assert any(p.startswith(str(lists / "csto.yaml")) for p in app.config_problems())
        assert app.rounds.send_notices() == 1
        assert app.rounds.send_notices() == 0  # the same errors: not told again
        [told] = webhook.bodies
        assert "2 new" in str(told["title"]) and "csto.yaml" in str(told["message"])
        assert f"{cfg.resolve()}:6:" in str(told["message"])

        write(cfg, good)
        shutil.copy(BUNDLED / "csto.yaml", lists / "csto.yaml")
        os.utime(lists / "csto.yaml", (time.time(), time.time() + next(stamp)))
        app.reload_settings()
        app.watch.reload()
        assert app.config_problems() == []
        assert 'class="banner"' not in http.get("/").text
        assert http.get("/readyz").json()["status"] == "ready"
        assert config_errors(http) == 0
        assert app.rounds.send_notices() == 0  # nothing broken: nothing told
        # broken again: a new error to tell
        write(cfg, good + "fetch:\n  timeout: soon\n")
        app.reload_settings()
        assert app.rounds.send_notices() == 1 and len(webhook.bodies) == 2
    app.store.engine.dispose()
