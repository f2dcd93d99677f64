"""Watchlists -> the automaton's keys, each with the patterns it stands for.

Each alias is put in every form its languages give (`lang/`): a key for the
alias and for each stem, with the closed set of endings that may follow it. A
name of several words is keyed by its last word, the words before it kept on the
pattern, so the forms of "Сергій Лавров" share the keys of "Лавров". Sets of
endings and other values that many aliases repeat are held once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeVar

from monitor.basics.normalize import normalize, unmix
from monitor.match.fuzzy import typo_variants
from monitor.match.lang import alias_languages, language, norm_ending, norm_stem
from monitor.watchlists.model import Watchlist
from monitor.watchlists.rules import Term, term_key, terms

ENTITY, PHRASE, EXCLUDE, MASK = "entity", "phrase", "exclude", "mask"
BARE = frozenset({""})  # the key is a word of its own
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
    # A name of several words is keyed by its last word; the words before it must be one
    # of these (normalised, each with its trailing space): "сергея " before "лаврова".
    before: tuple[str, ...] | None = None


def is_acronym(alias: str) -> bool:
    """Capitals of up to 5 letters (CSTO, OTSC, ОДКБ) match only in capitals."""
    letters = alias.replace(".", "")
    return 0 < len(letters) <= 5 and letters.isalpha() and letters.isupper()


class Keys:
    """The keys of a set of watchlists: `keys[i]` stands for the patterns `patterns[i]`
    (those that need words before the key last); `befores[i]` are those words and
    `reach[i]` how many words they run to (0: none); `tails[i]` the letters those
    words end with, for a look at one character before reading words."""

    def __init__(self, watchlists: Sequence[Watchlist]) -> None:
        # build-time caches of ending sets, dropped once the keys are made
        self._interned: dict[frozenset[str], frozenset[str]] = {BARE: BARE}
        self._tables: dict[frozenset[str], frozenset[str]] = {}
        self._tables_by_id: dict[int, tuple[Mapping[str, str], frozenset[str]]] = {}
        self._unions: dict[tuple[int, ...], frozenset[str]] = {}
        self._values: dict[object, object] = {}
        # key -> its patterns; a tuple, as nearly every key has one (lists would cost a
        # third of the build's memory, freed only at its end)
        table: dict[str, tuple[Pattern, ...]] = {}
        for wi, wl in enumerate(watchlists):
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
        self.keys = list(table)
        # The forms of one alias share their patterns: one tuple serves them all.
        shared: dict[tuple[int, ...], tuple[Pattern, ...]] = {}
        self.patterns = [
            shared.setdefault(
                tuple(map(id, ps)), ps if len(ps) == 1 else tuple(sorted(ps, key=_needs_before))
            )
            for ps in table.values()
        ]
        del table, shared
        self.befores: list[Collection[str] | None] = []
        self.reach: list[int] = []
        self.tails: list[frozenset[str]] = []
        for ps in self.patterns:
            with_before = [p.before for p in ps if p.before]
            bs: Collection[str] | None = (
                None
                if not with_before
                else with_before[0]  # one name's: its own tuple, no new object
                if len(with_before) == 1
                else self._shared(frozenset().union(*with_before))
            )
            self.befores.append(bs)
            self.reach.append(max((b.count(" ") for b in bs), default=0) if bs else 0)
            self.tails.append(
                self._shared(frozenset(b[-2] for b in bs if len(b) > 1) if bs else _NONE)
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
            by_key[key] = replace(pat, endings=self._intern(endings | BARE) if endings else None)
        elif not prefix:
            self._forms(by_key, pat, body, key, langs)
        if "і" in key:
            self._latin_i(by_key)
        for k, p in self._by_last_word(by_key).items():
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
        parts: dict[str, list[frozenset[str]]] = {key: [BARE]}
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
                shapes[shape] = replace(pat, endings=None if ends == BARE else ends, feminine=fem)
            by_key[k] = shapes[shape]

    def _by_last_word(self, by_key: dict[str, Pattern]) -> dict[str, Pattern]:
        """The keys of a name of several words cut to its last word, the words before it
        kept on the pattern. Ukrainian and Belarusian decline every word of a name
        ("Сергію Лаврову"), so whole forms would be many keys a name; by their last
        word they are few, and shared with the name alone ("Лавров")."""
        groups: dict[str, tuple[set[str], list[Pattern]]] = {}
        out: dict[str, Pattern] = {}
        for k, p in by_key.items():
            cut = k.rfind(" ")
            if cut < 0:
                out[k] = p
                continue
            befores, pats = groups.setdefault(k[cut + 1 :], (set(), []))
            befores.add(k[: cut + 1])
            pats.append(p)
        for last, (befores, pats) in groups.items():
            ends = self._union(tuple(self._intern(p.endings or BARE) for p in pats))
            fem = self._intern(frozenset().union(*(p.feminine for p in pats)))
            out[last] = replace(
                pats[0],
                endings=None if ends == BARE else ends,
                feminine=fem,
                before=tuple(sorted(befores, key=len, reverse=True)),
            )
        return out

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


def _needs_before(p: Pattern) -> bool:
    return p.before is not None
