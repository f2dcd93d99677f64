"""What matched and why, as `monitor match` and the page's "try a text" show it. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.match.lang import language
from monitor.match.matcher import document
from monitor.match.sentences import sentence_at
from monitor.types import Evidence, Snippet, WatchlistMatch
from monitor.watchlists.model import Watchlist


def _hl(sn: Snippet, color: bool) -> str:
    start, end = ("\x1b[1;33m", "\x1b[0m") if color else ("[", "]")
    out, pos = [], 0
    for a, b in sn.highlights:
        out += [sn.text[pos:a], start, sn.text[a:b], end]
        pos = b
    out.append(sn.text[pos:])
    return " ".join("".join(out).split())


def form_note(ev: Evidence) -> str:
    """Why the text found is the alias: "Armenian locative of Ղարաբաղ", "one typo",
    or "" when it is the alias as written."""
    if ev.fuzzy:
        return "one typo"
    if not ev.rule:
        return ""
    return f"{language(ev.language).name} {ev.rule} of {ev.alias}"


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
            note = form_note(ev)
            why = " (one typo)" if ev.fuzzy else f": {note}" if note else ""
            lines.append(f"    {ev.entity}: alias {ev.alias!r} found as {ev.found!r}{why}")
        for sn in m.snippets:
            lines.append(f"    {', '.join(sn.entities)}: {_hl(sn, color)}")
    missed = [w.name for w in lists if w.name not in {m.watchlist for m in matches}]
    if missed:
        lines.append(f"  no match: {', '.join(missed)}")
    return "\n".join(lines)


def match_json(
    where: str,
    title: str,
    text: str,
    matches: Sequence[WatchlistMatch],
    lists: Sequence[Watchlist],
) -> dict[str, Any]:
    """One target's matches as data: per hit the entity, the alias, the form found,
    its rule and language, and the sentence it stands in with its offsets there."""
    doc = document(title, text)
    by_name = {w.name: w for w in lists}
    out: list[dict[str, Any]] = []
    for m in matches:
        wl = by_name[m.watchlist]
        hits = []
        for ev in m.evidence:
            s, e = sentence_at(doc, ev.start)
            e = max(e, ev.end)
            hits.append(
                {
                    "entity": ev.entity,
                    "label": wl.label(ev.entity),
                    "alias": ev.alias,
                    "found": ev.found,
                    "language": ev.language or None,
                    "rule": ev.rule or None,
                    "why": form_note(ev) or "as written",
                    "fuzzy": ev.fuzzy,
                    "offset": ev.start,
                    "sentence": {
                        "text": doc[s:e],
                        "start": ev.start - s,
                        "end": ev.end - s,
                    },
                }
            )
        out.append(
            {
                "watchlist": m.watchlist,
                "rule": " ".join(wl.rule_text.split()) if wl.rule_text else None,
                "entities": list(m.entities),
                "hits": hits,
            }
        )
    matched = {m.watchlist for m in matches}
    return {
        "target": where,
        "title": title,
        "characters": len(text),
        "matches": out,
        "no_match": [w.name for w in lists if w.name not in matched],
    }
