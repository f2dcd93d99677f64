"""The README's backup and restore, run as it writes them, on SQLite and PostgreSQL:
what was stored before the backup is back, what came after it is gone."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import text

from monitor.store import open_store
from tests.conftest import REPO
from tests.support.cli import cli
from tests.test_outbox import some_hits


def readme_command(pattern: str) -> list[str]:
    """The README's command (in Operating) that `pattern` finds, split as a shell would."""
    section = REPO.joinpath("README.md").read_text(encoding="utf-8").split("## Operating")[1]
    m = re.search(pattern, section.split("\n## ")[0])
    assert m, f"README, Operating: no {pattern!r}"
    return shlex.split(m.group(0))


def counts(url: str) -> tuple[int, int]:
    store = open_store(url)
    with store.engine.connect() as c:
        articles = c.execute(text("SELECT count(*) FROM article")).scalar()
        hits = c.execute(text("SELECT count(*) FROM hit")).scalar()
    store.engine.dispose()
    return int(articles or 0), int(hits or 0)


@pytest.mark.slow
def test_backup_and_restore_as_the_readme_says(db_url: str, tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: {db_url}\n")
    backup = readme_command(r"monitor db backup \S+")
    restore = readme_command(r"monitor db restore \S+ --yes")
    assert backup[:3] == ["monitor", "db", "backup"] and restore[-1] == "--yes"
    store = open_store(db_url)
    some_hits(store, 3)
    store.engine.dispose()
    before = counts(db_url)
    assert before == (3, 3)
    file = tmp_path / "backups" / "monitor-2026-12-05.db"
    made = cli(*backup[1:3], str(file), config=cfg)
    assert made.returncode == 0 and file.stat().st_size > 0, made.stderr
    # after the backup: more stored, then the restore takes the database back
    with open_store(db_url).engine.begin() as c:
        c.execute(text("DELETE FROM hit WHERE id IN (SELECT min(id) FROM hit)"))
    store = open_store(db_url)
    some_hits(store, 5)  # 2 more articles; the first three's hits again
    store.engine.dispose()
    assert counts(db_url) != before
    refused = cli(*restore[1:3], str(file), config=cfg)
    assert refused.returncode == 1 and "give --yes" in refused.stderr
    done = cli(*restore[1:3], str(file), "--yes", config=cfg)
    assert done.returncode == 0, done.stderr
    assert counts(db_url) == before
    # and the restored database is one the daemon opens and writes
    store = open_store(db_url)
    some_hits(store, 4)
    assert counts(db_url) == (4, 4)
    store.engine.dispose()


def test_a_missing_backup_is_one_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\n")
    out = cli("db", "restore", str(tmp_path / "nope.db"), "--yes", config=cfg)
    assert out.returncode == 1 and "nope.db: no such backup file" in out.stderr
    assert "Traceback" not in out.stderr
