"""One-typo variants of alias words, for entities with `fuzzy: 1`.

Each word of 6 or more letters gets every variant one edit away (a letter dropped,
swapped with its neighbour, replaced or added, in the word's own script). The
variants go into the same automaton as the aliases, so the scan costs the same.
A single-word alias keeps its first letter: names are rarely misspelled there,
and it keeps "Russia" from matching "Prussia". A Russian variant that is itself a
word of the dictionary is dropped: "Захаров" is another surname, not a typo of
"Захарова", and "Арсения" a name, not a typo of "Армения".
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.match.lang.ru import morph

MIN_LETTERS = 6
# The letters of each script as normalised text has them (accents folded, ё as е, the
# Armenian ligature as two letters): a typo replaces or adds one of its own script's.
_LATIN = "abcdefghijklmnopqrstuvwxyzə"
_RUSSIAN = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
_CYRILLIC = _RUSSIAN + "іїєґўәғқңөұүһ"
_ARMENIAN = "".join(chr(c) for c in range(0x561, 0x587))
_GEORGIAN = "".join(chr(c) for c in range(0x10D0, 0x10F1))
_HAS_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_RUSSIAN_SET = frozenset(_RUSSIAN)
_SCRIPTS = (
    (re.compile(r"[\u0561-\u0587]"), _ARMENIAN),
    (re.compile(r"[\u10d0-\u10ff]"), _GEORGIAN),
    (_HAS_CYRILLIC, _CYRILLIC),
)


def alphabet(word: str) -> str:
    """The letters a typo in `word` may bring: those of its own script, and of Russian
    alone for a word written in Russian letters."""
    letters = next((found for script, found in _SCRIPTS if script.search(word)), _LATIN)
    if letters is _CYRILLIC and set(word) <= _RUSSIAN_SET:
        return _RUSSIAN
    return letters


@lru_cache(maxsize=16384)
def typo_variants(key: str) -> frozenset[str]:
    """Normalised alias -> normalised variants with one typo in one word."""
    words = key.split(" ")
    out: set[str] = set()
    for i, word in enumerate(words):
        if len(word) < MIN_LETTERS or not word.isalpha():
            continue
        for v in _word_typos(word, 1 if len(words) == 1 else 0):
            out.add(" ".join([*words[:i], v, *words[i + 1 :]]))
    out.discard(key)
    return frozenset(out)


@lru_cache(maxsize=16384)
def _word_typos(word: str, start: int) -> frozenset[str]:
    """A word's typo variants, once per word: the forms of a phrase share most words."""
    letters = alphabet(word)
    edits = _edits(word, letters, start)
    if letters is _RUSSIAN:
        # strict: the text is matched with ё as е, so no ё-spelling is looked for either
        known = morph().word_is_known
        edits = {v for v in edits if not known(v, strict=True)}
    return frozenset(edits)


def _edits(word: str, alphabet: str, start: int) -> set[str]:
    """Every string one edit from `word`, leaving word[:start] alone."""
    splits = [(word[:i], word[i:]) for i in range(start, len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in alphabet}
    inserts = {a + c + b for a, b in splits for c in alphabet}
    return deletes | swaps | replaces | inserts
