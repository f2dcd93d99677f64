"""The CLI as a user meets it: commands, output, exit codes."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.core
import typer.main

from monitor.cli.main import app
from monitor.watchlists.load import BUNDLED
from tests.conftest import FIXTURES, REPO
from tests.support.cli import cli
from tests.support.config import write_config
from tests.support.sites import e2e_server, feed_urls

monitor = cli  # the commands run in this process; the daemon test below runs one for real


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A config whose database has been filled by `monitor run --once`."""
    tmp = tmp_path_factory.mktemp("cli")
    with e2e_server() as server:
        cfg = write_config(tmp, f"sqlite:///{tmp / 'm.db'}", feed_urls(server.base), [])
        run = monitor("run", "--once", config=cfg)
        yield cfg, run


def test_run_once(polled: Any) -> None:
    _, run = polled
    assert run.returncode == 0, run.stderr
    assert "polled 4 feeds" in run.stdout and "0 feed errors" in run.stdout


def test_hits_json_has_the_documented_fields(polled: Any) -> None:
    cfg, _ = polled
    out = monitor("hits", "--format", "json", config=cfg)
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert records
    for r in records:
        assert {
            "url",
            "title",
            "outlet",
            "published",
            "watchlist",
            "entities",
            "snippets",
            "story",
            "found_at",
        } <= set(r)
    assert any(r["matched_in"] == "feed summary" for r in records)


def test_hits_filters_and_formats(polled: Any) -> None:
    cfg, _ = polled
    table = monitor("hits", "--watchlist", "csto", config=cfg)
    assert table.returncode == 0 and table.stdout.splitlines()[0].split() == [
        "found",
        "watchlist",
        "entities",
        "outlet",
        "title",
    ]
    assert all(" csto " in line for line in table.stdout.splitlines()[1:])
    rows = list(csv.DictReader(io.StringIO(monitor("hits", "--format", "csv", config=cfg).stdout)))
    assert rows and {"url", "watchlist", "entities", "snippets"} <= set(rows[0])
    assert monitor("hits", "--since", "soon", config=cfg).returncode == 2


def test_digest_preview_then_send_to_files(polled: Any) -> None:
    cfg, _ = polled
    for fmt, marker in (("text", "== csto =="), ("html", "<mark>"), ("slack", "*csto*")):
        out = monitor("digest", "preview", "--format", fmt, config=cfg)
        assert out.returncode == 0 and marker in out.stdout, (fmt, out.stderr)
    sent = monitor("digest", "send", config=cfg)
    assert sent.returncode == 0 and "1 digests built, 1 deliveries sent" in sent.stdout
    digests = list((cfg.parent / "data" / "digests").glob("digest-*.html"))
    assert len(digests) == 1
    assert "nothing new" in monitor("digest", "preview", config=cfg).stderr
    again = monitor("digest", "send", config=cfg)
    assert "0 digests built, 0 deliveries sent" in again.stdout
    assert monitor("digest", "send", "--subscription", "nope", config=cfg).returncode == 1


def test_feeds_list_and_health(polled: Any) -> None:
    cfg, _ = polled
    listed = monitor("feeds", "list", config=cfg)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 4
    health = monitor("feeds", "health", config=cfg)
    assert health.returncode == 0 and "mirror/feed.xml" in health.stdout


def test_replay_finds_new_hits_after_a_watchlist_edit(polled: Any, tmp_path: Path) -> None:
    cfg, _ = polled
    text = cfg.read_text()
    extra = tmp_path / "wl"
    extra.mkdir()
    (extra / "wine.yaml").write_text("entities:\n  areni:\n    aliases: [Areni]\n")
    cfg2 = cfg.parent / "monitor-replay.yaml"
    cfg2.write_text(text.replace(f"watchlists: {BUNDLED}", f"watchlists: [{BUNDLED}, {extra}]"))
    out = monitor("replay", "--since", "30d", "--watchlist", "wine", config=cfg2)
    assert out.returncode == 0 and "1 new hits" in out.stdout, out.stderr
    assert "0 new hits" in monitor("replay", config=cfg2).stdout


def test_match_explains_why(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Kremlin spokesman Dmitry Peskov said the CSTO summit would go ahead.")
    out = monitor("match", "--watchlists", str(BUNDLED), str(page))
    assert out.returncode == 0
    assert "MATCH officials" in out.stdout and "peskov (Dmitry Peskov)" in out.stdout
    assert "[Dmitry Peskov]" in out.stdout and "MATCH csto" in out.stdout
    assert "peskov: alias 'Dmitry Peskov' found as 'Dmitry Peskov'" in out.stdout
    ru = tmp_path / "ru.txt"
    ru.write_text("Слова Пескова о Карабахе прокомментировали в Ереване.")
    out = monitor("match", "-w", str(BUNDLED), str(ru))
    assert "peskov: alias 'Песков' found as 'Пескова'" in out.stdout
    assert "karabakh: alias 'Карабах' found as 'Карабахе'" in out.stdout
    html = monitor(
        "match",
        "-w",
        str(BUNDLED),
        str(FIXTURES / "pages" / "tf-timesofisrael-com-washington.html"),
    )
    assert html.returncode == 0 and "MATCH" not in html.stdout and "no match" in html.stdout


def test_watchlists_check_and_test(tmp_path: Path) -> None:
    ok = monitor("watchlists", "check", str(BUNDLED))
    assert ok.returncode == 0 and "3 watchlists OK" in ok.stdout
    tested = monitor("watchlists", "test", str(BUNDLED))
    assert tested.returncode == 0 and " 0 failed" in tested.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("entities:\n  a:\n    aliases: [Alpha]\n    colour: red\nmatch: a AND\n")
    out = monitor("watchlists", "check", str(bad))
    assert out.returncode == 1
    assert f"{bad}:4:5: entities.a.colour: unknown key 'colour'" in out.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "entities:\n  a:\n    aliases: [Alpha]\nexamples:\n  - text: no match here\n    expect: [a]\n"
    )
    failed = monitor("watchlists", "test", str(wrong))
    assert failed.returncode == 1 and "FAIL" in failed.stdout and "1 failed" in failed.stdout


def test_bad_config_is_exit_1_with_place(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text("fetch:\n  timout: 5s\n")
    out = monitor("feeds", "list", config=cfg)
    assert (
        out.returncode == 1
        and f"error: {cfg}:2:3: fetch.timout: unknown key 'timout'" in out.stderr
    )
    assert "Traceback" not in out.stderr
    missing = monitor("feeds", "list", env={"MONITOR_CONFIG": str(tmp_path / "none.yaml")})
    assert missing.returncode == 1 and "none.yaml: cannot read" in missing.stderr


def test_a_watchlist_path_that_does_not_exist_stops_the_start(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: [{BUNDLED}, lists/]\n")
    for command in (["run", "--once"], ["run"], ["digest", "send"]):
        out = monitor(*command, config=cfg)
        assert out.returncode == 1 and out.exception is None, command
        assert (
            f"error: {cfg.resolve()}: watchlists: {tmp_path.resolve() / 'lists'}: no such file"
            in out.stderr
        )


def test_usage_errors_are_exit_2() -> None:
    assert monitor("no-such-command").returncode == 2
    assert monitor("hits", "--format", "xml").returncode == 2


def test_db_upgrade(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'x.db'}\n")
    out = monitor("db", "upgrade", config=cfg)
    assert out.returncode == 0 and "revision 0004" in out.stdout


def commands(group: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command of the CLI, as the words that name it."""
    for name, cmd in group.commands.items():
        if isinstance(cmd, typer.core.TyperGroup):
            yield from commands(cmd, (*path, name))
        else:
            yield (*path, name)


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    found = list(commands(typer.main.get_group(app)))
    assert len(found) >= 13 and ("feeds", "import") in found
    for c in found:
        out = monitor(*c, "--help")
        assert out.returncode == 0 and "Usage" in out.stdout, c
        summary = out.stdout.split("Usage", 1)[1].split("\n\n", 2)[1].strip()
        assert summary and not summary.startswith("╭"), (c, "no help text")
        assert f"monitor {' '.join(c)}" in readme, c


def test_daemon_polls_sends_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with e2e_server() as server:
        cfg = write_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'd.db'}",
            feed_urls(server.base),
            [],
            schedule="immediate",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(cfg), "run"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        digests = tmp_path / "data" / "digests"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not list(digests.glob("digest-*.html")):
            time.sleep(0.5)
        try:
            assert list(digests.glob("digest-*.html")), "no digest within 60 s"
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
        events = [x["event"] for x in lines]
        assert (
            "daemon started" in events
            and "digest delivered" in events
            and events[-1] == "daemon stopped"
        )


def test_stop_waits_for_worker_threads_already_running() -> None:
    """A stop during a delivery lets the delivery finish before the daemon ends."""
    import asyncio
    import threading

    from monitor.daemon import drain_threads

    done: list[str] = []
    started = threading.Event()

    def deliver() -> None:
        started.set()
        time.sleep(0.3)
        done.append("delivered")

    async def main() -> None:
        task = asyncio.create_task(asyncio.to_thread(deliver))
        await asyncio.to_thread(started.wait)
        task.cancel()  # what a stop does to in-flight work
        await asyncio.gather(task, return_exceptions=True)
        assert done == []
        await drain_threads(asyncio.get_running_loop())
        assert done == ["delivered"]

    asyncio.run(main())


def test_demo_leaves_a_digest(tmp_path: Path) -> None:
    out = monitor("demo", "--out", str(tmp_path / "demo"))
    assert out.returncode == 0, out.stderr
    html = (tmp_path / "demo" / "digest.html").read_text()
    assert "digest written" in out.stdout and "<mark>" in html
    assert "Also reported by" in html and "Caucasus Herald" in html and "Песков" in html
    # the pages that name watched people only in comments and sidebars are not in it
    assert "wine festival" not in html and "первый снег" not in html


def test_feeds_import_adds_the_opml_and_keeps_comments(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        "# the desk's config\n"
        f"database: sqlite:///{tmp_path / 'm.db'}\n"
        "feeds:\n"
        "  - url: https://a.example/rss   # agency A\n"
        "    name: A\n"
    )
    cfg.chmod(0o600)
    opml = tmp_path / "reader.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="A" xmlUrl="https://a.example/rss"/>'
        '<outline text="News"><outline text="B" xmlUrl="https://b.example/feed"/>'
        '<outline text="C" xmlUrl="https://c.example/atom"/></outline>'
        "</body></opml>"
    )
    out = monitor("feeds", "import", str(opml), config=cfg)
    assert out.returncode == 0, out.stderr
    assert "added reader.opml" in out.stdout and "3 feeds, 2 new" in out.stdout
    text = cfg.read_text()
    assert "# the desk's config" in text and "# agency A" in text and "opml: reader.opml" in text
    assert cfg.stat().st_mode & 0o777 == 0o600
    listed = monitor("feeds", "list", config=cfg).stdout
    assert all(u in listed for u in ("a.example/rss", "b.example/feed", "c.example/atom"))
    again = monitor("feeds", "import", str(opml), config=cfg)
    assert again.returncode == 0 and "already in" in again.stdout
    assert cfg.read_text() == text

    bad = tmp_path / "bad.opml"
    bad.write_text('<?xml version="1.0"?>\n<opml><body><outline xmlUrl="x"</body></opml>')
    out = monitor("feeds", "import", str(bad), config=cfg)
    assert out.returncode == 1 and f"{bad}:2:" in out.stderr
    assert cfg.read_text() == text
