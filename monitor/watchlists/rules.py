"""The `match:` rule language: AND, OR, NOT, parentheses, "quoted phrases", NEAR/n.

Parsed once into a small tree; evaluated on the word positions of mentions.
Errors carry the 1-based column of the offending token.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) |
        "(?P<phrase>[^"]*)" |
        (?P<near>NEAR/(?P<n>\d+))(?![\w/]) |
        (?P<word>@?[\w-]+)
    )""",
    re.VERBOSE | re.IGNORECASE | re.UNICODE,
)
_OPS = {"and", "or", "not"}
_NEAR_NEEDS_N = "NEAR needs the number of words it allows, as in NEAR/5"


class RuleSyntaxError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Term:
    """An entity id, or a quoted phrase when `phrase` is true."""

    value: str
    phrase: bool = False


@dataclass(frozen=True)
class And:
    left: Rule
    right: Rule


@dataclass(frozen=True)
class Or:
    left: Rule
    right: Rule


@dataclass(frozen=True)
class Not:
    operand: Rule


@dataclass(frozen=True)
class Near:
    left: Rule
    right: Rule
    distance: int


Rule = Term | And | Or | Not | Near


@dataclass(frozen=True)
class _Tok:
    kind: str  # lparen rparen phrase near word and or not end
    text: str
    col: int
    n: int = 0


def _tokens(text: str) -> Iterator[_Tok]:
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise RuleSyntaxError(f"unexpected character {text[col - 1]!r}", col)
        kind = m.lastgroup if m.lastgroup != "n" else "near"
        assert kind is not None
        start = m.start(kind) + 1
        if kind == "word" and m.group("word").lower() == "near" and text[m.end() :].startswith("/"):
            raise RuleSyntaxError(_NEAR_NEEDS_N, start)
        if kind == "near":
            yield _Tok("near", m.group("near"), start, int(m.group("n")))
        elif kind == "word" and m.group("word").lower() in _OPS:
            yield _Tok(m.group("word").lower(), m.group("word"), start)
        elif kind == "phrase":  # the column of the opening quote
            yield _Tok("phrase", m.group("phrase"), start - 1)
        else:
            yield _Tok(kind, m.group(kind), start)
        pos = m.end()
    yield _Tok("end", "", len(text) + 1)


class _Parser:
    def __init__(self, text: str, implicit_and: bool = False) -> None:
        self.toks = list(_tokens(text))
        self.i = 0
        self.implicit_and = implicit_and  # "a b" is "a AND b" (a search query)

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self) -> Rule:
        if self.tok.kind == "end":
            raise RuleSyntaxError("empty rule", 1)
        node = self.or_()
        if self.tok.kind != "end":
            t = self.tok
            self.no_bare_near()
            hint = " (join terms with AND, OR or NEAR/n)" if t.kind in ("word", "phrase") else ""
            raise RuleSyntaxError(f"unexpected {t.text or t.kind!r}{hint}", t.col)
        return node

    def no_bare_near(self) -> None:
        """A word NEAR where an operator was due: NEAR without its /n."""
        if self.tok.kind == "word" and self.tok.text.lower() == "near":
            raise RuleSyntaxError(_NEAR_NEEDS_N, self.tok.col)

    def or_(self) -> Rule:
        node = self.and_()
        while self.tok.kind == "or":
            self.take()
            node = Or(node, self.and_())
        return node

    def and_(self) -> Rule:
        node = self.not_()
        while self.tok.kind == "and" or (
            self.implicit_and and self.tok.kind in ("word", "phrase", "lparen", "not")
        ):
            if self.tok.kind == "and":
                self.take()
            node = And(node, self.not_())
        return node

    def not_(self) -> Rule:
        if self.tok.kind == "not":
            self.take()
            return Not(self.not_())
        return self.near()

    def near(self) -> Rule:
        node = self.atom()
        while self.tok.kind == "near":
            t = self.take()
            if t.n < 1:
                raise RuleSyntaxError("NEAR/n needs n of at least 1", t.col)
            node = Near(node, self.atom(), t.n)
        return node

    def atom(self) -> Rule:
        t = self.take()
        if t.kind == "lparen":
            node = self.or_()
            if self.tok.kind != "rparen":
                self.no_bare_near()
                raise RuleSyntaxError("missing ')'", self.tok.col)
            self.take()
            return node
        if t.kind == "phrase":
            if not t.text.strip():
                raise RuleSyntaxError("empty phrase", t.col)
            return Term(t.text, phrase=True)
        if t.kind == "word":
            return Term(t.text)
        what = "end of rule" if t.kind == "end" else repr(t.text)
        raise RuleSyntaxError(
            f"expected an entity id, a quoted phrase or '(' but found {what}", t.col
        )


def parse_rule(text: str, implicit_and: bool = False) -> Rule:
    """The rule's tree; with `implicit_and`, terms side by side must all occur, as a
    search box reads them."""
    return _Parser(text, implicit_and).parse()


def nodes(rule: Rule) -> Iterator[Rule]:
    """Every node of the rule, the rule itself first."""
    yield rule
    if isinstance(rule, Not):
        yield from nodes(rule.operand)
    elif not isinstance(rule, Term):
        yield from nodes(rule.left)
        yield from nodes(rule.right)


def terms(rule: Rule) -> Iterator[Term]:
    return (n for n in nodes(rule) if isinstance(n, Term))


def has_near(rule: Rule) -> bool:
    return any(isinstance(n, Near) for n in nodes(rule))


def term_columns(text: str) -> dict[str, int]:
    """1-based column of each bare term's first occurrence, for error messages."""
    cols: dict[str, int] = {}
    for t in _tokens(text):
        if t.kind == "word":
            cols.setdefault(t.text, t.col)
    return cols


def term_key(term: Term) -> str:
    """The key under which a term's word positions are looked up."""
    return ("p\x00" if term.phrase else "e\x00") + term.value


Positions = Mapping[str, list[int]]
Compiled = Callable[[Positions], bool]


def compile_rule(rule: Rule) -> Compiled:
    """The rule as a function of {term_key: word positions}, built once per watchlist.

    Only NEAR needs positions; everywhere else presence is enough and AND/OR stop
    at the first operand that decides.
    """
    return _presence(rule)


def _presence(rule: Rule) -> Compiled:
    if isinstance(rule, Term):
        key = term_key(rule)
        return lambda pos: key in pos
    if isinstance(rule, Not):
        f = _presence(rule.operand)
        return lambda pos: not f(pos)
    if isinstance(rule, Near):
        g = _positions(rule)
        return lambda pos: bool(g(pos))
    # A chain of one operator (a OR b OR c ...) is one call: the bare terms are tested
    # against the found terms as a set, in C, and the rest in order.
    kind = type(rule)
    parts = list(_chain(rule, kind))
    keys = frozenset(term_key(p) for p in parts if isinstance(p, Term))
    others = [_presence(p) for p in parts if not isinstance(p, Term)]
    if kind is Or:
        return lambda pos: not keys.isdisjoint(pos) or any(f(pos) for f in others)
    return lambda pos: keys.issubset(pos) and all(f(pos) for f in others)


def _chain(rule: Rule, kind: type) -> Iterator[Rule]:
    if isinstance(rule, kind) and isinstance(rule, And | Or):
        yield from _chain(rule.left, kind)
        yield from _chain(rule.right, kind)
    else:
        yield rule


def _positions(rule: Rule) -> Callable[[Positions], list[int]]:
    """Where the rule holds: the word positions that make it true ([] when false)."""
    if isinstance(rule, Term):
        key = term_key(rule)
        return lambda pos: pos.get(key, [])
    if isinstance(rule, Not):  # NOT has no position of its own
        return lambda pos: []
    if isinstance(rule, Or):
        lo, ro = _positions(rule.left), _positions(rule.right)
        return lambda pos: lo(pos) + ro(pos)
    if isinstance(rule, And):
        return _and_positions(rule)
    la, ra, n = _positions(rule.left), _positions(rule.right), rule.distance

    def near(pos: Positions) -> list[int]:
        a = la(pos)
        b = ra(pos) if a else []
        return sorted(
            {p for p in a for q in b if abs(p - q) <= n}
            | {q for q in b for p in a if abs(p - q) <= n}
        )

    return near


def _and_positions(rule: And) -> Callable[[Positions], list[int]]:
    # "a AND NOT b" inside NEAR: the positions of a, when b is absent.
    if isinstance(rule.right, Not) or isinstance(rule.left, Not):
        neg, other = (
            (rule.right, rule.left) if isinstance(rule.right, Not) else (rule.left, rule.right)
        )
        holds, where = _presence(neg), _positions(other)
        return lambda pos: where(pos) if holds(pos) else []
    la, ra = _positions(rule.left), _positions(rule.right)

    def both(pos: Positions) -> list[int]:
        a = la(pos)
        b = ra(pos) if a else []
        return a + b if b else []

    return both
