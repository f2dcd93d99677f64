"""How commands print: aligned tables, CSV and JSON records of hits."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import typer

from monitor.types import HitView

HIT_CSV_FIELDS = [
    "found_at",
    "watchlist",
    "entities",
    "outlet",
    "published",
    "title",
    "url",
    "story",
    "snippets",
]


def hit_record(h: HitView) -> dict[str, Any]:
    """A hit as `monitor hits --format json` prints it."""
    return {
        "url": h.url,
        "title": h.title,
        "outlet": h.outlet,
        "published": h.published.isoformat() if h.published else None,
        "watchlist": h.watchlist,
        "entities": list(h.entities),
        "snippets": [sn.text for sn in h.snippets],
        "highlights": [[list(x) for x in sn.highlights] for sn in h.snippets],
        "story": h.story,
        "found_at": h.found_at.isoformat(),
        "matched_in": "feed summary" if h.source == "feed" else "article",
    }


def hits_csv(records: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=HIT_CSV_FIELDS, extrasaction="ignore")
    w.writeheader()
    for r in records:
        w.writerow(
            {**r, "entities": " ".join(r["entities"]), "snippets": " | ".join(r["snippets"])}
        )
    return buf.getvalue()


def short_time(d: datetime) -> str:
    return d.astimezone().strftime("%Y-%m-%d %H:%M")


def table(head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
    """Columns as wide as their widest cell, up to `widths`; longer cells end in …"""

    def cut(s: str, w: int) -> str:
        s = " ".join(str(s).split())
        return s if len(s) <= w else s[: w - 1] + "…"

    cols = [
        min(w, max([len(h)] + [len(cut(r[i], w)) for r in rows]))
        for i, (h, w) in enumerate(zip(head, widths, strict=True))
    ]
    typer.echo("  ".join(h.ljust(c) for h, c in zip(head, cols, strict=True)).rstrip())
    for r in rows:
        typer.echo("  ".join(cut(v, c).ljust(c) for v, c in zip(r, cols, strict=True)).rstrip())
