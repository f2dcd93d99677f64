"""The CLI as a user meets it: commands, output, exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
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
    assert "polled 5 feeds" in run.stdout and "0 feed errors" in run.stdout


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
    # times with their zone: 2026-12-01 10:15 UTC
    assert all(
        re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d [A-Z+-]\w*  ", line)
        for line in table.stdout.splitlines()[1:]
    )
    rows = list(csv.DictReader(io.StringIO(monitor("hits", "--format", "csv", config=cfg).stdout)))
    records = json.loads(monitor("hits", "--format", "json", config=cfg).stdout)
    assert rows and list(rows[0]) == list(records[0])  # the same fields as JSON, in order
    assert json.loads(rows[0]["highlights"]) == records[0]["highlights"]
    assert monitor("hits", "--since", "soon", config=cfg).returncode == 2


@pytest.mark.slow
def test_digest_preview_then_send_to_files(polled: Any) -> None:
    cfg, _ = polled
    shown = (("text", "== csto =="), ("html", "<mark>"), ("slack", "*csto*"),
             ("telegram", "<b>CSTO</b>"), ("email", "<mark>"))  # fmt: skip
    for fmt, marker in shown:
        out = monitor("digest", "preview", "--format", fmt, config=cfg)
        assert out.returncode == 0 and marker in out.stdout, (fmt, out.stderr)
    wrong = monitor("digest", "preview", "--format", "fax", config=cfg)
    assert wrong.returncode == 2 and "one of html, email, slack, telegram, text" in wrong.stderr
    sent = monitor("digest", "send", config=cfg)
    assert sent.returncode == 0 and "1 digest built, 1 delivery sent" in sent.stdout
    digests = list((cfg.parent / "data" / "digests").glob("digest-*.html"))
    assert len(digests) == 1
    assert "nothing new" in monitor("digest", "preview", config=cfg).stderr
    again = monitor("digest", "send", config=cfg)
    assert "0 digests built, 0 deliveries sent" in again.stdout
    assert monitor("digest", "send", "--subscription", "nope", config=cfg).returncode == 1


def test_feeds_list_and_health(polled: Any) -> None:
    cfg, _ = polled
    listed = monitor("feeds", "list", config=cfg)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == 5
    health = monitor("feeds", "health", config=cfg)
    assert health.returncode == 0 and "mirror/feed.xml" in health.stdout
    rows = health.stdout.splitlines()[1:]
    # polled just now: the last success, the last new item and a next poll to come,
    # each with its zone
    assert rows and all(len(re.findall(r"\d\d:\d\d [A-Z+-]\w*", r)) == 3 for r in rows)


def test_feeds_health_says_due_and_which_daemon_polls(tmp_path: Path) -> None:
    from datetime import timedelta

    from monitor.store import open_store
    from monitor.types import FeedSource
    from tests.support.store import feed, record_poll

    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\n")
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    store.sync_feeds([FeedSource(f"https://{n}.example/rss", None, 900) for n in "ab"])
    record_poll(store, feed(store, "https://a.example/rss").id, ok=True, next_poll_at=store.clock())
    [held] = store.claim_feeds("host-2:4242:9f3a1c", timedelta(minutes=5), limit=1)
    assert held.source.url == "https://b.example/rss"
    store.engine.dispose()
    out = monitor("feeds", "health", config=cfg)
    assert out.returncode == 0 and re.search(
        r"https://a.example/rss\s+feed\s+ok\s+\S+ \S+ \S+\s+none yet\s+0\s+0\s+due", out.stdout
    )
    assert re.search(r"https://b.example/rss .* host-2:4242:9f3a1c", out.stdout)


def test_replay_finds_new_hits_after_a_watchlist_edit(polled: Any, tmp_path: Path) -> None:
    cfg, _ = polled
    text = cfg.read_text()
    extra = tmp_path / "wl"
    extra.mkdir()
    (extra / "wine.yaml").write_text("entities:\n  areni:\n    aliases: [Areni]\n")
    cfg2 = cfg.parent / "monitor-replay.yaml"
    cfg2.write_text(text.replace(f"watchlists: {BUNDLED}", f"watchlists: [{BUNDLED}, {extra}]"))
    out = monitor("replay", "--since", "30d", "--watchlist", "wine", config=cfg2)
    assert out.returncode == 0 and "1 new hit" in out.stdout and "1 new hits" not in out.stdout, (
        out.stderr
    )
    assert "0 new hits" in monitor("replay", config=cfg2).stdout


def test_match_goes_on_after_a_file_it_cannot_read(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("The CSTO met.")
    out = monitor("match", "-w", str(BUNDLED), str(tmp_path / "nofile.html"), str(good))
    assert out.returncode == 1 and out.exception is None
    assert "nofile.html: cannot read: No such file or directory" in out.stderr
    assert "MATCH csto" in out.stdout


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


def test_a_watchlist_filter_that_names_nothing_is_an_error(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {BUNDLED}\n")
    for command in (["hits"], ["search", "CSTO"]):
        out = cli(*command, "--watchlist", "nosuch", config=cfg)
        assert out.returncode == 1, (command, out.stdout)
        assert "--watchlist: no watchlist named 'nosuch' (loaded: csto, " in out.stderr
    assert cli("hits", "--watchlist", "csto", config=cfg).returncode == 0


def test_watchlists_check_holds_the_subscriptions_to_the_watchlists(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {BUNDLED}\n"
        "subscriptions:\n  - name: desk\n    notify: [mailto://desk@example.org]\n"
        "    watchlists: [csto, cstoo]\n    immediate: [karabakh]\n"
    )
    out = cli("watchlists", "check", config=cfg)
    assert out.returncode == 1
    assert f"{cfg}:6:24: subscriptions.0.watchlists: no watchlist named 'cstoo'" in out.stderr
    assert f"{cfg}:7:17: subscriptions.0.immediate: 'karabakh' is not one of" in out.stderr
    assert "2 errors" in out.stdout
    # files named on the command line are checked alone: no subscriptions name them
    assert cli("watchlists", "check", str(BUNDLED), config=cfg).returncode == 0


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
    assert failed.returncode == 1 and "1 failed" in failed.stdout
    assert f"FAIL {wrong}:5:5: wrong: 'no match here'" in failed.stdout  # the example's place


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


def test_a_mistake_in_a_subscription_or_a_watchlist_stops_run_once(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {BUNDLED}\n"
        "subscriptions:\n  - name: desk\n    watchlists: [csto, nope]\n"
    )
    out = monitor("run", "--once", config=cfg)
    assert out.returncode == 1 and out.exception is None
    assert f"{cfg}:5:24: subscriptions.0.watchlists: no watchlist named 'nope'" in out.stderr
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "good.yaml").write_text("entities:\n  a:\n    aliases: [Alpha]\n")
    (lists / "bad.yaml").write_text("entities:\n  a:\n    aliases: [Alpha]\nmatch: a AND\n")
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {lists}\n")
    out = monitor("run", "--once", config=cfg)
    assert out.returncode == 1 and f"{lists / 'bad.yaml'}:4:" in out.stderr
    assert "polled" not in out.stdout  # nothing was polled without it


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        (
            "postgresql+psycopg://postgres:s3cret@127.0.0.1:5432/monitor_nope",
            "error: cannot connect to postgresql+psycopg://postgres:***@127.0.0.1:5432/monitor_nope: "
            'database "monitor_nope" does not exist — create it with createdb monitor_nope',
        ),
        (
            "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/x",
            "Connection refused — is PostgreSQL running on 127.0.0.1:1?",
        ),
    ],
)
def test_a_database_that_cannot_be_reached_is_one_line(
    tmp_path: Path, database: str, expected: str
) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: {database}\nwatchlists: {BUNDLED}\n")
    for command in (["hits"], ["run", "--once"], ["db", "upgrade"], ["feeds", "health"]):
        out = monitor(*command, config=cfg)
        assert out.returncode == 1 and out.exception is None, command
        assert expected in out.stderr and len(out.stderr.strip().splitlines()) == 1, command
        assert "s3cret" not in out.stderr


def test_options_go_before_or_after_the_command(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text("fetch:\n  timout: 5s\n")
    for args in (
        ["feeds", "list", "--config", str(cfg)],
        ["feeds", "list", f"--config={cfg}", "--log-level", "warning"],
        ["--log-level", "ERROR", "feeds", "list", "-c", str(cfg)],
    ):
        out = cli(*args)
        assert out.returncode == 1 and "fetch.timout: unknown key" in out.stderr, args


def test_usage_errors_are_exit_2() -> None:
    assert monitor("no-such-command").returncode == 2
    assert monitor("hits", "--format", "xml").returncode == 2


def test_db_upgrade(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'x.db'}\n")
    out = monitor("db", "upgrade", config=cfg)
    assert out.returncode == 0 and "revision 0014" in out.stdout


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
        assert "<bool>" not in out.stdout, (c, "a flag shown as taking a value")
        assert f"monitor {' '.join(c)}" in readme, c


def test_every_option_with_a_bad_value_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {BUNDLED}\n"
        "subscriptions:\n  - name: desk\n"
    )
    text = tmp_path / "page.txt"
    text.write_text("The CSTO met.")
    opml = tmp_path / "a.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline xmlUrl="https://a.example/"/></body></opml>'
    )
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    missing = str(tmp_path / "missing")
    # required arguments
    valid = {
        "targets": str(text),
        "opml": str(opml),
        "query": "CSTO",
        "name": "from-search",
        "from_search": "CSTO",
    }
    bad = {
        "config": missing,
        "log_level": "LOUD",
        "since": "2weeks",
        "format": "xml",
        "subscription": "nope",
        "watchlist": "nope",
        "watchlists": missing,
        "targets": missing,
        "paths": missing,
        "opml": missing,
        "out": str(a_file / "demo"),  # a folder that cannot be made
        "ids": "twelve",
        "listen": "8089",  # a port without its host
        "url": "ftp://example.org/",
        "query": '"unbalanced',
        "limit": "0",
        "sort": "sideways",
        "name": "not a name!",
        "from_search": "NOT CSTO",
        "path": str(a_file / "backup.db"),  # under a file: no backup there, none to restore
    }
    harmless: set[tuple[str, ...]] = set()
    root = typer.main.get_group(app)
    tried = 0
    for path in [(), *commands(root)]:
        cmd = root
        for word in path:
            cmd = cmd.commands[word]  # type: ignore[attr-defined]
        for param in cmd.params:
            if param.name == "help" or getattr(param, "is_flag", False):
                continue
            assert param.name in bad, f"no bad value for {path} {param.name}: add one"
            args = list(path)
            for other in cmd.params:
                if other.name in valid and other.name != param.name:
                    args.append(valid[other.name])
            if param.param_type_name == "argument":
                args.append(bad[param.name])
            else:
                args += [param.opts[0], bad[param.name]]
            if not path:
                args += ["feeds", "list"]
            out = cli(*args, config=cfg if param.name != "config" else None)
            said = out.stdout + out.stderr
            tried += 1
            assert out.exception is None and "Traceback" not in said, (args, out.exception)
            if (*path, param.name) not in harmless:
                assert out.returncode in (1, 2), (args, out.returncode, said)
    assert tried >= 15


@pytest.mark.slow
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
    # the Armenian report, found through inflected forms and highlighted as they stand
    assert "<mark><b>Փաշինյանը</b></mark>" in html
    # beside it: csto's immediate alert, and karabakh's spike notice
    alert = (tmp_path / "demo" / "alert.txt").read_text()
    assert "== csto ==" in alert and "== karabakh ==" not in alert
    assert "<mark><b>ՀԱՊԿ-ից</b></mark>" in (tmp_path / "demo" / "alert.html").read_text()
    spike = (tmp_path / "demo" / "spike.txt").read_text()
    assert spike.startswith("[news-monitor] demo-desk: spike in karabakh, 4 stories")
    assert "immediate alert (csto) written" in out.stdout


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
    page = tmp_path / "page.opml"
    page.write_text("<!DOCTYPE html>\n<html><body><p>Not a feed list</p></body></html>")
    out = monitor("feeds", "import", str(page), config=cfg)
    assert out.returncode == 1 and f"{page}: an HTML page, not OPML" in out.stderr
    odd = tmp_path / "odd.opml"
    odd.write_text(
        '<opml version="2.0"><body><outline xmlUrl="feed://a.example/rss"/>'
        '<outline xmlUrl="ftp://b.example/x"/></body></opml>'
    )
    out = monitor("feeds", "import", str(odd), config=cfg)
    assert out.returncode == 1
    assert (
        "none of its 2 feed outlines is an http(s) URL (the first is 'feed://a.example/rss')"
        in out.stderr
    )
    assert cfg.read_text() == text


def test_feeds_import_keeps_every_other_byte_of_the_bundled_config(tmp_path: Path) -> None:
    bundled = (REPO / "monitor.yaml").read_text(encoding="utf-8")
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(bundled, encoding="utf-8")
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "caucasus.opml").write_text(
        (REPO / "feeds" / "caucasus.opml").read_text()
    )
    opml = tmp_path / "desk.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline xmlUrl="https://desk.example/rss"/></body></opml>'
    )
    out = monitor("feeds", "import", str(opml), config=cfg)
    assert out.returncode == 0, out.stderr
    before, after = (
        bundled.splitlines(keepends=True),
        cfg.read_text(encoding="utf-8").splitlines(keepends=True),
    )
    added = [line for line in after if line not in before]
    assert added == ["  - opml: desk.opml\n"]
    at = after.index(added[0])
    assert after[:at] + after[at + 1 :] == before  # byte for byte, but the one line
    assert after[at - 1] == "  - opml: feeds/caucasus.opml\n"  # at the end of feeds:


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("database: x\n", "database: x\nfeeds:\n  - opml: d.opml\n"),
        ("feeds:\n# later\n", "feeds:\n  - opml: d.opml\n# later\n"),
        (
            "feeds:\n    - url: https://a/\n      name: A  # A\n\n# subs\nsubscriptions: []\n",
            "feeds:\n    - url: https://a/\n      name: A  # A\n    - opml: d.opml\n\n# subs\nsubscriptions: []\n",
        ),
        (
            "feeds:\r\n  - url: https://a/\r\n",
            "feeds:\r\n  - url: https://a/\r\n  - opml: d.opml\r\n",
        ),
        ("feeds:\n  - url: https://a/", "feeds:\n  - url: https://a/\n  - opml: d.opml\n"),
    ],
)
def test_an_opml_entry_goes_at_the_end_of_feeds_in_its_indentation(
    text: str, expected: str
) -> None:
    from monitor.config.editor import with_feed

    assert with_feed(text, "opml: d.opml", Path("m.yaml")) == expected
