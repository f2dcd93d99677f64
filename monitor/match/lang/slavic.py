"""Declining a phrase word by word: what Ukrainian and Belarusian share.

A language gives a `Grammar`: how one word declines as a noun and whether it is
an adjective (and how that declines). This module reads the phrase as the
Russian generator does: the adjectives before the head agree with it, proper
nouns side by side all decline ("Сергій Лавров" -> "Сергія Лаврова"), and what
follows a common noun, a lower-case word after a name, or an institution's
head noun is a complement and stays as written ("Організація Договору про
колективну безпеку" -> "Організації Договору про колективну безпеку").

For each case the declining words are put in that case together, so forms
agree ("Нагірному Карабасі", never "Нагірного Карабасі"); the last declining
word is cut into stem and ending. When words or a closing quote follow it, the
matcher cannot read an ending across them, so the whole form is the stem and
its ending is "".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from monitor.match.lang.base import Stem

# One form of a word: (case, stem, ending), stem + ending being the word.
Cell = tuple[str, str, str]
# (case, ending) rows of a declension, applied to a stem.
Table = tuple[tuple[str, str], ...]
GEN, DAT, ACC, INS, LOC, VOC = (
    "genitive",
    "dative",
    "accusative",
    "instrumental",
    "locative",
    "vocative",
)
# The order rules are named in when one form stands for several cases.
CASES = (GEN, DAT, ACC, INS, LOC, VOC)
_KEYS = dict(zip(("gen", "dat", "acc", "ins", "loc", "voc"), CASES, strict=True))

# Letters of the word itself; quotes and brackets around it stay where they are.
_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Grammar:
    # (word, is the phrase's last word) -> (agreement class, cells) when the word is
    # an adjective, None when not; the class ("m", "f", "n", "p") must agree along
    # the phrase
    adjective: Callable[[str, bool], tuple[str, list[Cell]] | None]
    noun: Callable[[str], list[Cell]]  # a noun's cells; [] when it does not decline
    # one-word alias -> its forms (lower case) that are also a woman's surname
    feminine: Callable[[str], frozenset[str]]
    heads: frozenset[str]  # institutions: the capitalised words after them stay


_FIXED = "fixed"


def table(**endings: str) -> Table:
    """Rows from case -> endings, space-separated, "0" for none: table(gen="а у", ins="ом")."""
    return tuple(
        (_KEYS[key], "" if e == "0" else e) for key, row in endings.items() for e in row.split()
    )


def cells(stem: str, rows: Table) -> list[Cell]:
    return [(case, stem, ending) for case, ending in rows]


def is_acronym(word: str) -> bool:
    letters = word.replace(".", "")
    return 0 < len(letters) <= 5 and letters.isalpha() and letters.isupper()


def inflect_phrase(alias: str, grammar: Grammar) -> tuple[Stem, ...]:
    words = alias.split()
    if not words or not _CYRILLIC.search(alias) or alias.endswith("*"):
        return ()  # a trailing * already takes any ending
    parts = [_split(w) for w in words]
    plans = _plan([core for _, core, _ in parts], grammar)
    declining = [k for k, plan in enumerate(plans) if plan != _FIXED]
    if not declining:
        return ()
    cut = declining[-1]
    by_stem: dict[str, dict[str, list[str]]] = {}
    base = " ".join(words).lower()
    for case in CASES:
        for stem, ending in _phrase_cells(parts, plans, cut, case):
            tail = parts[cut][2] + "".join(" " + w for w in words[cut + 1 :])
            if tail:  # an ending is read to the end of its word: the whole form, then
                stem, ending = stem + ending + tail, ""
            if (stem + ending).lower() == base:
                continue
            cases = by_stem.setdefault(stem, {}).setdefault(ending, [])
            if case not in cases:
                cases.append(case)
    fem = grammar.feminine(words[0]) if len(words) == 1 else frozenset()
    return tuple(
        Stem(
            stem,
            {e: " or ".join(cs) for e, cs in endings.items()},
            frozenset(e for e in endings if (stem + e).lower() in fem),
        )
        for stem, endings in by_stem.items()
    )


def _split(word: str) -> tuple[str, str, str]:
    m = _CORE.match(word)
    assert m is not None
    return m.group(1), m.group(2), m.group(3)


Plan = str | tuple[str, list[Cell]]  # _FIXED, or (the core it declines, its cells)


def _plan(cores: list[str], grammar: Grammar) -> list[Plan]:
    plans: list[Plan] = []
    stopped = False
    agree = ""  # the class of the adjectives so far
    named = False  # a proper noun has declined
    for k, core in enumerate(cores):
        last = k == len(cores) - 1
        lead, _, word = core.rpartition("-")  # "Касим-Жомарт": the last part declines
        if stopped or not word or not _CYRILLIC.search(word) or is_acronym(word):
            plans.append(_FIXED)
            stopped = stopped or any(p != _FIXED for p in plans)  # "КСОР ОДКБ" after a noun
            continue
        capital = word[:1].isupper()
        if named and not capital:
            stopped = True  # "Ільхам Гейдар огли Алієв": the rest stays
            plans.append(_FIXED)
            continue
        adjective = grammar.adjective(word, last)
        if adjective is not None and (not agree or adjective[0] == agree):
            agree = adjective[0]
            plans.append((core, _prefixed(lead, adjective[1])))
            continue
        forms = grammar.noun(word)
        plans.append((core, _prefixed(lead, forms)) if forms else _FIXED)  # Кобахідзе stays
        if not capital or word.lower() in grammar.heads:
            stopped = True  # a common noun or an institution heads the phrase
        named = True
    return plans


def _prefixed(lead: str, cells: list[Cell]) -> list[Cell]:
    if not lead:
        return cells
    return [(case, f"{lead}-{stem}", ending) for case, stem, ending in cells]


def _phrase_cells(
    parts: list[tuple[str, str, str]], plans: list[Plan], cut: int, case: str
) -> list[tuple[str, str]]:
    """(stem, ending) of the phrase in `case`, up to and including the cut word."""
    prefixes = [""]
    own = False  # some word has a form of its own in this case
    for k in range(cut):
        lead, core, trail = parts[k]
        plan = plans[k]
        forms = [core]
        if plan != _FIXED:
            assert not isinstance(plan, str)
            got = [s + e for c, s, e in plan[1] if c == case]
            if got:
                forms, own = got, True
        prefixes = [f"{p}{lead}{f}{trail} " for p in prefixes for f in forms]
    plan = plans[cut]
    assert not isinstance(plan, str)
    lead = parts[cut][0]
    last = [(s, e) for c, s, e in plan[1] if c == case]
    if not last:
        if not own:
            return []
        last = [(plan[0], "")]
    return [(f"{p}{lead}{s}", e) for p in prefixes for s, e in last]
