"""Vowel harmony and suffix-consonant assimilation shared by az, kk and ky.

A Turkic suffix is written here as a template: lower-case letters are written as
they stand, and capitals are resolved against the word built so far:

* ``A`` and ``I`` are the low and the high harmonic vowel. Each takes the variant
  of the harmony class of the last vowel before it, so a stacked suffix follows
  its own vowels (ky Ош + -DAгI -> Оштогу: о, then у after о).
* any other capital is a suffix-initial consonant whose shape depends on the
  last letter before it (kk genitive N: н after a vowel or м н ң, д after
  ж з л р й у, т after the rest: Астананың, Елдің, Тоқаевтың). A rule may give
  the empty string (az buffer n: Bakının, Qarabağın).

A language gives a `Phonology` (its tables) and a `Grammar` (its suffix lists
and its reading of the alias), and `inflect` does the rest: the last word of the
alias inflects, a compound whose head carries the 3rd person possessive takes
the possessive's case forms (Laçın dəhlizində, Республикасының), a capitalised
acronym at the end takes the acronym endings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial

from monitor.match.lang.base import Endings, Language, Stem

# (letters, consonant): the first row whose letters hold the last letter wins; a
# row with no letters matches any letter.
Onset = tuple[tuple[str, str], ...]
# (rule name, template)
Table = Sequence[tuple[str, str]]

# The last word of an alias, and what stands before it, as written.
_LAST_WORD = re.compile(r"^(.*\s)?(\S+)$", re.S)
# Letters of Russian, Ukrainian and Belarusian, and what is no letter.
_SLAVIC = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґўʼ'- ")


@dataclass(frozen=True, eq=False)  # hashed by identity: one per language
class Phonology:
    vowels: Mapping[str, int]  # vowel letter (lower case) -> harmony class
    harmonic: Mapping[str, tuple[str, ...]]  # "A" / "I" -> the vowel for each class
    onsets: Mapping[str, Onset]  # suffix-initial capital -> its rows
    default_class: int = 0
    transparent: str = "ьъ"  # letters skipped when the last letter is read
    fix: Callable[[str], str] = field(default=lambda s: s)  # spelling after harmony

    def last_class(self, text: str) -> int:
        for ch in reversed(text):
            if ch in self.vowels:
                return self.vowels[ch]
        return self.default_class

    def last_letter(self, text: str) -> str:
        for ch in reversed(text):
            if ch.isalpha() and ch not in self.transparent:
                return ch
        return ""


def attach(ph: Phonology, word: str, template: str, cls: int | None, final: str | None) -> str:
    """The ending `template` gives after `word` (lower case). `cls` forces the harmony
    of the first harmonic vowel and `final` the letter the first onset reads, for
    stems whose spelling hides how they are said (kk Тоқаев is back: Тоқаевқа)."""
    built = word
    for ch in template:
        if ch in ph.harmonic:
            built += ph.harmonic[ch][ph.last_class(built) if cls is None else cls]
            cls = None
        elif ch in ph.onsets:
            # The reading of the stem's end counts only right after the stem.
            last = final if final is not None and built == word else ph.last_letter(built)
            built += next(c for letters, c in ph.onsets[ch] if not letters or last in letters)
        else:
            built += ch
    return ph.fix(built[len(word) :])


def endings(
    ph: Phonology,
    word: str,
    table: Table,
    classes: Iterable[int | None] = (None,),
    finals: Iterable[str | None] = (None,),
) -> dict[str, str]:
    """Every ending of `table` after `word`, in each harmony class and final reading
    given. One spelling made by two rules is named by both ("accusative or
    possessive")."""
    key = (ph.last_letter(word), ph.last_class(word))
    return _shared(_endings(ph, tuple(table), key, tuple(classes), tuple(finals)))


@lru_cache(maxsize=8192)
def _shared(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    # One dict for every word of a paradigm: the matcher reads it once, not per alias.
    return dict(pairs)


@lru_cache(maxsize=8192)
def _endings(
    ph: Phonology,
    table: tuple[tuple[str, str], ...],
    key: tuple[str, int],
    classes: tuple[int | None, ...],
    finals: tuple[str | None, ...],
) -> tuple[tuple[str, str], ...]:
    # A suffix reads only the stem's last letter and last vowel: words that share
    # them share their endings, so a stand-in of one or two letters is enough.
    last, cls_of_word = key
    word = last
    if last not in ph.vowels:
        word = next(v for v, c in ph.vowels.items() if c == cls_of_word) + last
    out: dict[str, str] = {}
    for cls in classes:
        for fin in finals:
            for rule, template in table:
                e = attach(ph, word, template, cls, fin)
                if e not in out:
                    out[e] = rule
                elif rule not in out[e].split(" or "):
                    out[e] += " or " + rule
    return tuple(out.items())


def stacked(first: tuple[str, str], table: Table) -> list[tuple[str, str]]:
    """`first` alone and followed by each suffix of `table` (plural + genitive)."""
    name, template = first
    return [first, *((f"{name} + {rule}", template + t) for rule, t in table)]


@dataclass(frozen=True)
class Grammar:
    """What a Turkic language module tells `inflect`."""

    ph: Phonology
    alphabet: frozenset[str]  # the letters an alias in this language may use
    lower: Callable[[str], str]  # lower case as the language writes it
    cases: Table  # after a bare noun
    plural: tuple[str, str]  # the plural marker, followed by `cases`
    possessive: tuple[str, str]  # the 3rd person possessive
    possessed: Table  # the case forms after the possessive (pronominal n)
    possessive_vowels: str  # the vowels the possessive ends in
    possessive_marks: tuple[str, ...]  # endings that can only be the possessive (-sı, -ları)
    classes: Callable[[str], tuple[int | None, ...]]  # harmony readings of a word
    finals: Callable[[str], tuple[str | None, ...]]  # onset readings of a word
    voicing: Mapping[str, str] = field(default_factory=dict)  # к -> г before a vowel
    feminine: Callable[[str, Endings], frozenset[str]] = field(
        default=lambda word, ends: frozenset()
    )

    def noun_table(self, bare_possessive: bool = True) -> list[tuple[str, str]]:
        possessive = stacked(self.possessive, self.possessed)
        return [
            *self.cases,
            *stacked(self.plural, self.cases),
            *(possessive if bare_possessive else possessive[1:]),
        ]


def is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def acronym_endings(g: Grammar, acronym: str) -> dict[str, str]:
    """Endings after an acronym. A final vowel letter is read as itself; a final
    consonant is read either as part of a word (АҚШ-тың, ATƏT-in) or by its letter
    name (KTMT-nin, ИДПнын), whose vowel varies: every harmony series is allowed."""
    low = g.lower(acronym)
    last = g.ph.last_letter(low)
    if not last:
        return {}
    table = [*g.cases, *stacked(g.plural, g.cases), *stacked(g.possessive, g.possessed)]
    if last in g.ph.vowels:
        return endings(g.ph, low, table, g.classes(low), g.finals(low))
    out: dict[str, str] = {}
    for cls in sorted(set(g.ph.vowels.values())):
        for reading in (last, next(v for v, c in g.ph.vowels.items() if c == cls)):
            for e, rule in endings(g.ph, low, table, (cls,), (reading,)).items():
                out.setdefault(e, rule)
    return out


def _merge(stems: dict[str, Mapping[str, str]], text: str, ends: Mapping[str, str]) -> None:
    into = stems.get(text)
    if into is None or into is ends:
        stems[text] = ends  # a paradigm's shared table, kept as it is
    else:
        stems[text] = {**into, **{e: r for e, r in ends.items() if e not in into}}


def inflect(g: Grammar, alias: str) -> tuple[Stem, ...]:
    """The stems of `alias` and their endings (see the module docstring)."""
    alias = alias.strip()
    m = _LAST_WORD.match(alias)
    letters = {c for c in g.lower(alias) if c.isalpha()}
    if not m or not letters or not letters <= g.alphabet or alias.endswith("*"):
        return ()
    before, last = m.group(1) or "", m.group(2)
    # A hyphenated last word inflects on its last part (Жалал-Абадда).
    part = last.rsplit("-", 1)[-1]
    if not part.isalpha():
        return ()
    if is_acronym(part):
        # A lone acronym of up to 5 letters is the matcher's acronym path.
        alone = not before and part == last and len(part) <= 5
        return () if alone else (Stem(alias, acronym_endings(g, part)),)
    low = g.lower(last)
    if not any(c in g.ph.vowels for c in low):
        return ()
    stems: dict[str, Mapping[str, str]] = {}
    poss, plain = _compound(g, alias, before, low)
    if poss:
        _merge(stems, alias, endings(g.ph, low, g.possessed, g.classes(low)))
    if plain:
        _plain(g, stems, alias, low)
    out = []
    for text, ends in stems.items():
        if ends:
            out.append(Stem(text, ends, g.feminine(g.lower(text), ends)))
    return tuple(out)


def _compound(g: Grammar, alias: str, before: str, low: str) -> tuple[bool, bool]:
    """(possessive compound?, plain noun?) for the last word. A head in the 3rd person
    possessive (dəhlizi, Республикасы, уюму) takes the possessive's case forms; a
    capitalised word that merely ends in such a vowel (Şoyqu, Құнанбайұлы) may be
    either, and gets both."""
    if not before or not low or low[-1] not in g.possessive_vowels:
        return False, True
    sure = not alias.rsplit(None, 1)[-1][:1].isupper() or low.endswith(g.possessive_marks)
    return True, not sure


def _plain(g: Grammar, stems: dict[str, Mapping[str, str]], alias: str, low: str) -> None:
    # The bare possessive heads a compound (Кеңес Одағы, the Soviet Union), but on a
    # spelling Slavic languages share it is their plural or adjective (Беларусы,
    # Мінскі): only a name with a letter of its own language takes it.
    own = not set(low) <= _SLAVIC
    table = g.noun_table(bare_possessive=own)
    classes, finals = g.classes(low), g.finals(low)
    _merge(stems, alias, endings(g.ph, low, table, classes, finals))
    if low[-1] in g.ph.transparent:
        # Беларусь -> Беларустагы: the soft sign may go before a suffix.
        _merge(stems, alias[:-1], endings(g.ph, low[:-1], table, classes, finals))
    if low[-1] in g.voicing and len(low) > 2 and low[-2] in g.ph.vowels:
        # Қарабақ -> Қарабағы: a final stop voices before the possessive's vowel.
        voiced = low[:-1] + g.voicing[low[-1]]
        poss = stacked(g.possessive, g.possessed)[0 if own else 1 :]
        _merge(stems, alias[:-1] + g.voicing[low[-1]], endings(g.ph, voiced, poss, classes))


def language(code: str, name: str, grammar: Grammar) -> Language:
    """The Language of a Turkic grammar: its stems, and its acronyms' endings (cached:
    an acronym is looked up for every alias and every explanation)."""
    return Language(
        code=code,
        name=name,
        inflect=partial(inflect, grammar),
        acronym_endings=lru_cache(maxsize=4096)(partial(acronym_endings, grammar)),
    )
