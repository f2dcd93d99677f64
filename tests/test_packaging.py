"""The package as a user installs it: a wheel built from the checkout, installed in a
fresh virtual environment, runs the demo and checks its bundled watchlists."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

from tests.conftest import REPO


def test_every_folder_of_the_package_is_listed_for_the_wheel() -> None:
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    # folders kept at the top of the project, installed inside the package
    roots = {"monitor": REPO / "monitor"} | {
        package: REPO / folder for package, folder in setuptools["package-dir"].items()
    }
    folders = {
        ".".join((package, *d.relative_to(root).parts))
        for package, root in roots.items()
        for d in [root, *root.rglob("*")]
        if d.is_dir() and d.name != "__pycache__"
    }
    assert set(setuptools["packages"]) == folders
    assert set(setuptools["package-dir"]) == {
        "monitor.migrations",
        "monitor.watchlists.bundled",
        "monitor.watchlists.schema",
    }


def test_the_watchlists_and_schemas_are_real_folders_at_the_top() -> None:
    """Copied with `cp -r`, or checked out on Windows, a link is no folder."""
    for top, files in (("watchlists", "*.yaml"), ("schema", "*.json")):
        assert (REPO / top).is_dir() and not (REPO / top).is_symlink()
        assert sorted(REPO.joinpath(top).glob(files)), top
        assert not any(p.is_symlink() for p in (REPO / top).iterdir())
    assert not (REPO / "monitor" / "watchlists" / "bundled").exists()


def run(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, timeout=600
    )
    assert out.returncode == 0, f"{cmd}: {out.stdout}\n{out.stderr}"
    return out


def test_the_wheel_runs_the_demo_and_checks_the_bundled_watchlists(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "-w", dist, REPO, cwd=tmp_path)  # fmt: skip
    assert "Deprecat" not in built.stdout + built.stderr  # setuptools has nothing to warn of
    [wheel] = dist.glob("news_monitor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "monitor/watchlists/bundled/csto.yaml",
        "monitor/watchlists/schema/watchlist.schema.json",
        "monitor/watchlists/schema/digest-data.schema.json",
        "monitor/migrations/env.py",
        "monitor/migrations/script.py.mako",
        "monitor/migrations/versions/0004_story_index_in_memory.py",
        "monitor/digest/templates/digest.html.j2",
        "monitor/demo/sites/caucasus-herald.json",
        "monitor/py.typed",
    ):
        assert shipped in names, shipped

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    py = venv / "bin" / "python"
    site = Path(
        run(
            py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
        ).stdout.strip()
    )
    # The dependencies come from the test environment, as a plain path: its .pth files
    # (among them this checkout, installed in editable mode) are not read from there.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-deps", wheel,
        cwd=tmp_path)  # fmt: skip

    where = run(
        py, "-c", "from monitor.watchlists.load import BUNDLED, SCHEMA; print(BUNDLED); print(SCHEMA)",
        cwd=tmp_path,
    ).stdout.split()  # fmt: skip
    bundled, schema = Path(where[0]), Path(where[1])
    assert bundled.is_relative_to(site) and schema.is_file()  # from the wheel, not the checkout

    monitor = venv / "bin" / "monitor"
    demo = run(monitor, "demo", "--out", tmp_path / "out", cwd=tmp_path)
    assert "2 digests built" in demo.stdout and "spike notice (karabakh)" in demo.stdout
    assert "Also reported by" in (tmp_path / "out" / "digest.html").read_text()
    checked = run(monitor, "watchlists", "check", bundled, cwd=tmp_path)
    assert "3 watchlists OK" in checked.stdout
    upgraded = tmp_path / "monitor.yaml"
    upgraded.write_text(f"database: sqlite:///{tmp_path / 'm.db'}\nwatchlists: {bundled}\n")
    db = run(monitor, "--config", upgraded, "db", "upgrade", cwd=tmp_path)
    assert "database at revision 0014" in db.stdout
