"""A query's watchlist -> full-text expressions that find a superset of what it matches,
for SQLite's FTS5 and PostgreSQL's tsquery. Pure.

The matcher's keys are its stems and whole forms, folded as it folds text, each with
the closed set of endings that may follow it; a key and its endings become the exact
words they spell, so every form the matcher would accept is among the candidates,
which the matcher then checks. Exact words, not a prefix: an index reads a prefix's
every word at once (all of "росси*" is Россия, России, российский, ...), where it
reads exact words lazily, newest first, as far as a page needs. A key the index
cannot spell out (an alias ending in `*`, a key of several index words) stays a
prefix. FTS5's tokenizer folds as the matcher does but for three letters (ё, dotless
ı, Armenian և), so on SQLite each word is also asked for with them. PostgreSQL's
index is built on the matcher's own folding (migration 0009's monitor_fold), so it
needs no variants; it is asked only for the words it holds (`Candidates.tsquery_of`):
GIN tests each row it reads against every word of the query, held or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import product

from monitor.match.engine import ENTITY, PHRASE
from monitor.match.keys import Keys
from monitor.store.search import ts_lexeme
from monitor.watchlists.model import Watchlist
from monitor.watchlists.rules import And, Near, Not, Or, Rule, Term, term_key

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidates:
    fts5: str  # an FTS5 MATCH expression
    tsquery: str  # a to_tsquery('simple', ...) expression
    terms: int  # index words in all, for the record
    # PostgreSQL ranks by this: each key's word as a prefix, the words' forms in one
    # item each (ts_rank_cd's cost grows faster than the number of items)
    rank: str = ""
    words: frozenset[str] = frozenset()  # the tsquery's exact words
    # the tsquery with only the words an index holds: "" if it can find nothing
    pruned: Callable[[frozenset[str]], str] | None = field(default=None, compare=False, repr=False)

    def tsquery_of(self, held: frozenset[str] | None) -> str:
        """The tsquery without the words an index does not hold (`held`: those of
        `words` it does; None: ask for them all); "" when it can find nothing. Rows
        are tested against each word of a tsquery: an entity's 800 forms, of which a
        few are in the texts, made that test fifty times dearer than those few."""
        if held is None or self.pruned is None:
            return self.tsquery
        return self.pruned(held)


SHORT = 2  # letters of a word too common to be asked for on SQLite (_fts5_words)
# A word with more dotless-ı places than this is asked for as its key's prefix: its
# spellings would double with each.
MAX_I_PLACES = 4


@dataclass(frozen=True, order=True)
class _Clause:
    """One key as the index can be asked for it: a word (or, with `prefix`, any word it
    begins), and the words one of which sequences must come with it (a name of several
    words)."""

    last: str
    prefix: bool = False
    before: tuple[tuple[str, ...], ...] = ()
    stem: int = 0  # letters of `last` that are its key's, before an ending


def candidates(watchlist: Watchlist) -> Candidates:
    """Expressions for the watchlist's rule (or any of its entities, without one).

    A one-typo variant of a name (an entity's `fuzzy:`) is not asked for: the index
    cannot look for every misspelling, so search finds a name as written and in its
    forms, where a watchlist also finds its typos."""
    # Without the typos: they are not asked for, and they are most of an entity's keys.
    plain = replace(watchlist, entities=tuple(replace(e, fuzzy=0) for e in watchlist.entities))
    keys = Keys([plain])
    clauses: dict[str, set[_Clause]] = {}
    for key, patterns in zip(keys.keys, keys.patterns, strict=True):
        token = _token(key)
        if not token:
            continue
        for p in patterns:
            if p.kind in (ENTITY, PHRASE) and not p.fuzzy:
                before = tuple(sorted({tuple(_WORD.findall(b)) for b in p.before or ()}))
                found = clauses.setdefault(p.key, set())
                words = None if p.prefix or key != token else _words(token, p.endings)
                if words is None:
                    found.add(_Clause(token, True, before, len(token)))
                else:
                    found.update(_Clause(w, False, before, len(token)) for w in words)
    rule = watchlist.rule
    if rule is None:  # any entity
        rule = _any([Term(e.id) for e in watchlist.entities])
    lite = _expr(rule, clauses, _Dialect(_fts5_clause, _fts5_words, "AND", "OR"))
    pg = _expr(rule, clauses, _Dialect(_ts_clause, _ts_words, "&", "|"))
    if lite is None or pg is None:
        raise ValueError("the rule finds articles without any of its terms")
    stems = _shortest({_Clause(c.last[: c.stem], True) for v in clauses.values() for c in v})
    rank = " | ".join(_ts_clause(c) for c in stems)
    kept = {k: _shortest(v) for k, v in clauses.items()}
    words = {w for v in kept.values() for c in v for w in _exact_words(c)}
    return Candidates(
        lite,
        pg,
        sum(len(v) for v in kept.values()),
        rank,
        frozenset(words),
        partial(_pruned, rule, {k: set(v) for k, v in kept.items()}),
    )


def _exact_words(c: _Clause) -> Iterator[str]:
    if not c.prefix:
        yield c.last
    for alt in c.before:
        yield from alt


def _pruned(rule: Rule, clauses: dict[str, set[_Clause]], held: frozenset[str]) -> str:
    """The rule's tsquery with the clauses whose words are all held, and of a name's
    words before its last, the sequences all held; "" when it can find nothing."""
    kept: dict[str, set[_Clause]] = {}
    for key, found in clauses.items():
        for c in found:
            if c.prefix or c.last in held:
                alts = [alt for alt in c.before if alt]
                ok = [alt for alt in alts if all(w in held for w in alt)]
                if ok or not alts:
                    kept.setdefault(key, set()).add(replace(c, before=tuple(ok)))
    return _expr(rule, kept, _Dialect(_ts_clause, _ts_words, "&", "|"), nothing="") or ""


def _words(token: str, endings: frozenset[str] | None) -> set[str] | None:
    """The words a key spells with its endings (the key itself too: an ending may follow
    after a hyphen, a word of its own to the index); None when they are too many to
    ask for in every spelling."""
    words = {token}
    for e in endings or ():
        m = _WORD.match(e)
        words.add(token + (m.group() if m else ""))
    if any(w.count("i") > MAX_I_PLACES for w in words):
        return None
    return words


def _covers(k: _Clause, c: _Clause) -> bool:
    same = c.last.startswith(k.last) if k.prefix else (c.last == k.last and not c.prefix)
    return same and (not k.before or k.before == c.before)


def _shortest(clauses: set[_Clause]) -> list[_Clause]:
    """Without the clauses another one covers: "пашинян"* covers "пашиняна"*, and
    "пашиняна" alone covers "пашиняна" after a first name."""
    kept: list[_Clause] = []
    for c in sorted(clauses, key=lambda c: (len(c.before) > 0, not c.prefix, len(c.last), c)):
        if not any(_covers(k, c) for k in kept):
            kept.append(c)
    return sorted(kept)


def _any(terms: list[Term]) -> Rule:
    rule: Rule = terms[0]
    for t in terms[1:]:
        rule = Or(rule, t)
    return rule


def _token(key: str) -> str:
    """The index token a key begins: its longest word (FTS splits at apostrophes)."""
    words = _WORD.findall(key)
    return max(words, key=len) if words else ""


@dataclass(frozen=True)
class _Dialect:
    word: Callable[[_Clause], str]  # a clause's last word, in its spellings
    words: Callable[[tuple[str, ...]], str]  # all of a name's words before it
    conj: str
    disj: str


def _term(found: list[_Clause], d: _Dialect) -> str:
    """A term's clauses, those after the same words of a name as one group: the last
    words' forms OR'ed, then AND the words before them, once. Written once for each
    form, the words before made an index read them once for each: an entity of names
    of several words in nine languages took seconds."""
    groups: dict[tuple[tuple[str, ...], ...], list[_Clause]] = {}
    for c in found:
        groups.setdefault(tuple(alt for alt in c.before if alt), []).append(c)
    parts = []
    for before, group in groups.items():
        last = f" {d.disj} ".join(d.word(c) for c in group)
        if not before:
            parts.append(last)
            continue
        alts = f" {d.disj} ".join(d.words(alt) for alt in before)
        parts.append(f"(({last}) {d.conj} ({alts}))")
    return "(" + f" {d.disj} ".join(parts) + ")"


def _expr(
    rule: Rule, clauses: dict[str, set[_Clause]], d: _Dialect, nothing: str | None = None
) -> str | None:
    """The rule as a boolean expression of terms; None where it is not bounded (NOT).
    A term without clauses is an error, or with `nothing` given, finds nothing: an
    AND of it is `nothing`, an OR of it is the other side."""
    if isinstance(rule, Term):
        found = _shortest(clauses.get(term_key(rule), set()))
        if not found:
            if nothing is not None:
                return nothing
            raise ValueError(f"{rule.value!r} has no word to look for")
        return _term(found, d)
    if isinstance(rule, Not):
        return None
    left = _expr(rule.left, clauses, d, nothing)
    right = _expr(rule.right, clauses, d, nothing)
    gone = nothing is not None and nothing in (left, right)
    if isinstance(rule, And | Near):
        if gone:
            return nothing
        if left is None or right is None:
            return left or right
        return f"({left} {d.conj} {right})"
    if gone:
        return right if left == nothing else left
    if left is None or right is None:
        return None
    return f"({left} {d.disj} {right})"


def _fts5_clause(c: _Clause) -> str:
    star = "*" if c.prefix else ""
    last = " OR ".join(f"{_fts5_string(v)}{star}" for v in sorted(set(_spellings(c.last, c.stem))))
    return f"({last})"


def _fts5_words(words: tuple[str, ...]) -> str:
    """A name's words before its last, but for those of one or two letters when it has
    longer ones: FTS5's bm25 counts each word of the expression over the whole index,
    once for each time it is written. "о" of "Организация Договора о коллективной
    безопасности", in most Russian texts and in nine of the CSTO's names, was 89% of
    that count: 150 ms at a million articles. The matcher still checks it. PostgreSQL
    keeps them: its GIN reads the rarest word of an AND first, and it ranks by `rank`."""
    kept = tuple(w for w in words if len(w) > SHORT) or words
    return "(" + " AND ".join(_fts5_word(w) for w in kept) + ")"


def _fts5_word(word: str) -> str:
    return "(" + " OR ".join(_fts5_string(v) for v in sorted(set(_spellings(word)))) + ")"


def _fts5_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _ts_clause(c: _Clause) -> str:
    return ts_lexeme(c.last) + (":*" if c.prefix else "")


def _ts_words(words: tuple[str, ...]) -> str:
    return "(" + " & ".join(ts_lexeme(w) for w in words) + ")"


def _spellings(token: str, stem: int | None = None) -> Iterator[str]:
    """The token, and as FTS5's tokenizer may hold it: with ё for one of its е, ı for
    its i (up to MAX_I_PLACES of them), և or եւ for its եվ.

    After a key's `stem` letters, ё is looked for only as an ending's first letter
    (Королём, землёй): the ё of an ending is the stressed first vowel of Russian and
    Belarusian ones, and other languages' endings have none."""
    yield token
    stem = len(token) if stem is None else stem
    for i, ch in enumerate(token):
        if ch == "е" and i <= stem:
            yield token[:i] + "ё" + token[i + 1 :]
    if "եվ" in token:
        yield token.replace("եվ", "և")
        yield token.replace("եվ", "եւ")
    places = [i for i, ch in enumerate(token) if ch == "i"][:MAX_I_PLACES]
    for choice in product("iı", repeat=len(places)):
        chars = list(token)
        for i, ch in zip(places, choice, strict=True):
            chars[i] = ch
        yield "".join(chars)
