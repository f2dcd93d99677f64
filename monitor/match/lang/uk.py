"""Ukrainian word forms: the seven cases of names as Ukrinform and Ukrainska Pravda write them.

Closed tables by declension and stem ending, written from the grammar (no
dictionary): Пашинян -> Пашиняна, Пашиняну/Пашинянові, Пашиняном, Пашиняні;
Карабах -> Карабаху, у Карабасі (к г х -> ц з с before the locative -і);
Лукашенко -> Лукашенка, Лукашенкові, Лукашенком; Лавров -> Лаврова, Лавровим;
Зеленський -> Зеленського, Зеленському, Зеленським; Вірменія -> Вірменії,
Вірменією; Москва -> Москви, Москві, Москвою. Where a name's gender, animacy or
genitive (-а or -у) cannot be told from its letters, both sets are given: the
wrong one makes words that are not written, never a trap. Acronyms (ОДКБ, ЄС,
НАТО) take no endings in standard prose.
"""

from __future__ import annotations

import re

from monitor.match.lang.base import Endings, Language, Stem
from monitor.match.lang.slavic import (
    INS,
    LOC,
    VOC,
    Cell,
    Grammar,
    cells,
    inflect_phrase,
    table,
)

# Masculine nouns. Genitive -а (people, towns) and -у (countries, regions); the
# locative of people is -ові/-у, of places -і.
_HARD = table(gen="а у", dat="у ові", ins="ом", loc="і ові у", voc="е")
# к г х: -і after the alternation (Карабасі, below), vocative -у (Лукашенку) or
# -е after к г х -> ч ж ш (Олеже).
_VELAR = table(gen="а у", dat="у ові", ins="ом", loc="у ові", voc="у")
_SIBILANT = table(gen="а у", dat="у еві", ins="ем", loc="і еві у", voc="е")
_SOFT = table(gen="я ю", dat="ю еві", ins="ем", loc="і еві ю", voc="ю")
_J = table(gen="я ю", dat="ю єві", ins="єм", loc="ї єві ю", voc="ю")
# Russian-type surnames: instrumental -им (Лавровим, Путіним); no vocative, which
# would be the bay-leaf adjective "лаврове". -ові after -ов is not written.
_POSSESSIVE = table(gen="а", dat="у", ins="им ом", loc="і у")
_POSSESSIVE_IN = _POSSESSIVE + table(dat="ові", loc="ові")
# -о: Лукашенко, Петро (masculine), Гродно (neuter).
_O = table(gen="а", dat="у ові", ins="ом", loc="і ові у", voc="е")
_O_VELAR = table(gen="а", dat="у ові", ins="ом", loc="ові у", voc="у")

# -а/-я nouns, feminine and masculine alike (Москва, Микола, Гаркуша, Вірменія).
_A_HARD = table(gen="и", dat="і", acc="у", ins="ою", loc="і", voc="о")
_A_VELAR = table(gen="и", acc="у", ins="ою", voc="о")  # dative, locative below
_A_MIXED = table(gen="і", dat="і", acc="у", ins="ею", loc="і", voc="е")
_A_SOFT = table(gen="і", dat="і", acc="ю", ins="ею", loc="і", voc="е ю")
_A_J = table(gen="ї", dat="ї", acc="ю", ins="єю", loc="ї", voc="є")
# Neuter -я after a doubled consonant (Закарпаття, Запоріжжя); genitive = nominative.
_NEUTER = table(dat="ю", ins="ям", loc="і")
# Feminine -ь (Білорусь -> Білорусі, Білоруссю); the instrumental doubles, below.
_SOFT_FEM = table(gen="і", dat="і", loc="і")
# Plurals (Нідерланди, сили): genitive -ів or none (сил, Сум).
_PLURAL = table(gen="ів 0", dat="ам", ins="ами", loc="ах")

# Adjectives, and the surnames that decline as adjectives (Зеленський, Захарова).
_ADJ_M = table(gen="ого", dat="ому", ins="им", loc="ому ім")
_ADJ_M_SOFT = table(gen="ього", dat="ьому", ins="ім", loc="ьому ім")
_ADJ_F = table(gen="ої", dat="ій", acc="у", ins="ою", loc="ій")
_ADJ_F_SOFT = table(gen="ьої", dat="ій", acc="ю", ins="ьою", loc="ій")
_ADJ_P = table(gen="их", dat="им", ins="ими", loc="их")

_VOWELS = "аеєиіїоуюя"
_CONS = "бвгґджзклмнпрстфхцчшщ"
_LOC_ALT = {"к": "ц", "г": "з", "х": "с"}
_VOC_ALT = {"к": "ч", "г": "ж", "х": "ш"}
# A woman's surname that declines as an adjective: Захарова -> Захарової, Захаровій.
_FEM_SURNAME = re.compile(r"[оеє]ва$")
_NOT_SURNAMES = frozenset({"молдова", "женева", "нева", "єва", "ева"})
# A man's Russian-type surname: its genitive is a woman's nominative (Лаврова).
_POSSESSIVE_END = re.compile(r"(?:[оеє]в|[ії]н)$")
_TOWNS = frozenset({"ростов", "псков", "берлін", "пекін", "турин", "харбін"})  # no woman's name
# Adjectives before a noun: Мирна угода, Нова Каховка, Донецька область, Верхня ...
_ADJ_F_END = re.compile(rf"(?:[{_CONS}]на|(?:ськ|цьк|зьк)а|[оеє]ва|[{_CONS}]ня)$")
_ADJ_N_END = re.compile(rf"(?:[{_CONS}]не|(?:ськ|цьк|зьк)е|ове)$")
_ADJ_P_END = re.compile(rf"(?:[{_CONS}]ні|(?:ськ|цьк|зьк)і|ові)$")
_SHORT_ADJ = frozenset({"велика", "мала", "стара", "нова", "біла", "свята", "золота", "червона"})
# Institutions: a capitalised word after them is their complement (Організація
# Договору ..., Республіка Вірменія, Центр Гейдара Алієва).
HEADS = frozenset(
    {"організація", "республіка", "рада", "міністерство", "договір", "угода", "союз"}
    | {"федерація", "асамблея", "комітет", "служба", "центр", "фонд", "банк", "аеропорт"}
)


def _adjective(word: str, last: bool) -> tuple[str, list[Cell]] | None:
    low = word.lower()
    if len(low) < 4:
        return None
    if low.endswith("ий"):
        return "m", cells(word[:-2], _ADJ_M)
    if re.search(f"[{_CONS}]ній$", low):  # Верхній; given names (Андрій, Антоній) are nouns
        return "m", cells(word[:-2], _ADJ_M_SOFT)
    if last:  # a phrase's last word is its noun, unless it is a surname of adjective form
        if not word[:1].isupper():
            return None
        if _fem_surname(low) or low.endswith(("ська", "цька", "зька")):
            return "f", cells(word[:-1], _ADJ_F)
        if re.search(f"[{_CONS}]на$", low) and not low.endswith("нна"):  # у Надвірній; Чорна
            return "f", cells(word[:-1], _ADJ_F) + _noun(word)
        if re.search(f"[{_CONS}]не$", low):  # Рівне -> Рівного
            return "n", cells(word[:-1], _ADJ_M)
        return None
    if low in _SHORT_ADJ or (_ADJ_F_END.search(low) and not low.endswith("нна")):
        if low.endswith("я"):
            return "f", cells(word[:-1], _ADJ_F_SOFT)
        return "f", cells(word[:-1], _ADJ_F)
    if _ADJ_N_END.search(low):
        return "n", cells(word[:-1], _ADJ_M)
    if _ADJ_P_END.search(low):
        return "p", cells(word[:-1], _ADJ_P)
    return None


def _fem_surname(low: str) -> bool:
    return len(low) >= 5 and bool(_FEM_SURNAME.search(low)) and low not in _NOT_SURNAMES


def _noun(word: str) -> list[Cell]:
    low = word.lower()
    if len(low) < 3:
        return []
    end, before = low[-1], low[-2]
    stem = word[:-1]
    if end == "я":
        if before in _VOWELS or before in "'ʼ’":  # Вірменія, Кореї, Мар'я
            return cells(stem, _A_J)
        if before == low[-3]:  # Закарпаття: neuter, or Ілля
            return cells(stem, _NEUTER) + cells(stem, _A_SOFT)
        return cells(stem, _A_SOFT)
    if end == "а":
        if before in _VOWELS:
            return []  # Гоа
        if before in _LOC_ALT:
            alt = stem[:-1] + _LOC_ALT[before]
            return cells(stem, _A_VELAR) + cells(alt, table(dat="і", loc="і"))  # Америці, Празі
        if before in "жчшщ":
            return cells(stem, _A_MIXED)
        return cells(stem, _A_HARD)
    if end == "о":
        if before in _VOWELS:
            return []  # Токіо
        return cells(stem, _O_VELAR if before in _LOC_ALT else _O)
    if end == "и" and before in _CONS and len(low) > 3:
        return cells(stem, _PLURAL)  # Нідерланди, Суми
    if end == "ь":
        if low.endswith("ець") and len(low) > 4:  # Дочинець -> Дочинця: the е drops
            return cells(word[:-3] + "ц", _SOFT)
        soft: list[Cell] = []
        for base in (stem, *_opened(stem, "ео")):  # Ірпінь -> Ірпені, радість -> радості
            double = base + base[-1] if before in _CONS and low[-3] in _VOWELS else base
            soft += cells(base, _SOFT) + cells(base, _SOFT_FEM) + [(INS, double, "ю")]
        return soft
    if end == "й":
        return cells(stem, _J) if before in _VOWELS else []
    if end not in _CONS:
        return []  # -е, -і, -у, -ю: Кобахідзе, Ханкенді, Баку, Шойгу
    if word[:1].isupper() and _POSSESSIVE_END.search(low):
        return cells(word, _POSSESSIVE_IN if low[-1] == "н" else _POSSESSIVE)
    out: list[Cell] = []
    for base in (word, *_ikavism(word)):
        if end in _LOC_ALT:
            out += cells(base, _VELAR)
            out.append((VOC, base[:-1] + _VOC_ALT[end], "е"))
            if not low.endswith(("ськ", "цьк")):  # у Донецьку, never -ці
                out.append((LOC, base[:-1] + _LOC_ALT[end], "і"))
        elif end in "жчшщ":
            out += cells(base, _SIBILANT)
        else:
            out += cells(base, _HARD)
            if end == "р" and word[:1].isupper():  # Ігор -> Ігоря, Шахтар -> Шахтаря
                out += cells(base, _SOFT)
    return out


def _ikavism(word: str) -> list[str]:
    """Native і of a closed last syllable is о/е when it opens: Львів -> Львова,
    Київ -> Києва, договір -> договору. Foreign names keep it (Берлін, Путін),
    so only town names in -ів/-їв and common nouns get the other stem."""
    low = word.lower()
    if not (word.islower() or low in HEADS or low.endswith(("ів", "їв"))):
        return []
    return _opened(word, "ое" if low.endswith("ів") else "о")  # Кишинів -> Кишинева


def _opened(stem: str, vowels: str) -> list[str]:
    """`stem` with the і (ї) before its last consonants as each of `vowels` (ї as є)."""
    m = re.search(f"[ії][{_CONS}]+$", stem.lower())
    if m is None:
        return []
    head, tail = stem[: m.start()], stem[m.start() + 1 :]
    return [head + v + tail for v in ("є" if m.group()[0] == "ї" else vowels)]


def _feminine(word: str) -> frozenset[str]:
    low = word.lower()
    if word[:1].isupper() and _POSSESSIVE_END.search(low) and low not in _TOWNS:
        return frozenset({low + "а"})
    return frozenset()


_GRAMMAR = Grammar(adjective=_adjective, noun=_noun, feminine=_feminine, heads=HEADS)


def inflect(alias: str) -> tuple[Stem, ...]:
    return inflect_phrase(alias, _GRAMMAR)


def acronym_endings(acronym: str) -> Endings:
    """None: Ukrainian prose leaves acronyms undeclined (з ОДКБ, у ЄС, члени НАТО);
    the treebank writes ЄБРР in the instrumental as is."""
    return {}


LANGUAGE = Language(code="uk", name="Ukrainian", inflect=inflect, acronym_endings=acronym_endings)
