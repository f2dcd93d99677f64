"""What the environment gives the settings: a database, its password apart (any
character), a listener and a token; env.example's placeholders refused at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from monitor.config.policies import check_listener
from monitor.config.settings import load_settings
from monitor.errors import ConfigError
from tests.conftest import REPO

EXAMPLE = dict(
    line.split("=", 1)
    for line in (REPO / "deploy" / "env.example").read_text().splitlines()
    if line and not line.startswith("#")
)


def settings(tmp_path: Path, env: dict[str, str], body: str = "") -> object:
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///data/m.db\n{body}")
    return load_settings(cfg, env)


@pytest.mark.parametrize("password", ["p@ss:w/rd", "a%20b?c#d", "пароль ok", "plain"])
def test_a_password_apart_needs_no_escaping(tmp_path: Path, password: str) -> None:
    env = {
        "MONITOR_DATABASE": "postgresql+psycopg://monitor@db/monitor",
        "MONITOR_DATABASE_PASSWORD": password,
    }
    url = make_url(settings(tmp_path, env).database_url)  # type: ignore[attr-defined]
    assert (url.username, url.password, url.host, url.database) == (
        "monitor",
        password,
        "db",
        "monitor",
    )


def test_listen_and_token_from_the_environment(tmp_path: Path) -> None:
    plain = settings(tmp_path, {"MONITOR_LISTEN": "0.0.0.0:8089"})
    assert plain.http.listen == "0.0.0.0:8089"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"http\.token is not set"):
        check_listener(plain)  # type: ignore[arg-type]
    env = {"MONITOR_LISTEN": "0.0.0.0:8089", "MONITOR_TOKEN": "a-long-real-token"}
    ready = settings(tmp_path, env)
    check_listener(ready)  # type: ignore[arg-type]
    assert ready.http.token == "a-long-real-token"  # type: ignore[attr-defined]
    # a token in the file wins over the environment's
    mine = settings(tmp_path, env, "http:\n  token: the-files-own-token\n")
    assert mine.http.token == "the-files-own-token"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MONITOR_TOKEN", EXAMPLE["MONITOR_TOKEN"]),
        ("MONITOR_DATABASE_PASSWORD", EXAMPLE["POSTGRES_PASSWORD"]),
        ("MONITOR_DATABASE", f"postgresql+psycopg://m:{EXAMPLE['POSTGRES_PASSWORD']}@db/m"),
    ],
)
def test_env_examples_placeholders_are_refused(tmp_path: Path, name: str, value: str) -> None:
    env = {"MONITOR_DATABASE": "postgresql+psycopg://m@db/m", name: value}
    with pytest.raises(ConfigError, match=f"{name} holds deploy/env.example's placeholder"):
        settings(tmp_path, env)
