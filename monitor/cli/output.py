"""How commands print: aligned tables, CSV and JSON records of hits."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import typer

from monitor.types import HitView


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`1 feed`, `2 feeds`; `plural` where adding an s is wrong (deliveries)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


# A hit's fields in JSON and CSV alike, in this order.
HIT_FIELDS = (
    "url",
    "title",
    "outlet",
    "published",
    "watchlist",
    "entities",
    "snippets",
    "highlights",
    "story",
    "found_at",
    "matched_in",
)


def hit_record(h: HitView) -> dict[str, Any]:
    """A hit as `monitor hits --format json` prints it (HIT_FIELDS)."""
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
    """The JSON records' fields, in their order: lists joined, highlights as JSON."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=HIT_FIELDS)
    w.writeheader()
    for r in records:
        w.writerow(
            {
                **r,
                "entities": " ".join(r["entities"]),
                "snippets": " | ".join(r["snippets"]),
                "highlights": json.dumps(r["highlights"]),
            }
        )
    return buf.getvalue()


def short_time(d: datetime) -> str:
    """A time in this machine's zone, with the zone: `2026-12-01 10:15 UTC`."""
    return d.astimezone().strftime("%Y-%m-%d %H:%M %Z")


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
