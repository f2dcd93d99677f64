"""`monitor demo`: the whole pipeline, offline, on bundled sample sites served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from monitor.app import App
from monitor.config.feeds import FeedEntry
from monitor.config.settings import FetchSettings, Settings, Subscription
from monitor.demo.server import serve_sites
from monitor.demo.sites import load_sites
from monitor.errors import MonitorError
from monitor.types import HitView
from monitor.watchlists.load import BUNDLED


@dataclass(frozen=True)
class DemoReport:
    base: str  # where the sample sites were served
    feeds: int
    articles: int
    hits: tuple[HitView, ...]
    digests: int
    digest: Path  # the HTML digest left in the output folder
    alert: Path | None = None  # the immediate alert (the csto watchlist)
    spike: Path | None = None  # the spike notice (the karabakh watchlist)


# The demo's karabakh watchlist asks for spike alerts from two stories a day: on a
# fresh database its first day's stories are a surge against nothing.
DEMO_SPIKE = "\nspike: {factor: 3, min: 2}\n"


def demo_watchlists(workdir: Path) -> Path:
    folder = workdir / "watchlists"
    shutil.copytree(BUNDLED, folder)
    with (folder / "karabakh.yaml").open("a", encoding="utf-8") as f:
        f.write(DEMO_SPIKE)
    return folder


def demo_settings(base: str, workdir: Path, watchlists: Path = BUNDLED) -> Settings:
    return Settings(
        database=f"sqlite:///{workdir / 'demo.db'}",
        watchlists=[str(watchlists)],
        fetch=FetchSettings.model_validate({"allow_private_networks": True, "timeout": "10s"}),
        feeds=[
            FeedEntry(url=f"{base}/{slug}/feed.xml", name=site.name)
            for slug, site in load_sites().items()
        ],
        subscriptions=[
            # csto at once, the rest in the morning digest (made at once by the demo)
            Subscription(
                name="demo-desk",
                schedule="0 8 * * *",
                immediate=["csto"],
                timezone="Asia/Yerevan",
            )
        ],
        base_dir=workdir,
    )


def run_demo(out: Path) -> DemoReport:
    """Poll the sample sites into a temporary database and leave the digest in `out`."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MonitorError(f"{out}: cannot make the folder for the digest: {exc.strerror}") from exc
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp, serve_sites() as server:
        workdir = Path(tmp)
        app = App(demo_settings(server.base, workdir, demo_watchlists(workdir)))
        try:
            results = asyncio.run(app.poll_all_once())
            app.rounds.check_spikes()
            app.rounds.send_due_digests()  # the immediate alert and the spike notice go out
            report = app.digests.run()  # the morning digest, made now
            hits = app.store.hits()
            kinds = app.store.message_kinds("demo-desk")
        finally:
            app.store.engine.dispose()
        folder = workdir / "data" / "digests"
        digests = [i for i, kind in kinds if kind == "digest"]
        if len(digests) < 2:
            failed = "; ".join(f"{r.url}: {r.error}" for r in results if r.failed)
            raise MonitorError(f"the demo produced no digest ({failed or 'no hits'})")
        left = {}
        spikes = [i for i, kind in kinds if kind == "spike"]
        for name, digest_id in (
            ("digest", digests[-1]),
            ("alert", digests[0]),
            *([("spike", spikes[0])] if spikes else []),
        ):
            for suffix in (".html", ".txt"):
                shutil.copy(folder / f"digest-{digest_id:06d}{suffix}", out / f"{name}{suffix}")
            left[name] = (out / f"{name}.html").resolve()
    return DemoReport(
        server.base,
        len(results),
        sum(r.new_items for r in results),
        tuple(hits),
        report.digests + 1,
        left["digest"],
        left["alert"],
        left.get("spike"),
    )
