"""What the chaos scenarios share: a news site on 127.0.0.1 whose feeds keep growing and
that counts every fetch, daemons run and killed as real processes, the receivers."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from tests.support.httpd import Reply, ScriptedServer

REPO = Path(__file__).resolve().parent.parent
WORDS = [
    "summit",
    "ministers",
    "border",
    "talks",
    "treaty",
    "security",
    "peace",
    "delegation",
    "capital",
    "region",
    "army",
    "agreement",
    "council",
    "session",
    "statement",
    "visit",
    "proposal",
    "frontier",
    "mission",
    "corridor",
    "troops",
    "observers",
    "negotiations",
    "ceasefire",
    "villages",
    "checkpoint",
    "railway",
    "parliament",
    "election",
]


def article_text(feed: int, item: int) -> str:
    """A text of its own per item (each its own story), naming the CSTO."""
    rnd = random.Random(feed * 100_003 + item)
    words = " ".join(rnd.choice(WORDS) for _ in range(60))
    return f"The CSTO said on day {item} in city {feed}: {words}."


class NewsSite:
    """Feeds /f/<i> whose items grow by one each `grow()`, pages /p/<i>/<j>, and the time
    of every fetch of every path (and, in `clients`, who fetched it), on `host`."""

    def __init__(self, feeds: int, host: str = "127.0.0.1") -> None:
        self.feeds = feeds
        self.epoch = 1  # items per feed
        self.fetches: dict[str, list[float]] = defaultdict(list)
        self.clients: list[tuple[float, str, str]] = []  # (monotonic time, client, path)
        self.lock = threading.Lock()
        self.server = ScriptedServer(self._answer, host).__enter__()
        self.base = self.server.base

    def _answer(self, path: str, headers: dict[str, str]) -> Reply:
        with self.lock:
            now = time.monotonic()
            self.fetches[path].append(now)
            self.clients.append((now, self.server.local.peer, path))
            epoch = self.epoch
        parts = path.strip("/").split("/")
        if parts[0] == "f":
            return Reply(
                200, self.feed_xml(int(parts[1]), epoch), {"Content-Type": "application/rss+xml"}
            )
        if parts[0] == "p":
            text = article_text(int(parts[1]), int(parts[2]))
            body = f"<html><body><article><p>{text}</p></article></body></html>".encode()
            return Reply(200, body, {"Content-Type": "text/html; charset=utf-8"})
        return Reply(404)

    def feed_xml(self, i: int, epoch: int) -> bytes:
        items = "".join(
            f"<item><title>Day {j} in city {i}</title><link>{self.base}/p/{i}/{j}</link>"
            f"<guid>{i}-{j}</guid><description>{article_text(i, j)[:200]}</description></item>"
            for j in range(epoch)
        )
        return f'<rss version="2.0"><channel><title>F{i}</title>{items}</channel></rss>'.encode()

    def grow(self) -> None:
        with self.lock:
            self.epoch += 1

    @property
    def items(self) -> int:
        return self.feeds * self.epoch

    def close(self) -> None:
        self.server.__exit__()


def write_config(
    path: Path,
    database: str,
    site: NewsSite,
    every: str,
    notify: list[str],
    pages: bool = True,
    more: str = "",
) -> Path:
    """monitor.yaml: the site's feeds, an immediate subscription `desk` to `notify`, and
    `more` (YAML of further subscriptions, each "  - name: ...")."""
    feeds = "".join(
        f"  - url: {site.base}/f/{i}\n    every: {every}\n"
        + ("" if pages else "    pages: false\n")
        for i in range(site.feeds)
    )
    hooks = "".join(f'      - "{u}"\n' for u in notify)
    path.write_text(
        f"database: {database}\nwatchlists: {REPO / 'watchlists'}\n"
        "fetch:\n  allow_private_networks: true\n  respect_robots: false\n"
        "http:\n  listen: 127.0.0.1:0\n"
        f"feeds:\n{feeds}"
        "subscriptions:\n  - name: desk\n    watchlists: [csto]\n    schedule: immediate\n"
        + (f"    notify:\n{hooks}" if notify else "")
        + more
    )
    return path


class Daemon:
    """`monitor run` as a process of its own (its parser workers in its group)."""

    def __init__(
        self,
        config: Path,
        log: Path,
        env: dict[str, str] | None = None,
        prefix: list[str] | None = None,
    ) -> None:
        self.config, self.log = config, log
        self.env = env  # added to this process's environment (a clock skew, say)
        # run through this command, which execs the rest (`ip netns exec NAME`)
        self.prefix = prefix or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [*self.prefix, sys.executable, "-m", "monitor", "--config", str(self.config), "run"],
            cwd=REPO,
            stdout=out,
            stderr=out,
            start_new_session=True,
            env={**os.environ, **(self.env or {})},
        )
        self.starts += 1

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> int | None:
        """SIGTERM, as systemd would; its exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.proc.returncode

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def log_problems(log: Path) -> dict[str, int]:
    """Tracebacks and error lines in a daemon's log (one JSON object per line)."""
    tracebacks = errors = 0
    for line in log.read_text(errors="replace").splitlines():
        tracebacks += "Traceback" in line
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                errors += json.loads(line).get("level") in ("error", "critical")
    return {"tracebacks": tracebacks, "error_lines": errors}


def grow_every(site: NewsSite, stop: threading.Event, every_s: float) -> None:
    """Add an item to every feed each `every_s` until `stop` (run in a thread)."""
    while not stop.wait(every_s):
        site.grow()


def fetched_twice(site: NewsSite, within_s: float) -> list[tuple[float, float]]:
    """Consecutive fetches of one feed less than `within_s` apart."""
    return [
        (a, b)
        for path, times in site.fetches.items()
        if path.startswith("/f/")
        for a, b in itertools.pairwise(times)
        if b - a < within_s
    ]


def wait_until(cond: object, timeout_s: float, step_s: float = 0.5) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(step_s)
    return False


def print_table(title: str, rows: list[tuple[str, object, str]]) -> None:
    print(title)
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        shown = f"{value:,}" if isinstance(value, int) else str(value)
        print(f"  {name:<{width}}  {shown:>10}  {target}")
