"""Running the CLI: in-process through Typer's runner, or as a user would in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli.main import app

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str
    exception: BaseException | None = None


def cli(*args: str, config: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """`monitor [--config C] ARGS` in this process."""
    pre = ["--config", str(config)] if config is not None else []
    r = CliRunner().invoke(app, [*pre, *args], env=env)
    # A MonitorError is a user error (exit 1); anything else escaping is a bug.
    exc = r.exception if not isinstance(r.exception, SystemExit) else None
    return Result(r.exit_code, r.stdout, r.stderr, exc)


def monitor(
    *args: str, config: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`python -m monitor ...` in a subprocess, from the repository."""
    cmd = [sys.executable, "-m", "monitor"]
    if config is not None:
        cmd += ["--config", str(config)]
    return subprocess.run(
        [*cmd, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
