"""Article text -> what each watchlist found in it, with the sentences.

Pure: given the same watchlists and text it returns the same matches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

from monitor.basics.normalize import NormText, normalize
from monitor.match.engine import ENTITY, EXCLUDE, MASK, PHRASE, Engine, Mention
from monitor.match.lang import form_rule
from monitor.match.sentences import sentence_at, window
from monitor.types import Evidence, Snippet, WatchlistMatch
from monitor.watchlists.model import Watchlist
from monitor.watchlists.rules import compile_rule, has_near

TITLE_SEPARATOR = "\n\n"


def document(title: str, text: str) -> str:
    """The text that is matched: the title, then the body."""
    title = title.strip()
    return f"{title}{TITLE_SEPARATOR}{text}" if title else text


class _Found(NamedTuple):  # one per mention of an entity: made cheaply
    start: int  # original offsets
    end: int
    mention: Mention

    @property
    def entity(self) -> str:
        return self.mention.pattern.ref

    @property
    def alias(self) -> str:
        return self.mention.pattern.alias

    @property
    def fuzzy(self) -> bool:
        return self.mention.pattern.fuzzy


class Matcher:
    """Built once per set of watchlists; `match` is safe to call from many threads."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self.watchlists = tuple(watchlists)
        self.engine = Engine(self.watchlists)
        self._near = [wl.rule is not None and has_near(wl.rule) for wl in self.watchlists]
        self._rules = [compile_rule(wl.rule) if wl.rule else None for wl in self.watchlists]

    def match(self, title: str, text: str) -> list[WatchlistMatch]:
        doc = document(title, text)
        norm = normalize(doc)
        by_list: dict[int, list[Mention]] = defaultdict(list)
        for m in self.engine.scan(norm, doc):
            by_list[m.pattern.watchlist].append(m)
        results = []
        index: dict[int, int] | None = None
        for wi in sorted(by_list):
            mentions = by_list[wi]
            wl = self.watchlists[wi]
            if not any(m.pattern.kind == ENTITY for m in mentions):
                continue
            if any(m.pattern.kind == EXCLUDE for m in mentions):
                continue
            if any(m.pattern.kind == MASK for m in mentions):
                mentions = _unmasked(mentions)
                if not any(m.pattern.kind == ENTITY for m in mentions):
                    continue
            rule = self._rules[wi]
            if rule is not None:
                # Word positions matter only to NEAR; other rules need just presence.
                # They are counted once per document, for every NEAR watchlist at once.
                if self._near[wi] and index is None:
                    starts = [m.start for w, ms in by_list.items() if self._near[w] for m in ms]
                    index = _word_index(norm.folded, starts)
                positions: dict[str, list[int]] = defaultdict(list)
                for m in mentions:
                    if m.pattern.kind in (ENTITY, PHRASE):
                        positions[m.pattern.key].append(index.get(m.start, 0) if index else 0)
                if not rule(positions):
                    continue
            found = [
                _Found(*norm.orig_span(m.start, m.end), m)
                for m in mentions
                if m.pattern.kind == ENTITY
            ]
            body_start = len(doc) - len(text) + repeated_title(title, text)
            results.append(_result(wl, doc, norm, found, body_start))
        return results


def repeated_title(title: str, text: str) -> int:
    """How much of the text's start is its headline again: extraction keeps a page's
    h1 as the text's first line. A snippet looks for its sentence after it."""
    first, nl, _ = text.partition("\n")
    same = " ".join(first.split()).casefold() == " ".join(title.split()).casefold()
    return len(first) + len(nl) if same and title.strip() and nl else 0


def _unmasked(mentions: list[Mention]) -> list[Mention]:
    """The mentions left when those inside an entity's own exclusions are taken out:
    "Aliyev" inside "the Heydar Aliyev Centre" is not the president."""
    masks = [m for m in mentions if m.pattern.kind == MASK]
    return [
        m
        for m in mentions
        if m.pattern.kind != ENTITY
        or not any(
            k.pattern.ref == m.pattern.ref and k.start <= m.start and m.end <= k.end for k in masks
        )
    ]


def _form(m: Mention, norm: NormText) -> tuple[str, str]:
    """(language, rule) of the word form a mention found."""
    pat = m.pattern
    ending = norm.folded[m.stem_end : m.end].lstrip(" '")
    return form_rule(pat.alias, pat.languages, norm.folded[m.start : m.stem_end], ending)


def _word_index(folded: str, positions: list[int]) -> dict[int, int]:
    """Word number of each position. Normalised text has one space between words, so
    counting spaces (in C, without allocating) gives it."""
    out: dict[int, int] = {}
    count, prev = 0, 0
    for pos in sorted(set(positions)):
        count += folded.count(" ", prev, pos)
        out[pos] = count
        prev = pos
    return out


def _result(
    wl: Watchlist, doc: str, norm: NormText, found: list[_Found], body_start: int
) -> WatchlistMatch:
    found.sort(key=lambda f: (f.start, -f.end))
    order: list[str] = []
    for f in found:
        if f.entity not in order:
            order.append(f.entity)
    # The first sentence of each entity in the body (the title only when the body lacks it);
    # entities sharing a sentence share a snippet.
    sentences: dict[tuple[int, int], list[str]] = {}
    for eid in order:
        mine = [f for f in found if f.entity == eid]
        first = next((f for f in mine if f.start >= body_start), mine[0])
        # A match may run over a sentence break ("Nagorno-\nKarabakh"): take both sentences.
        s0, e0 = sentence_at(doc, first.start)
        if first.end > e0:
            e0 = max(sentence_at(doc, first.end - 1)[1], first.end)
        span = (s0, e0)
        sentences.setdefault(span, []).append(eid)
    snippets = []
    for (s, e), eids in sorted(sentences.items()):
        inside = [f for f in found if s <= f.start and f.end <= e]
        focus = next(f for f in inside if f.entity == eids[0])
        ws, we = window(doc, s, e, focus.start, focus.end)
        spans = _merge(
            [(f.start - ws, f.end - ws) for f in inside if ws <= f.start and f.end <= we]
        )
        text = doc[ws:we]
        prefix = "…" if ws > s else ""
        suffix = "…" if we < e else ""
        shift = len(prefix)
        snippets.append(
            Snippet(
                text=prefix + text + suffix,
                highlights=tuple((a + shift, b + shift) for a, b in spans),
                entities=tuple(eids),
            )
        )
    evidence: dict[tuple[str, str, str, bool], Evidence] = {}
    for f in found:
        if f.fuzzy and any(g.start == f.start and not g.fuzzy for g in found):
            continue
        text = doc[f.start : f.end]
        key = (f.entity, f.alias, text, f.fuzzy)
        if key not in evidence:
            language, rule = _form(f.mention, norm)
            evidence[key] = Evidence(
                f.entity, f.alias, text, f.fuzzy, language, rule, f.start, f.end
            )
    return WatchlistMatch(
        watchlist=wl.name,
        entities=tuple(order),
        snippets=tuple(snippets),
        evidence=tuple(evidence.values()),
    )


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping highlights ("Karabakh" inside "Nagorno-Karabakh") become one."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
