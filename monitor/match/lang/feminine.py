"""Whether a man's surname form stands for a woman here.

Russian, Ukrainian and Belarusian write a man's surname in the genitive as a
woman's surname in the nominative: "заявление Алиева" is his statement,
"Мехрибан Алиева заявила" hers. Such a form (a Stem's `feminine` ending) counts
as the man's unless the words beside it show a woman:
- the word before it is a name in the nominative: capitalised, and not a man's
  first name in an oblique case ("Мехрибан Алиева", not "Ильхама Алиева");
- or it begins a sentence or clause and the word after it is a verb in the
  feminine past ("Алиева заявила"). After any other word the verb may agree with
  another subject: "Позиция Алиева была жёсткой", "у Алиева была встреча".
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.match.lang.ru import morph

_BEFORE = re.compile(r"(\w+) $")
_AFTER = re.compile(r" (\w+)")
# Endings of a man's first name in the genitive, dative, instrumental and
# prepositional (Ильхама, Ильхаму, Ильхамом, Ильхаме; uk Ільхамові, be Ільхамам).
_OBLIQUE = ("а", "я", "у", "ю", "е", "ом", "ем", "ём", "ам", "ові", "еві", "і", "ы", "и")
# Prepositions that take the genitive ("У Алиева" begins a sentence, and is his).
_PREPOSITIONS = frozenset(
    [
        "у",
        "в",
        "ў",
        "от",
        "до",
        "для",
        "без",
        "из",
        "с",
        "со",
        "около",
        "возле",
        "против",
        "кроме",
        "после",
        "вместо",
        "среди",
        "від",
        "з",
        "із",
        "біля",
        "після",
        "проти",
        "крім",
        "замість",
        "серед",
        "ад",
        "са",
        "каля",
        "пасля",
        "супраць",
        "акрамя",
        "замест",
        "сярод",
    ]
)
_REACH = 40
# Women's first names the Russian dictionary does not read as such, in the Ukrainian and
# Belarusian spellings the press uses, and those of the region's first families:
# "Вольга Кавалькова", "Мехрібан Алієва".
_WOMEN = frozenset(
    [
        "вольга",
        "ганна",
        "алена",
        "алёна",
        "олена",
        "наталля",
        "наталія",
        "таццяна",
        "тетяна",
        "святлана",
        "світлана",
        "марыя",
        "марія",
        "кацярына",
        "катерина",
        "юлія",
        "ірына",
        "ірина",
        "людміла",
        "оксана",
        "галіна",
        "вера",
        "віра",
        "надзея",
        "надія",
        "любоў",
        "любов",
        "валянціна",
        "марына",
        "вікторыя",
        "вікторія",
        "анастасія",
        "дар'я",
        "дарина",
        "ксенія",
        "інна",
        "іна",
        "ларыса",
        "ніна",
        "мехрибан",
        "мехрыбан",
        "мехрібан",
        "лейла",
        "арзу",
    ]
)


def woman_here(cased: str, start: int, stop: int) -> bool:
    """True when the form at cased[start:stop] is a woman's name by its neighbours."""
    before = _BEFORE.search(cased[max(0, start - _REACH) : start])
    if before is not None:
        return _is_nominative_name(before.group(1))
    after = _AFTER.match(cased, stop, min(len(cased), stop + _REACH))
    return after is not None and _is_feminine_past(after.group(1))


@lru_cache(maxsize=8192)
def _is_nominative_name(word: str) -> bool:
    if not word[:1].isupper() or word.isupper() or word.lower() in _PREPOSITIONS:
        return False
    if word.lower() in _WOMEN:
        return True
    readings = _parses(word)
    names = [p for p in readings if "Name" in p.tag or "Surn" in p.tag]
    if names:
        return any(p.tag.gender == "femn" and p.tag.case == "nomn" for p in names) and not any(
            p.tag.gender == "masc" and p.tag.case != "nomn" for p in names
        )
    if readings:  # a known word that is no name: a title, a place, a sentence's first word
        return False
    return not word.lower().endswith(_OBLIQUE)


@lru_cache(maxsize=8192)
def _is_feminine_past(word: str) -> bool:
    if not word.islower():
        return False
    readings = _parses(word)
    if readings:
        return any(
            p.tag.POS == "VERB" and p.tag.tense == "past" and p.tag.gender == "femn"
            for p in readings
        )
    return len(word) >= 5 and word.endswith(
        "ла"
    )  # uk заявила, be заявіла: not in the ru dictionary


def _parses(word: str) -> list:  # type: ignore[type-arg]
    analyzer = morph()
    low = word.lower()
    return list(analyzer.parse(low)) if analyzer.word_is_known(low) else []
