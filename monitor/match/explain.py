"""What matched and why, as `monitor match` prints it. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.types import Snippet, WatchlistMatch
from monitor.watchlists.model import Watchlist


def _hl(sn: Snippet, color: bool) -> str:
    start, end = ("\x1b[1;33m", "\x1b[0m") if color else ("[", "]")
    out, pos = [], 0
    for a, b in sn.highlights:
        out += [sn.text[pos:a], start, sn.text[a:b], end]
        pos = b
    out.append(sn.text[pos:])
    return " ".join("".join(out).split())


def describe_match(
    where: str,
    title: str,
    text: str,
    matches: Sequence[WatchlistMatch],
    lists: Sequence[Watchlist],
    color: bool = False,
) -> str:
    lines = [f"{where}: {title or '(no title)'!s} — {len(text)} characters of article text"]
    by_name = {w.name: w for w in lists}
    for m in matches:
        wl = by_name[m.watchlist]
        rule = f" (rule: {' '.join(wl.rule_text.split())})" if wl.rule_text else ""
        lines.append(f"  MATCH {m.watchlist}{rule}")
        lines.append("    entities: " + ", ".join(f"{e} ({wl.label(e)})" for e in m.entities))
        for ev in m.evidence:
            typo = " (one typo)" if ev.fuzzy else ""
            lines.append(f"    {ev.entity}: alias {ev.alias!r} found as {ev.found!r}{typo}")
        for sn in m.snippets:
            lines.append(f"    {', '.join(sn.entities)}: {_hl(sn, color)}")
    missed = [w.name for w in lists if w.name not in {m.watchlist for m in matches}]
    if missed:
        lines.append(f"  no match: {', '.join(missed)}")
    return "\n".join(lines)
