"""A search query -> the watchlist that would match what it asks for. Pure.

The query language is the watchlists' `match:` language (AND, OR, NOT, parentheses,
"phrases", NEAR/n; terms side by side must all occur, as in any search box), with
words and `@entity` references for terms:
- a bare word stands for every form of the word, in every language whose letters it
  has, as an alias would: the word is the alias, and so is each word it is a form of
  ("Пашиняна" is a form of Пашинян, "Փաշինյանը" of Փաշինյան);
- `@csto` stands for the entity csto of the loaded watchlists: all its aliases, their
  forms and its exclusions;
- a quoted phrase is found as written, apart from normalisation.
So the matcher decides what a query finds, as it decides what a watchlist hits, and a
query saved as a watchlist finds on replay what the search found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.match.matcher import Matcher
from monitor.watchlists.model import Entity, Watchlist
from monitor.watchlists.rules import (
    And,
    Near,
    Not,
    Or,
    Rule,
    RuleSyntaxError,
    Term,
    parse_rule,
    terms,
)

MAX_TERMS = 50  # words, phrases and entities in one query
MAX_LENGTH = 2000  # characters of a query
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_ID = re.compile(r"[a-z0-9_][a-z0-9_-]*")  # as watchlist entity ids are written
# An ending is at most this many letters ("-ությունից" and the like are longer, but their
# stem is a word of its own).
_LONGEST_ENDING = 8
# A beginning shorter than this is no stem: "Bak" + ı would make Bakı a form of "Bak".
_SHORTEST_STEM = 4


class QueryError(ValueError):
    """A query that cannot be searched; `column` is 1-based, 0 when it is the whole."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column

    def __str__(self) -> str:
        where = f"at column {self.column}: " if self.column else ""
        return f"{where}{self.args[0]}"


@dataclass(frozen=True)
class Query:
    text: str
    watchlist: Watchlist  # the query as a watchlist: its entities, its rule
    words: tuple[tuple[str, tuple[str, ...]], ...]  # each bare word and its aliases


def parse_query(text: str, watchlists: Sequence[Watchlist]) -> Query:
    """The query as a watchlist named "search". QueryError names what is wrong, where."""
    text = text.strip()
    if not text:
        raise QueryError("the query is empty")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"the query is longer than {MAX_LENGTH} characters")
    try:
        rule = parse_rule(text, implicit_and=True)
    except RuleSyntaxError as exc:
        raise QueryError(str(exc), exc.column) from None
    found = list(terms(rule))
    if len(found) > MAX_TERMS:
        raise QueryError(f"the query has {len(found)} terms; at most {MAX_TERMS}")
    if not _bounded(rule):
        raise QueryError("the query needs a word, phrase or @entity that is not under NOT")
    known = {e.id: e for w in watchlists for e in w.entities}
    entities: dict[str, Entity] = {}  # by the term's text
    words: dict[str, tuple[str, ...]] = {}
    for t in found:
        if _name(t) in entities:
            continue
        if t.phrase:  # as written: an alias without forms
            n = len(entities) + 1
            entities[_name(t)] = Entity(f"phrase{n}", t.value, (t.value,), languages=())
        elif t.value.startswith("@"):
            ent = known.get(t.value[1:])
            if ent is None:
                raise QueryError(
                    f"no entity {t.value[1:]!r} in the watchlists"
                    + (f" (known: {_some(known)})" if known else ""),
                    text.find(t.value) + 1,
                )
            entities[_name(t)] = ent
        else:
            aliases = lemmas(t.value)
            words[t.value] = aliases
            used = {e.id for e in entities.values()} | {
                f.value[1:] for f in found if f.value[:1] == "@"
            }
            entities[_name(t)] = Entity(_word_id(t.value, len(entities), used), t.value, aliases)
    ids = {v: e.id for v, e in entities.items()}
    watchlist = Watchlist(
        "search", text, tuple(entities.values()), rule=_renamed(rule, ids), rule_text=text
    )
    return Query(text, watchlist, tuple(words.items()))


def _name(t: Term) -> str:
    return f'"{t.value}"' if t.phrase else t.value


def _word_id(word: str, n: int, used: set[str]) -> str:
    """An entity id for a word: the word when it makes one not used already (by an
    @entity of the same query), else word1, word2, ..."""
    low = word.lower()
    if _ID.fullmatch(low) and low not in ("and", "or", "not") and low not in used:
        return low
    return f"word{n + 1}"


def _renamed(rule: Rule, ids: dict[str, str]) -> Rule:
    """The rule with each term's text replaced by its entity's id."""
    if isinstance(rule, Term):
        return Term(ids[_name(rule)])
    if isinstance(rule, Not):
        return Not(_renamed(rule.operand, ids))
    if isinstance(rule, Near):
        return Near(_renamed(rule.left, ids), _renamed(rule.right, ids), rule.distance)
    kind = And if isinstance(rule, And) else Or
    return kind(_renamed(rule.left, ids), _renamed(rule.right, ids))


def _bounded(rule: Rule) -> bool:
    """Whether what the rule finds is bounded by its terms (NOT alone finds anything)."""
    if isinstance(rule, Term):
        return True
    if isinstance(rule, Not):
        return False
    if isinstance(rule, Or):
        return _bounded(rule.left) and _bounded(rule.right)
    assert isinstance(rule, And | Near)
    return _bounded(rule.left) or _bounded(rule.right)


def _some(known: dict[str, Entity]) -> str:
    names = sorted(known)
    return ", ".join(f"@{n}" for n in names[:8]) + (", ..." if len(names) > 8 else "")


@lru_cache(maxsize=4096)
def lemmas(word: str) -> tuple[str, ...]:
    """The aliases a query word stands for: the word, and the word it is a form of.

    Candidates are the dictionary's likeliest lemma of a Russian word and each shorter
    beginning of the word; a candidate counts when the matcher, given it as an alias,
    finds the word as one of its forms. Of the beginnings, the shortest that does.
    """
    heads = [word[:n] for n in range(max(_SHORTEST_STEM, len(word) - _LONGEST_ENDING), len(word))]
    russian = list(_russian_lemmas(word)) if _CYRILLIC.search(word) else []
    candidates = [c for c in dict.fromkeys([*russian, *heads]) if c != word]
    if not candidates:
        return (word,)
    probe = Watchlist(
        "lemmas", "", tuple(Entity(f"c{i}", c, (c,)) for i, c in enumerate(candidates))
    )
    found = {ev.alias for m in Matcher([probe]).match("", word) for ev in m.evidence}
    found &= set(candidates)
    out = [word, *(c for c in russian if c in found)]
    if shortest := next((h for h in heads if h in found), None):
        out.append(shortest)
    return tuple(dict.fromkeys(out))


def _russian_lemmas(word: str) -> Iterator[str]:
    """The lemmas of the dictionary's likelier readings of a Russian word."""
    from monitor.match.lang.ru import morph

    for parse in morph().parse(word):
        if parse.score < 0.3:
            continue
        lemma = str(parse.normal_form)
        yield lemma.capitalize() if word[:1].isupper() else lemma


def as_yaml(query: Query, name: str) -> str:
    """The YAML of a watchlist file that matches what the query finds."""
    import io

    from ruamel.yaml import YAML

    wl = query.watchlist
    entities = {
        e.id: {
            "label": e.label,
            "aliases": list(e.aliases),
            **({"fuzzy": e.fuzzy} if e.fuzzy else {}),
            **({"languages": list(e.languages)} if e.languages is not None else {}),
            **({"exclude": list(e.exclude)} if e.exclude else {}),
        }
        for e in wl.entities
    }
    doc = {
        "name": name,
        "description": f"saved from the search {query.text!r}",
        "entities": entities,
        "match": _rule_text(wl.rule) if wl.rule is not None else None,
    }
    out = io.StringIO()
    yaml = YAML(typ="rt", pure=True)  # the keys in the order a person writes them
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.dump({k: v for k, v in doc.items() if v is not None}, out)
    return out.getvalue()


def _rule_text(rule: Rule) -> str:
    """The rule written with the saved entities' ids (`@csto` is `csto`)."""
    if isinstance(rule, Term):
        return rule.value
    if isinstance(rule, Not):
        return f"NOT {_group(rule.operand)}"
    op = "AND" if isinstance(rule, And) else "OR" if isinstance(rule, Or) else None
    if op is None:
        assert isinstance(rule, Near)
        op = f"NEAR/{rule.distance}"
    return f"{_group(rule.left)} {op} {_group(rule.right)}"


def _group(rule: Rule) -> str:
    return _rule_text(rule) if isinstance(rule, Term | Not) else f"({_rule_text(rule)})"
