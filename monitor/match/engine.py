"""One Aho-Corasick automaton over every alias, phrase and exclusion of every watchlist.

The cost of a scan depends on the text, not on how many aliases there are.
ahocorasick_rs returns every overlapping match of a text in one native call; a
DFA is used while it stays small (up to DFA_MAX_KEYS keys, about 30 MB), the
library's compact automaton beyond (a DFA of 180,000 keys takes over 1 GB).
Each raw hit is checked for whole-word boundaries (Unicode word characters),
for capitals when the alias is an acronym, and extended to the word end for a
trailing `*`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import ahocorasick_rs

from monitor.match.fuzzy import typo_variants
from monitor.match.inflect import word_forms
from monitor.match.normalize import NormText, is_word_char, normalize
from monitor.watchlists.model import Watchlist
from monitor.watchlists.rules import Term, term_key, terms

ENTITY, PHRASE, EXCLUDE = "entity", "phrase", "exclude"
DFA_MAX_KEYS = 5000


@dataclass(frozen=True)
class Pattern:
    watchlist: int  # index into the engine's watchlists
    kind: str  # ENTITY, PHRASE or EXCLUDE
    ref: str  # entity id, or the phrase as written
    alias: str  # as written in the watchlist
    cased: str | None  # the alias in capitals when it must match in capitals
    prefix: bool  # trailing `*`: any word ending
    key: str  # the rule term it stands for (watchlists.rules.term_key)
    fuzzy: bool = False  # found through a one-typo variant


class Mention(NamedTuple):  # a tuple: made for every raw match, so made cheaply
    pattern: Pattern
    start: int  # in normalised text
    end: int


def is_acronym(alias: str) -> bool:
    """Capitals of up to 5 letters (CSTO, OTSC, ОДКБ) match only in capitals."""
    letters = alias.replace(".", "")
    return 0 < len(letters) <= 5 and letters.isalpha() and letters.isupper()


class Engine:
    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self.watchlists = tuple(watchlists)
        table: dict[str, list[Pattern]] = {}
        for wi, wl in enumerate(self.watchlists):
            for ent in wl.entities:
                for alias in ent.aliases:
                    self._add(table, wi, ENTITY, ent.id, alias, fuzzy=ent.fuzzy > 0)
            if wl.rule is not None:
                for t in terms(wl.rule):
                    if t.phrase:
                        self._add(table, wi, PHRASE, t.value, t.value)
            for phrase in wl.exclude:
                self._add(table, wi, EXCLUDE, phrase, phrase)
        self._keys = list(table)
        self._pats = [tuple(table[k]) for k in self._keys]
        self._auto = (
            ahocorasick_rs.AhoCorasick(
                self._keys,
                implementation=(
                    ahocorasick_rs.Implementation.DFA if len(self._keys) <= DFA_MAX_KEYS else None
                ),
            )
            if self._keys
            else None
        )

    @staticmethod
    def _add(
        table: dict[str, list[Pattern]],
        wi: int,
        kind: str,
        ref: str,
        alias: str,
        fuzzy: bool = False,
    ) -> None:
        prefix = alias.endswith("*")
        body = alias.rstrip("*").strip()
        norm = normalize(body)
        key = norm.folded.strip()
        if not key:
            return
        cased = norm.cased.strip() if kind == ENTITY and is_acronym(body) else None
        pat = Pattern(wi, kind, ref, alias, cased, prefix, term_key(Term(ref, kind == PHRASE)))
        keys = [key]
        if cased is None and not prefix:  # Russian: every case of the alias
            keys += [k for f in word_forms(body) if (k := normalize(f).folded.strip()) != key]
        for k in keys:
            if pat not in table.setdefault(k, []):
                table[k].append(pat)
        if fuzzy and cased is None and not prefix:
            typo = replace(pat, fuzzy=True)
            for k in keys:
                for v in typo_variants(k):
                    pats = table.setdefault(v, [])
                    # an exact alias of the same entity wins over a typo of another
                    if not any(p.ref == ref and p.watchlist == wi for p in pats):
                        pats.append(typo)

    def scan(self, text: NormText) -> list[Mention]:
        if self._auto is None:
            return []
        folded, n = text.folded, len(text.folded)
        pats_of = self._pats
        out: list[Mention] = []
        for idx, start, end in self._auto.find_matches_as_indexes(folded, overlapping=True):
            if start > 0:
                c = folded[start - 1]
                if c.isalnum() or c == "_":
                    continue  # inside a word: "Rasputin"
            word_goes_on = end < n and (folded[end].isalnum() or folded[end] == "_")
            for pat in pats_of[idx]:
                stop = end
                if pat.prefix:
                    while stop < n and is_word_char(folded[stop]):
                        stop += 1
                elif word_goes_on:
                    continue
                if pat.cased is not None and text.cased[start:end] != pat.cased:
                    continue
                out.append(Mention(pat, start, stop))
        return out
