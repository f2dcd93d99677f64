"""One Aho-Corasick automaton over every alias, phrase and exclusion of every watchlist.

The cost of a scan depends on the text, not on how many aliases there are.
ahocorasick_rs returns every overlapping match of a text in one native call; a
DFA is used while it stays small (up to DFA_MAX_KEYS keys, about 30 MB), the
library's compact automaton beyond (a DFA of 180,000 keys takes over 1 GB).

The automaton holds each alias and the stems of its word forms (`lang/`): a raw
hit is a mention when it starts a word and either ends one or is followed by one
of its stem's endings and then the end of the word ("Ղարաբաղ" + "ում"). Each is
checked for capitals where the alias asks (an acronym in capitals; a capitalised
alias at a capitalised word), and extended to the word end for a trailing `*`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple, TypeVar

import ahocorasick_rs

from monitor.match.fuzzy import typo_variants
from monitor.match.lang import alias_languages, language, norm_ending, norm_stem
from monitor.match.lang.feminine import woman_here
from monitor.match.normalize import NormText, normalize, unmix
from monitor.watchlists.model import Watchlist
from monitor.watchlists.rules import Term, term_key, terms

ENTITY, PHRASE, EXCLUDE, MASK = "entity", "phrase", "exclude", "mask"
DFA_MAX_KEYS = 5000
_WORD_RUN = re.compile(r"\w*")
_HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2212")
_BARE = frozenset({""})  # the key is a word of its own
_NONE: frozenset[str] = frozenset()
_BY_ID = 256  # tables looked up by identity: shared ones are few, and held while building
_T = TypeVar("_T")


@lru_cache(maxsize=4096)
def _norm_set(endings: frozenset[str]) -> frozenset[str]:
    return frozenset(norm_ending(e) for e in endings)


@dataclass(frozen=True, slots=True)
class Pattern:
    watchlist: int  # index into the engine's watchlists
    kind: str  # ENTITY, PHRASE, EXCLUDE, or MASK (an entity's own exclusion)
    ref: str  # entity id, or the phrase as written
    alias: str  # as written in the watchlist
    cased: str | None  # the alias in capitals when it must match in capitals
    prefix: bool  # trailing `*`: any word ending
    key: str  # the rule term it stands for (watchlists.rules.term_key)
    fuzzy: bool = False  # found through a one-typo variant
    capital: bool = False  # begins with a capital: only at a word that does
    endings: frozenset[str] | None = None  # normalised endings that may follow this key
    feminine: frozenset[str] = frozenset()  # endings whose form may be a woman's surname
    languages: tuple[str, ...] = ()  # whose forms the alias gets


class Mention(NamedTuple):  # a tuple: made for every raw match, so made cheaply
    pattern: Pattern
    start: int  # in normalised text
    end: int
    stem_end: int  # where the automaton's key ended; an ending runs from here to `end`


def is_acronym(alias: str) -> bool:
    """Capitals of up to 5 letters (CSTO, OTSC, ОДКБ) match only in capitals."""
    letters = alias.replace(".", "")
    return 0 < len(letters) <= 5 and letters.isalpha() and letters.isupper()


class Engine:
    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        self.watchlists = tuple(watchlists)
        # build-time caches of ending sets, dropped once the automaton is made
        self._interned: dict[frozenset[str], frozenset[str]] = {_BARE: _BARE}
        self._tables: dict[frozenset[str], frozenset[str]] = {}
        self._tables_by_id: dict[int, tuple[Mapping[str, str], frozenset[str]]] = {}
        self._unions: dict[tuple[int, ...], frozenset[str]] = {}
        self._values: dict[object, object] = {}
        # key -> its patterns; a tuple, as nearly every key has one (lists would cost a
        # third of the build's memory, freed only at its end)
        table: dict[str, tuple[Pattern, ...]] = {}
        for wi, wl in enumerate(self.watchlists):
            for ent in wl.entities:
                langs = ent.languages if ent.languages is not None else wl.languages
                for alias in ent.aliases:
                    self._add(table, wi, ENTITY, ent.id, alias, langs, fuzzy=ent.fuzzy > 0)
                for phrase in ent.exclude:
                    self._add(table, wi, MASK, ent.id, phrase, langs)
            if wl.rule is not None:
                for t in terms(wl.rule):
                    if t.phrase:
                        self._add(table, wi, PHRASE, t.value, t.value, wl.languages)
            for phrase in wl.exclude:
                self._add(table, wi, EXCLUDE, phrase, phrase, wl.languages)
        keys = list(table)
        # The forms of one alias share their patterns: one tuple serves them all.
        shared: dict[tuple[int, ...], tuple[Pattern, ...]] = {}
        self._pats = [shared.setdefault(tuple(map(id, ps)), ps) for ps in table.values()]
        del table, shared  # the keys live on in the automaton only
        self._auto = (
            ahocorasick_rs.AhoCorasick(
                keys,
                implementation=(
                    ahocorasick_rs.Implementation.DFA if len(keys) <= DFA_MAX_KEYS else None
                ),
            )
            if keys
            else None
        )
        del self._interned, self._tables, self._tables_by_id, self._unions, self._values

    def _add(
        self,
        table: dict[str, tuple[Pattern, ...]],
        wi: int,
        kind: str,
        ref: str,
        alias: str,
        configured: tuple[str, ...] | None,
        fuzzy: bool = False,
    ) -> None:
        prefix = alias.endswith("*")
        body = unmix(alias.rstrip("*").strip())  # "Мiнск" typed with a Latin i is Мінск
        norm = normalize(body)
        key = norm.folded.strip()
        if not key:
            return
        acronym = kind in (ENTITY, MASK) and is_acronym(body)
        langs = alias_languages(body, configured)
        pat = Pattern(
            wi,
            kind,
            ref,
            alias,
            norm.cased.strip() if acronym else None,
            prefix,
            self._shared(term_key(Term(ref, kind == PHRASE))),
            capital=not acronym and body[:1].isupper(),
            languages=self._shared(langs),
        )
        by_key: dict[str, Pattern] = {key: pat}
        if acronym:
            endings = self._acronym_endings(body, langs)
            by_key[key] = replace(pat, endings=self._intern(endings | _BARE) if endings else None)
        elif not prefix:
            self._forms(by_key, pat, body, key, langs)
        if "і" in key:
            self._latin_i(by_key)
        for k, p in by_key.items():
            got = table.get(k, ())
            if p not in got:
                table[k] = (*got, p)
        if fuzzy and not acronym and not prefix:
            for k, p in by_key.items():
                if p.endings is not None and "" not in p.endings:
                    continue  # a stem that is no word of its own
                # A typo is one deviation: the word with it takes no ending as well, or
                # "Ղարաբաղցի" (a Karabakhi) would be Ղարաբաղ + ց + ի.
                typo = replace(p, fuzzy=True, endings=None, feminine=_NONE)
                for v in typo_variants(k):
                    pats = table.get(v, ())
                    # an exact alias of the same entity wins over a typo of another
                    if not any(q.ref == ref and q.watchlist == wi for q in pats):
                        table[v] = (*pats, typo)

    def _forms(
        self, by_key: dict[str, Pattern], pat: Pattern, body: str, key: str, langs: Iterable[str]
    ) -> None:
        """Add the stems of the alias's forms in each of its languages to by_key.

        A pattern's endings hold "" when its key is a word without an ending: always
        for the alias itself, for a stem only when a language says so.
        """
        parts: dict[str, list[frozenset[str]]] = {key: [_BARE]}
        feminine: dict[str, frozenset[str]] = {}
        for code in langs:
            for stem in language(code).inflect(body):
                k = norm_stem(stem.text)
                if k:
                    parts.setdefault(k, []).append(self._normalised(stem.endings))
                    if stem.feminine:
                        fem = feminine.get(k, _NONE) | _norm_set(stem.feminine)
                        feminine[k] = self._intern(fem)
        shapes: dict[tuple[int, int], Pattern] = {}  # one pattern per shape, shared by its keys
        for k, sets in parts.items():
            ends = self._union(tuple(sets))
            fem = feminine.get(k, _NONE)
            shape = (id(ends), id(fem))
            if shape not in shapes:
                # a whole form (Russian gives whole forms) needs no set: the word ends there
                shapes[shape] = replace(pat, endings=None if ends == _BARE else ends, feminine=fem)
            by_key[k] = shapes[shape]

    def _latin_i(self, by_key: dict[str, Pattern]) -> None:
        """Ukrainian, Belarusian and Kazakh text is often typed with a Latin i for і
        ("Мiнск", "Iспанii"): the alias's keys and endings get that spelling too."""
        for k, p in list(by_key.items()):
            if p.endings is not None and any("і" in e for e in p.endings):
                latin = frozenset(e.replace("і", "i") for e in p.endings)
                p = by_key[k] = replace(p, endings=self._intern(p.endings | latin))
            if "і" in k:
                by_key.setdefault(k.replace("і", "i"), p)

    def _normalised(self, endings: Mapping[str, str]) -> frozenset[str]:
        """The normalised endings of a language's table, interned: aliases of one
        paradigm share one set, so 100,000 aliases hold a few hundred sets. A table a
        language shares between aliases is looked up by identity (it is held here,
        so its id stays its own), any other by its endings."""
        seen = self._tables_by_id.get(id(endings))
        if seen is not None and seen[0] is endings:
            return seen[1]
        raw = frozenset(endings)
        got = self._tables.get(raw)
        if got is None:
            got = self._tables[raw] = self._intern(frozenset(norm_ending(e) for e in raw))
        if len(self._tables_by_id) < _BY_ID:
            self._tables_by_id[id(endings)] = (endings, got)
        return got

    def _union(self, sets: tuple[frozenset[str], ...]) -> frozenset[str]:
        if len(sets) == 1:
            return sets[0]
        ids = tuple(id(s) for s in sets)  # interned sets: the same set has the same id
        got = self._unions.get(ids)
        if got is None:
            got = self._unions[ids] = self._intern(frozenset().union(*sets))
        return got

    def _acronym_endings(self, body: str, langs: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for code in langs:
            out.update(norm_ending(e) for e in language(code).acronym_endings(body))
        out.discard("")
        return frozenset(out)

    def _shared(self, value: _T) -> _T:
        """One object for equal values that every alias of an entity or a language
        would otherwise hold a copy of."""
        return self._values.setdefault(value, value)  # type: ignore[return-value]

    def _intern(self, endings: frozenset[str]) -> frozenset[str]:
        """One frozenset per distinct set: most aliases of a language share theirs."""
        return self._interned.setdefault(endings, endings)

    def scan(self, text: NormText, source: str | None = None) -> list[Mention]:
        """Every mention in `text`; `source`, the text before normalisation, lets an
        acronym's suffix after a hyphen or an apostrophe count as part of it (ՀԱՊԿ-ի)."""
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
            word_end = -1
            for pat in pats_of[idx]:
                stop = end
                if pat.prefix:
                    stop = _WORD_RUN.match(folded, end).end()  # type: ignore[union-attr]
                elif word_goes_on:
                    if pat.endings is None:
                        continue
                    if word_end < 0:
                        word_end = _WORD_RUN.match(folded, end).end()  # type: ignore[union-attr]
                    if folded[end:word_end] not in pat.endings:
                        continue
                    stop = word_end
                elif pat.endings is not None:
                    if pat.cased is not None and source is not None and end < n:
                        stop = _separated_ending(text, source, end, pat.endings)
                    elif "" not in pat.endings:
                        continue  # this stem is no word without an ending
                if pat.cased is not None:
                    if text.cased[start:end] != pat.cased:
                        continue
                    if word_goes_on and not text.cased[end].islower() and not _headline(text, stop):
                        continue  # inside another word in capitals
                elif pat.capital and text.cased[start].islower():
                    continue  # «роман» (a novel) is not Роман
                if (
                    pat.feminine
                    and folded[end:stop] in pat.feminine
                    and woman_here(text.cased, start, stop)
                ):
                    continue  # "Мехрибан Алиева" is not the man
                out.append(Mention(pat, start, stop, end))
        return out


def _headline(text: NormText, stop: int) -> bool:
    """The word ending at `stop` is followed by a word in capitals: a headline, where an
    acronym's suffix is in capitals too ("ЖККУНУН САММИТИ")."""
    nxt = _WORD_RUN.match(text.folded, stop + 1).end()  # type: ignore[union-attr]
    word = text.cased[stop + 1 : nxt]
    return len(word) > 1 and word.isupper()


def _separated_ending(text: NormText, source: str, end: int, endings: frozenset[str]) -> int:
    """Where the word ends when an ending follows after a hyphen or an apostrophe
    (ՀԱՊԿ-ի, KTMT'nin); `end` when none does."""
    sep = text.folded[end]
    if sep not in " '":
        return end
    stop = _WORD_RUN.match(text.folded, end + 1).end()  # type: ignore[union-attr]
    if stop == end + 1 or text.folded[end + 1 : stop] not in endings:
        return end
    if sep == " " and source[text.orig(end)] not in _HYPHENS:
        return end  # a space, not a hyphen: the next word is a word of its own
    return stop
