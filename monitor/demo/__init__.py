"""`monitor demo`: the whole pipeline, offline, on bundled sample sites served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from monitor.app import App
from monitor.config.settings import FeedEntry, FetchSettings, Settings, Subscription
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
            Subscription(name="demo-desk", schedule="immediate", timezone="Asia/Yerevan")
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
        app = App(demo_settings(server.base, workdir))
        try:
            results = asyncio.run(app.poll_all_once())
            report = app.digests.run()
            hits = app.store.hits()
        finally:
            app.store.engine.dispose()
        htmls = sorted((workdir / "data" / "digests").glob("digest-*.html"))
        if not htmls:
            failed = "; ".join(f"{r.url}: {r.error}" for r in results if r.failed)
            raise MonitorError(f"the demo produced no digest ({failed or 'no hits'})")
        shutil.copy(htmls[-1], out / "digest.html")
        shutil.copy(htmls[-1].with_suffix(".txt"), out / "digest.txt")
    return DemoReport(
        server.base,
        len(results),
        sum(r.new_items for r in results),
        tuple(hits),
        report.digests,
        (out / "digest.html").resolve(),
    )
