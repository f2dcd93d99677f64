"""`monitor demo`: the whole pipeline, offline, on bundled sample sites served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import typer

from monitor.config import FeedEntry, FetchSettings, Settings, Subscription
from monitor.demo.server import serve_sites
from monitor.demo.sites import load_sites

BUNDLED_WATCHLISTS = Path(__file__).resolve().parents[2] / "watchlists"


def demo_settings(base: str, workdir: Path, watchlists: Path = BUNDLED_WATCHLISTS) -> Settings:
    return Settings(
        database=f"sqlite:///{workdir / 'demo.db'}",
        watchlists=[str(watchlists)],
        fetch=FetchSettings(allow_private_networks=True, timeout=10),
        feeds=[
            FeedEntry(url=f"{base}/{slug}/feed.xml", name=site.name)
            for slug, site in load_sites().items()
        ],
        subscriptions=[
            Subscription(name="demo-desk", schedule="immediate", timezone="Asia/Yerevan")
        ],
        base_dir=workdir,
    )


def run_demo(out: Path) -> Path:
    from monitor.app import App
    from monitor.cli import hit_record

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="monitor-demo-") as tmp, serve_sites() as server:
        workdir = Path(tmp)
        app = App(demo_settings(server.base, workdir))
        results = asyncio.run(app.poll_all_once())
        report = app.digests.run()
        hits = app.store.hits()
        typer.echo(f"served {len(results)} sample feeds on {server.base}")
        typer.echo(f"{sum(r.new_items for r in results)} articles, {len(hits)} hits:")
        for h in hits:
            r = hit_record(h)
            typer.echo(
                f"  {r['watchlist']:<10} {','.join(r['entities']):<32.32} {r['outlet']:<16.16} {r['title'][:60]}"
            )
        typer.echo(f"{report.digests} digest built")
        digest_dir = workdir / "data" / "digests"
        htmls = sorted(digest_dir.glob("digest-*.html"))
        if not htmls:
            raise RuntimeError("the demo produced no digest")
        shutil.copy(htmls[-1], out / "digest.html")
        shutil.copy(htmls[-1].with_suffix(".txt"), out / "digest.txt")
        app.store.engine.dispose()
    return (out / "digest.html").resolve()
