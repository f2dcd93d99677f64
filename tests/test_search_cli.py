"""`monitor search` and `monitor watchlists add --from-search`, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from monitor.store import open_store
from monitor.watchlists.load import BUNDLED, load_watchlists
from tests.support.cli import cli
from tests.test_search import fill


def setup(tmp_path: Path) -> Path:
    lists = tmp_path / "watchlists"
    shutil.copytree(BUNDLED, lists)
    db = f"sqlite:///{tmp_path / 'm.db'}"
    store = open_store(db)
    fill(store)
    store.engine.dispose()
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: {db}\nwatchlists: {lists}\n")
    return cfg


def test_search_prints_a_table_json_and_csv(tmp_path: Path) -> None:
    cfg = setup(tmp_path)
    out = cli("search", "Пашиняна", "--format", "json", config=cfg)
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert {r["url"].rsplit("/", 1)[1] for r in records} == {"ru-talks", "ru-call"}
    assert all(set(r) >= {"story", "title", "outlet", "published", "snippets"} for r in records)
    rows = list(
        csv.DictReader(io.StringIO(cli("search", "@csto", "--format", "csv", config=cfg).stdout))
    )
    assert len(rows) == 5 and rows[0]["url"].startswith("https://")
    table = cli("search", "treaty Baku", config=cfg)
    assert "Treaty text agreed" in table.stdout and "1 stories (2 articles)" in table.stdout
    newest = json.loads(
        cli("search", "CSTO", "--sort", "newest", "--format", "json", config=cfg).stdout
    )
    assert newest[0]["url"].endswith("en-summit")
    recent = cli("search", "@csto", "--since", "3d", "--format", "json", config=cfg)
    assert len(json.loads(recent.stdout)) == 2


def test_a_query_that_does_not_parse_is_a_user_error(tmp_path: Path) -> None:
    out = cli("search", "CSTO AND (OTSC", config=setup(tmp_path))
    assert out.returncode == 1
    assert "missing ')'" in out.stderr and "Traceback" not in out.stderr


def test_a_search_saved_as_a_watchlist(tmp_path: Path) -> None:
    cfg = setup(tmp_path)
    out = cli("watchlists", "add", "armenia-csto", "--from-search", "@csto OR Пашиняна", config=cfg)
    assert out.returncode == 0, out.stderr
    assert "would have hit 7 stored articles in the last 30 days" in out.stdout
    saved = tmp_path / "watchlists" / "armenia-csto.yaml"
    [wl], problems = load_watchlists([saved])
    assert problems == [] and wl.name == "armenia-csto"
    again = cli("watchlists", "add", "armenia-csto", "--from-search", "CSTO", config=cfg)
    assert again.returncode == 1 and "exists already" in again.stderr
    assert cli("watchlists", "check", config=cfg).returncode == 0
