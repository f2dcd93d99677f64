"""A query's watchlist -> full-text expressions that find a superset of what it matches,
for SQLite's FTS5 and PostgreSQL's tsquery. Pure.

The matcher's keys are its stems and whole forms, folded as it folds text; each
becomes a prefix term, so every form the matcher would accept is among the
candidates, which the matcher then checks. FTS5's tokenizer folds as the matcher
does but for three letters (ё, dotless ı, Armenian և), so on SQLite each key is also
asked for with them. PostgreSQL's index is built on the matcher's own folding
(migration 0009's monitor_fold), so it needs no variants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import product

from monitor.match.engine import ENTITY, PHRASE
from monitor.match.keys import Keys
from monitor.watchlists.model import Watchlist
from monitor.watchlists.rules import And, Near, Not, Or, Rule, Term, term_key

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Candidates:
    fts5: str  # an FTS5 MATCH expression
    tsquery: str  # a to_tsquery('simple', ...) expression
    terms: int  # prefix terms in all, for the record


@dataclass(frozen=True, order=True)
class _Clause:
    """One key as the index can be asked for it: its last word as a prefix, and the
    words one of which sequences must come with it (a name of several words)."""

    last: str
    before: tuple[tuple[str, ...], ...] = ()


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
                clauses.setdefault(p.key, set()).add(_Clause(token, before))
    rule = watchlist.rule
    if rule is None:  # any entity
        rule = _any([Term(e.id) for e in watchlist.entities])
    lite = _expr(rule, clauses, _Dialect(_fts5_clause, "AND", "OR"))
    pg = _expr(rule, clauses, _Dialect(_ts_clause, "&", "|"))
    if lite is None or pg is None:
        raise ValueError("the rule finds articles without any of its terms")
    return Candidates(lite, pg, sum(len(_shortest(v)) for v in clauses.values()))


def _shortest(clauses: set[_Clause]) -> list[_Clause]:
    """Without the clauses another one covers: "пашинян"* covers "пашиняна"*."""
    kept: list[_Clause] = []
    for c in sorted(clauses, key=lambda c: (len(c.before) > 0, len(c.last), c)):
        if not any(
            c.last.startswith(k.last) and (not k.before or k.before == c.before) for k in kept
        ):
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
    clause: Callable[[_Clause], str]
    conj: str
    disj: str


def _expr(rule: Rule, clauses: dict[str, set[_Clause]], d: _Dialect) -> str | None:
    """The rule as a boolean expression of terms; None where it is not bounded (NOT)."""
    if isinstance(rule, Term):
        found = _shortest(clauses.get(term_key(rule), set()))
        if not found:
            raise ValueError(f"{rule.value!r} has no word to look for")
        return "(" + f" {d.disj} ".join(d.clause(c) for c in found) + ")"
    if isinstance(rule, Not):
        return None
    left, right = _expr(rule.left, clauses, d), _expr(rule.right, clauses, d)
    if isinstance(rule, And | Near):
        if left is None or right is None:
            return left or right
        return f"({left} {d.conj} {right})"
    if left is None or right is None:
        return None
    return f"({left} {d.disj} {right})"


def _fts5_clause(c: _Clause) -> str:
    last = " OR ".join(f"{_fts5_string(v)}*" for v in sorted(set(_spellings(c.last))))
    if not c.before:
        return f"({last})"
    words = " OR ".join(
        "(" + " AND ".join(_fts5_word(w) for w in alt) + ")" for alt in c.before if alt
    )
    return f"(({last}) AND ({words}))" if words else f"({last})"


def _fts5_word(word: str) -> str:
    return "(" + " OR ".join(_fts5_string(v) for v in sorted(set(_spellings(word)))) + ")"


def _fts5_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _ts_clause(c: _Clause) -> str:
    last = f"{_ts_string(c.last)}:*"
    if not c.before:
        return last
    words = " | ".join(
        "(" + " & ".join(_ts_string(w) for w in alt) + ")" for alt in c.before if alt
    )
    return f"({last} & ({words}))" if words else last


def _ts_string(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _spellings(token: str) -> Iterator[str]:
    """The token, and as FTS5's tokenizer may hold it: with ё for one of its е, ı for
    its i (up to three of them), և or եւ for its եվ."""
    yield token
    for i, ch in enumerate(token):
        if ch == "е":
            yield token[:i] + "ё" + token[i + 1 :]
    if "եվ" in token:
        yield token.replace("եվ", "և")
        yield token.replace("եվ", "եւ")
    places = [i for i, ch in enumerate(token) if ch == "i"][:3]
    for choice in product("iı", repeat=len(places)):
        chars = list(token)
        for i, ch in zip(places, choice, strict=True):
            chars[i] = ch
        yield "".join(chars)
