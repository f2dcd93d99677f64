"""deploy/ as a new user meets it, as far as this machine can run it (no Docker daemon):
the image's install script in a plain venv, its HEALTHCHECK against a running page,
the build context, the compose config and the systemd unit's first start."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from monitor.config.policies import check_listener
from monitor.config.settings import load_settings
from tests.conftest import REPO
from tests.support.web import listening_url

DEPLOY = REPO / "deploy"


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def healthcheck() -> list[str]:
    m = re.search(r"HEALTHCHECK .*?CMD (\[.*?\])$", dockerfile().replace("\\\n", " "), re.M)
    assert m, "the image has a HEALTHCHECK"
    cmd: list[str] = json.loads(m.group(1))
    return cmd


def install(venv: Path) -> Path:
    """deploy/install.sh run as the image runs it, offline: the dependencies come from
    the test environment instead of PyPI."""
    deps = sysconfig.get_paths()["purelib"]
    # The venv is made by the script: its pip and its check find them on PYTHONPATH.
    out = subprocess.run(
        [
            "sh",
            DEPLOY / "install.sh",
            venv,
            REPO,
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin:" + str(Path(sys.executable).parent), "PYTHONPATH": deps},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    [site] = (venv / "lib").glob("python3*/site-packages")
    (site / "dependencies.pth").write_text(deps + "\n")  # for the runs below, as PYTHONPATH was
    return venv


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install(tmp_path_factory.mktemp("image") / "opt")


def test_install_script_makes_a_working_monitor(installed: Path) -> None:
    assert (installed / "bin" / "monitor").exists()
    assert "build" in dockerfile() and "sh deploy/install.sh /opt/news-monitor ." in dockerfile()


@pytest.mark.slow
def test_the_image_healthcheck_asks_healthz(installed: Path, tmp_path: Path) -> None:
    import socket

    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {REPO / 'watchlists'}\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [c.replace("8089", str(port)) for c in healthcheck()]
    assert cmd[0] == "python"
    cmd[0] = str(installed / "bin" / "python")
    assert subprocess.run(cmd, capture_output=True, timeout=60).returncode != 0  # nothing there
    web = subprocess.Popen(
        [installed / "bin" / "monitor", "--config", cfg, "web", "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert web.stdout is not None
        listening_url(web.stdout)
        assert subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    finally:
        web.terminate()
        web.wait(30)
    assert web.returncode == 0


def test_the_build_context_holds_what_the_image_copies_and_nothing_else() -> None:
    rules = [r for r in (REPO / ".dockerignore").read_text().splitlines() if r and r[0] != "#"]
    assert rules[0] == "*"  # everything out, then what is needed back in
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    copied = re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", dockerfile(), re.M)
    sources = {src for line in copied for src in line.split()}
    for src in sources:
        assert any(src == a or src.startswith(a + "/") for a in allowed), src
    for heavy in (".venv", ".git", "data", "tests", "benchmarks"):
        assert heavy not in allowed


def test_the_compose_config_runs_two_daemons_on_postgresql(tmp_path: Path) -> None:
    env = {
        "MONITOR_TOKEN": "a-long-enough-token",
        "MONITOR_DATABASE": "postgresql+psycopg://m@db/m",
    }
    settings = load_settings(DEPLOY / "config" / "monitor.yaml", env)
    assert settings.database_url == env["MONITOR_DATABASE"]
    check_listener(settings)  # listens beyond loopback, with the token: allowed
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "replicas: 2" in compose and "MONITOR_DATABASE:" in compose
    assert ":ro" not in compose  # feeds import can write monitor.yaml
    assert "env_file: .env" in compose and ".env" not in (REPO / ".dockerignore").read_text()


def test_the_units_first_start_copies_a_working_config(tmp_path: Path) -> None:
    unit = (DEPLOY / "news-monitor.service").read_text()
    [pre] = re.findall(r"^ExecStartPre=/bin/sh -c (.*)$", unit, re.M)
    script = shlex.split(pre)[0].replace("/opt/news-monitor", str(REPO))
    for _ in range(2):  # the second start keeps what is there
        subprocess.run(["sh", "-c", script], cwd=tmp_path, check=True)
    assert (tmp_path / "watchlists").is_dir() and not (tmp_path / "watchlists").is_symlink()
    settings = load_settings(tmp_path / "monitor.yaml", {})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'data' / 'monitor.db'}"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "--config",
            tmp_path / "monitor.yaml",
            "watchlists",
            "check",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 0 and "3 watchlists OK" in out.stdout, out.stdout + out.stderr
    assert "StateDirectory=news-monitor" in unit and "ReadWritePaths=/var/lib/news-monitor" in unit
    assert "User=news-monitor" in unit
    sysusers = (DEPLOY / "news-monitor.sysusers").read_text()
    assert re.search(r"^u news-monitor ", sysusers, re.M)


def test_deploy_check_passes() -> None:
    out = subprocess.run(["bash", DEPLOY / "check"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr


def test_compose_rotates_logs_and_passes_the_password_apart() -> None:
    from ruamel.yaml import YAML

    compose = YAML(typ="safe").load((DEPLOY / "compose.yaml").read_text())
    for name, service in compose["services"].items():
        options = service["logging"]["options"]
        assert service["logging"]["driver"] == "json-file", name
        assert options["max-size"] and int(options["max-file"]) >= 2, name
    env = compose["services"]["monitor"]["environment"]
    assert "${" not in env["MONITOR_DATABASE"]  # no password pasted into the URL
    assert env["MONITOR_DATABASE_PASSWORD"] == "${POSTGRES_PASSWORD}"


@pytest.mark.slow
def test_the_image_writes_its_digests_as_its_user_with_composes_mounts(pg_url: str) -> None:
    """The image's filesystem as the Dockerfile makes it, compose's mounts over it, the
    daemon as uid 10001: it writes its digests. A named volume starts owned as the
    image's folder at its mount point is, or by root where the image has none."""
    import os
    import shutil
    import tempfile

    from ruamel.yaml import YAML

    from monitor.store import open_store
    from tests.test_outbox import some_hits

    if os.geteuid() != 0:
        pytest.skip("runs the daemon as uid 10001: needs root (CI runs as root)")
    uid = int(re.search(r"--uid (\d+)", dockerfile()).group(1))  # type: ignore[union-attr]
    root = Path(tempfile.mkdtemp(prefix="monitor-image-"))
    try:
        root.chmod(0o755)
        venv = install(root / "opt")
        srv = root / "srv" / "news-monitor"
        srv.mkdir(parents=True)
        # the Dockerfile: its folders made for the daemon's user
        step = re.search(r"RUN mkdir -p ([^\\&]+?)\s*\\?\s*&& chown \S+ (.+)$", dockerfile(), re.M)
        assert step, "the Dockerfile makes the daemon's folders"
        made, owned = step.group(1).split(), step.group(2).split()
        for d in made:
            (srv / d).mkdir(parents=True, exist_ok=True)
        image_owned = {srv / d for d in owned}

        def inside(target: str) -> Path:
            return srv / Path(target).relative_to("/srv/news-monitor")

        monitor = YAML(typ="safe").load((DEPLOY / "compose.yaml").read_text())["services"][
            "monitor"
        ]
        volumes = [v.split(":") for v in monitor["volumes"]]
        for src, target in volumes:  # the binds first: the host's files, as they are
            if src.startswith("."):
                if (dest := inside(target)).exists():
                    shutil.rmtree(dest)
                shutil.copytree((DEPLOY / src).resolve(), dest)
        for src, target in volumes:  # then the named volumes, as Docker starts them
            if not src.startswith("."):
                dest = inside(target)
                dest.mkdir(parents=True, exist_ok=True)
                if dest in image_owned:
                    os.chown(dest, uid, uid)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(srv),
            "MONITOR_CONFIG": str(inside(monitor["environment"]["MONITOR_CONFIG"])),
            "MONITOR_DATABASE": pg_url,
            "MONITOR_TOKEN": "a-real-token-not-the-example",
        }
        store = open_store(pg_url)
        some_hits(store, 2)
        store.engine.dispose()
        sent = subprocess.run(
            ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
             venv / "bin" / "monitor", "digest", "send"],
            capture_output=True, text=True, env=env, cwd=srv, timeout=300,
        )  # fmt: skip
        assert sent.returncode == 0, sent.stdout + sent.stderr
        [page] = (inside("/srv/news-monitor/config/data") / "digests").glob("digest-*.html")
        assert page.stat().st_uid == uid and "news-monitor" in page.read_text()
    finally:
        shutil.rmtree(root, ignore_errors=True)
