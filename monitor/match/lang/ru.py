"""Russian word forms for aliases, generated when the matcher is built.

"Песков" must find "Пескова", "Армения" must find "Армении", "Нагорный Карабах"
must find "Нагорном Карабахе". Each Cyrillic alias is put in every case with
pymorphy3, word by word so adjectives agree with their noun. A capitalised word
takes only a proper-noun reading (surname, first name, place, organisation);
surnames the dictionary does not know (Пашинян, Токаев, Тасмагамбетов) are
declined by suffix rules instead.

Russian gives whole forms, not stems: each form is a Stem with the one ending "".
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from monitor.match.lang.base import Language, Stem

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_WORD = re.compile(r"[\u0400-\u04ff]+(?:-[\u0400-\u04ff]+)*|\S+")
_QUOTED = re.compile(r"(\W*)(.*?)(\W*)", re.S)
CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_CASE_NAMES = ("nominative", "genitive", "dative", "accusative", "instrumental", "prepositional")
# A man's surname in the genitive that is also a woman's in the nominative (Алиева).
_FEMININE_FORM = re.compile(r"(?:ов|ев|ёв|ин|ын)а$")
_PROPER = {"Surn", "Name", "Patr", "Geox", "Orgn", "Trad"}

# Suffix rules for names not in the dictionary: ending -> (gent, datv, accs, ablt, loct).
_RULES: tuple[tuple[str, tuple[str, str, str, str, str]], ...] = (
    ("ский", ("ского", "скому", "ского", "ским", "ском")),
    ("цкий", ("цкого", "цкому", "цкого", "цким", "цком")),
    ("ская", ("ской", "ской", "скую", "ской", "ской")),
    ("ова", ("овой", "овой", "ову", "овой", "овой")),
    ("ева", ("евой", "евой", "еву", "евой", "евой")),
    ("ёва", ("ёвой", "ёвой", "ёву", "ёвой", "ёвой")),
    ("ина", ("иной", "иной", "ину", "иной", "иной")),
    ("ов", ("ова", "ову", "ова", "овым", "ове")),
    ("ев", ("ева", "еву", "ева", "евым", "еве")),
    ("ёв", ("ёва", "ёву", "ёва", "ёвым", "ёве")),
    ("ин", ("ина", "ину", "ина", "иным", "ине")),
    ("ын", ("ына", "ыну", "ына", "ыным", "ыне")),
    ("ия", ("ии", "ии", "ию", "ией", "ии")),
    ("ая", ("ой", "ой", "ую", "ой", "ой")),
    ("ий", ("ия", "ию", "ия", "ием", "ии")),
    ("й", ("я", "ю", "я", "ем", "е")),
    ("ь", ("я", "ю", "я", "ем", "е")),
    ("я", ("и", "е", "ю", "ей", "е")),
    ("ка", ("ки", "ке", "ку", "кой", "ке")),
    ("га", ("ги", "ге", "гу", "гой", "ге")),
    ("ха", ("хи", "хе", "ху", "хой", "хе")),
    ("а", ("ы", "е", "у", "ой", "е")),
)
# Other consonants (Пашинян, Сюник): Пашиняна, Пашиняну, Пашиняна, Пашиняном, Пашиняне.
_CONSONANT_FORMS = ("а", "у", "а", "ом", "е")
_INDECLINABLE = set("оеиуюэы")


@cache
def morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def needs_forms(alias: str) -> bool:
    return bool(_CYRILLIC.search(alias)) and not alias.endswith("*")


def inflect(alias: str) -> tuple[Stem, ...]:
    """Every case form of the alias, each with the cases it stands for."""
    rules: dict[str, list[str]] = {}
    for case, form in _by_case(alias):
        if form != alias:
            rules.setdefault(form, []).append(case)
    single = " " not in alias.strip()
    return tuple(
        Stem(
            form,
            {"": " or ".join(cases)},
            frozenset({""}) if single and _FEMININE_FORM.search(form.lower()) else frozenset(),
        )
        for form, cases in rules.items()
    )


@lru_cache(maxsize=65536)
def _by_case(alias: str) -> tuple[tuple[str, str], ...]:
    """(case name, form) for each case.

    Only the head of a phrase declines: its adjectives, its noun and the proper
    nouns next to it ("Сергей Лавров"). What follows the first common noun is a
    complement and stays as written ("Организация Договора о ... безопасности").
    """
    if not needs_forms(alias):
        return ()
    # a name in quotes declines inside them: ФК «Карабах» -> ФК «Карабаха»
    parts = [_QUOTED.fullmatch(w).groups() for w in _WORD.findall(alias)]  # type: ignore[union-attr]
    words = [core for _, core, _ in parts]
    plans = _plan(words)
    return tuple(
        (
            name,
            " ".join(
                f"{lead}{_decline(w, plan, case, i)}{trail}"
                for (lead, _, trail), w, plan in zip(parts, words, plans, strict=True)
            ),
        )
        for i, (case, name) in enumerate(zip(CASES, _CASE_NAMES, strict=True))
    )


_FIXED, _RULED = "fixed", "rules"
# A word's plan: (pymorphy3 reading, animacy of the phrase's noun), or _FIXED / _RULED.
Plan = tuple[Any, str] | str


def _plan(words: list[str]) -> list[Plan]:
    """For each word: (pymorphy3 reading, animacy) to inflect, _RULED, or _FIXED."""
    plans: list[Any] = []
    head = ""  # "" before the head noun, then "proper" or "common"
    for k, word in enumerate(words):
        capital = word[:1].isupper()
        if head == "common" or (head == "proper" and not capital):
            plans.append(_FIXED)  # the complement of the head: "храм Христа Спасителя"
            continue
        if not _CYRILLIC.search(word) or (word.isupper() and len(word) <= 5):  # acronyms: ОДКБ
            plans.append(_FIXED)
            continue
        last = word.rpartition("-")[2]
        if capital and k == 0 and len(words) > 1:
            # a first name ("Никол Пашинян"), else a known word ("Организация ..."),
            # else a name the dictionary lacks ("Касым-Жомарт Токаев")
            adjective = last.lower().endswith(_ADJ_ENDINGS)  # "Лачинский коридор"
            reading = _reading(last, False) if adjective else _reading(last, True)
            if reading is None and _known(last):
                reading = _reading(last, False)
        else:
            reading = _reading(last, capital)
            if reading is None and capital:
                reading = _common_noun(last)  # titles: "Известия", "Ведомости"
        if head == "proper" and (reading is None or not _PROPER & set(reading.tag.grammemes)):
            plans.append(_RULED)  # a name next to a name
            continue
        if reading is None:
            plans.append(_RULED if capital else _FIXED)
            if capital and not last.lower().endswith(_ADJ_ENDINGS):  # "Лачинский" is no head
                head = head or ("common" if _known(last) and k > 0 else "proper")
            continue
        plans.append(reading)
        if reading.tag.POS == "NOUN":
            head = "proper" if _PROPER & set(reading.tag.grammemes) else "common"
    # adjectives in the accusative follow the animacy of their noun (masculine and plural only)
    nouns = [p for p in plans if not isinstance(p, str) and p.tag.POS == "NOUN"]
    animacy = str(nouns[0].tag.animacy or "inan") if nouns else "inan"
    return [(p, animacy) if not isinstance(p, str) else p for p in plans]


def _decline(word: str, plan: Plan, case: str, i: int) -> str:
    if plan == _FIXED:
        return word
    if plan == _RULED:
        head, dash, tail = word.rpartition("-")
        return f"{head}{dash}{_by_rules(tail)[i]}"
    assert not isinstance(plan, str)
    parse, animacy = plan
    if "Fixd" in parse.tag:
        return word
    head, dash, tail = word.rpartition("-")
    want = {case}
    if (
        parse.tag.POS == "ADJF"
        and case == "accs"
        and (parse.tag.gender == "masc" or parse.tag.number == "plur")
    ):
        want.add(animacy)
    got = parse.inflect(want) or parse.inflect({case})
    return f"{head}{dash}{_like(tail, got.word)}" if got else word


_ADJ_ENDINGS = ("ый", "ий", "ой", "ая", "яя", "ое", "ее", "ые", "ие")


def _parses(word: str) -> list[Any]:
    """Dictionary readings only: pymorphy3's guesses for unknown words are slow (a
    pure-Python DAWG walk) and the suffix rules decline unknown names as well."""
    analyzer = morph()
    return analyzer.parse(word) if analyzer.word_is_known(word.lower()) else []


def _reading(word: str, proper: bool) -> Any:
    """The dictionary reading to decline, or None when only rules can do it.

    A proper word (a capitalised single word, or a capitalised word after the first)
    takes only a proper-noun reading; other words prefer an adjective reading when
    they look like one ("Козицкий переулок").
    """
    readings = [p for p in _parses(word) if p.tag.case == "nomn" and p.tag.POS in ("NOUN", "ADJF")]
    if proper:
        for p in readings:
            if p.tag.POS != "NOUN" or not (_PROPER & set(p.tag.grammemes)):
                continue
            if p.tag.number == "plur" and "Pltm" not in p.tag:
                continue  # "Пескова" is not the plural of "песок"
            return p
        return None
    if word.lower().endswith(_ADJ_ENDINGS):
        adjectives = [p for p in readings if p.tag.POS == "ADJF"]
        if adjectives:
            return adjectives[0]
    return readings[0] if readings else None


def _known(word: str) -> bool:
    return bool(morph().word_is_known(word.lower()))


def _common_noun(word: str) -> Any:
    for p in _parses(word):
        if p.tag.POS == "NOUN" and p.tag.case == "nomn":
            return p
    return None


def _by_rules(word: str) -> tuple[str, ...]:
    low = word.lower()
    # a word of one or two letters the dictionary lacks is no Russian name to decline
    # (Kyrgyz Ат would give "Ата", father)
    if len(low) < 3 or low[-1] in _INDECLINABLE:
        return (word,) * len(CASES)
    for ending, forms in _RULES:
        if low.endswith(ending):
            stem = word[: len(word) - len(ending)]
            return (word, *(_like(word, stem.lower() + f) for f in forms))
    return (word, *(_like(word, low + f) for f in _CONSONANT_FORMS))


def _like(model: str, word: str) -> str:
    """`word` with the capitalisation of `model`."""
    if model.isupper():
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


LANGUAGE = Language("ru", "Russian", inflect)
