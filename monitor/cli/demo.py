"""`monitor demo`: the whole pipeline offline on bundled sample sites."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.output import count, hit_record


def demo(
    out: Annotated[Path, typer.Option(metavar="FOLDER", help="Where to leave the digest.")] = Path(
        "data/demo"
    ),
) -> None:
    """Run the whole pipeline offline on bundled sample news sites and write the digest."""
    from monitor.demo import run_demo

    report = run_demo(out)
    typer.echo(f"served {report.feeds} sample feeds on {report.base}")
    typer.echo(f"{count(report.articles, 'article')}, {count(len(report.hits), 'hit')}:")
    for h in report.hits:
        r = hit_record(h)
        typer.echo(
            f"  {r['watchlist']:<10} {','.join(r['entities']):<32.32} "
            f"{r['outlet']:<16.16} {r['title'][:60]}"
        )
    typer.echo(f"{count(report.digests, 'digest')} built")
    if report.alert:
        typer.echo(f"immediate alert (csto) written: {report.alert}")
    if report.spike:
        typer.echo(f"spike notice (karabakh) written: {report.spike}")
    typer.echo(f"digest written: {report.digest}")
