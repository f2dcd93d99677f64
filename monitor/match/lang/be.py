"""Belarusian word forms in the official orthography, as Belta and Zviazda write it.

Closed tables by declension and stem ending, written from the grammar:
Пашынян -> Пашыняна, Пашыняну, Пашынянам, (аб) Пашыняне; Карабах -> у
Карабаху (к г х take -у in the locative, never an alternation); Лукашэнка ->
Лукашэнкі, Лукашэнку, Лукашэнкам; Лаўроў -> Лаўрова, Лаўрову, Лаўровым (ў
is в before a vowel); Вольскі -> Вольскага, Вольскаму, Вольскім; Масква ->
Масквы, Маскве, Маскву, Масквой; Стэпанакерт -> у Стэпанакерце (т д -> ц дз
before е).

Akanne writes an unstressed о/э as а, so an ending's vowel follows the stress,
which the letters do not show: the instrumental is -ам (Пашынянам) or -ом
(stressed), -ай (Германіяй) or -ой (Масквой), the adjective -ага or -ога. Both
are given; the wrong one is never written. Stems whose vowel changes with the
stress (Пётр -> Пятра, Павел -> Паўла) are not modelled.

Taraškievica (not targeted) differs where it writes soft signs (Берасьце),
the genitive -у of towns (з Менску), э in foreign names (Армэнія) and the
vocative (Міхасю); its case endings are otherwise these.
"""

from __future__ import annotations

import re

from monitor.match.lang.base import Endings, Language, Stem
from monitor.match.lang.slavic import (
    DAT,
    GEN,
    INS,
    LOC,
    Cell,
    Grammar,
    cells,
    inflect_phrase,
    table,
)

# Masculine nouns: genitive -а (people, towns) or -у (countries, regions); the
# locative -у of people, and of places after к г х; -е after a hard consonant and
# -ы after ж ш ч р ц are added below.
_MASC = table(gen="а у", dat="у", ins="ам ом", loc="у")
_SOFT = table(gen="я ю", dat="ю", ins="ем ём", loc="і ю")
# Neuter and masculine -о (Пятро, Дняпро); the locative below as for _MASC.
_O = table(gen="а", dat="у", ins="ом ам", loc="у")
# -а nouns: feminine (Масква) and masculine (Мікола, Шаціла), whose dative and
# locative -у and instrumental -ам are added; the dative and locative -е/-ы below.
_A = table(dat="у", acc="у", ins="ай ой аю ою ам", loc="у")
# Лукашэнка, Карпенка: a man's surname in -нка declines as masculine only.
_ENKA = table(gen="і", dat="у", acc="у", ins="ам", loc="у")
_A_SOFT = table(gen="і", dat="і", acc="ю", ins="яй ёй яю ёю", loc="і")
_A_J = table(gen="і", dat="і", acc="ю", ins="яй яю", loc="і")  # Расія, Карэя
# Neuter -е after a doubled consonant or ў (Палессе, пагадненне, Іўе); genitive -я.
_NEUTER = table(gen="я", dat="ю", ins="ем", loc="і")
_SOFT_FEM = table(gen="і", dat="і", loc="і")  # Беларусь -> Беларусі, Беларуссю
_PLURAL = table(gen="аў 0", dat="ам", ins="амі", loc="ах")  # Курапаты, сілы

# Adjectives, and surnames that decline as adjectives (Вольскі, Захарава).
_ADJ_M = table(gen="ага ога", dat="аму ому", ins="ым", loc="ым")
_ADJ_M_VELAR = table(gen="ага ога", dat="аму ому", ins="ім", loc="ім")
_ADJ_M_SOFT = table(gen="яга", dat="яму", ins="ім", loc="ім")  # сіні
_ADJ_F = table(gen="ай ой", dat="ай ой", acc="ую", ins="ай ой аю ою", loc="ай ой")
_ADJ_F_SOFT = table(gen="яй", dat="яй", acc="юю", ins="яй яю", loc="яй")
# Захарава: a woman's surname in -ава/-ова/-ева, on the stem before -а.
_FEM_SURNAME = table(gen="ай ой", dat="ай ой", acc="у", ins="ай ой аю ою", loc="ай ой")
_ADJ_P = table(gen="ых", dat="ым", ins="ымі", loc="ых")
_ADJ_P_VELAR = table(gen="іх", dat="ім", ins="імі", loc="іх")

_VOWELS = "аеёіоуыэюя"
_CONS = "бвгґджзйклмнпрстўфхцчшь"
_VELARS = "кгх"
_HARDENED = "жшчрц"  # always hard: -ы, not -е, in the locative
# Амерыцы, рацэ (-цэ under the stress), Празе, страсе
_DAT_VELAR = {"к": ("ц", "ы э"), "г": ("з", "е"), "х": ("с", "е")}
_POSSESSIVE_END = re.compile(r"(?:[оаеё]ў|[іы]н)$")  # Лаўроў, Аліеў, Пуцін
# Towns whose genitive is no woman's name (Кіева, Магілёва).
_TOWNS = frozenset({"кіеў", "магілёў", "барысаў", "харкаў", "львоў", "растоў", "пскоў", "берлін"})
_NOT_SURNAMES = frozenset({"малдова", "жэнева", "ева"})
HEADS = frozenset(
    {"арганізацыя", "рэспубліка", "рада", "міністэрства", "дагавор", "пагадненне", "саюз"}
    | {"федэрацыя", "асамблея", "камітэт", "служба", "цэнтр", "фонд", "банк", "аэрапорт"}
)


def _tse(stem: str) -> str:
    """Before -е, т is ц and д is дз: Стэпанакерце, Лідзе, Бухарэсце."""
    if stem.endswith("т"):
        return stem[:-1] + "ц"
    if stem.endswith("д"):
        return stem + "з"
    return stem


def _adjective(word: str, last: bool) -> tuple[str, list[Cell]] | None:
    low = word.lower()
    if len(low) < 4:
        return None
    if re.search("[нв]ы$", low):  # Нагорны, мірны
        return "m", cells(word[:-1], _ADJ_M)
    if low.endswith(("скі", "цкі", "зкі")) or (not last and re.search("[кгх]і$", low)):
        return "m", cells(word[:-1], _ADJ_M_VELAR)
    if not last and re.search(f"[{_CONS}]ні$", low):
        return "m", cells(word[:-1], _ADJ_M_SOFT)
    if low.endswith("ая"):
        return "f", cells(word[:-2], _ADJ_F)
    if low.endswith("яя"):
        return "f", cells(word[:-2], _ADJ_F_SOFT)
    if low.endswith(("ае", "ое")):
        return "n", cells(word[:-2], _ADJ_M_VELAR if low[-3] in _VELARS else _ADJ_M)
    if low.endswith("яе"):
        return "n", cells(word[:-2], _ADJ_M_SOFT)
    if not last and re.search("[нв]ыя$", low):  # калектыўныя; Марыя is a name
        return "p", cells(word[:-2], _ADJ_P)
    if not last and re.search("[кгх]ія$", low):  # last, it is a noun: тэхналогія
        return "p", cells(word[:-2], _ADJ_P_VELAR)
    if last and word[:1].isupper() and len(low) >= 5 and low not in _NOT_SURNAMES:
        if re.search("[оеё]ва$", low):  # Іванова, Аліева: stressed, an adjective only
            return "f", cells(word[:-1], _FEM_SURNAME)
        if low.endswith("ава"):  # Захарава, but also Варшава: both declensions
            return "f", cells(word[:-1], _FEM_SURNAME) + _noun(word)
    return None


def _noun(word: str) -> list[Cell]:
    low = word.lower()
    if len(low) < 3:
        return []
    end, before = low[-1], low[-2]
    stem = word[:-1]
    possessive = word[:1].isupper() and bool(_POSSESSIVE_END.search(low))
    if end == "я":
        if before in _VOWELS or before == "'":  # Расія, Карэя, Сірыя
            return cells(stem, _A_J)
        return cells(stem, _A_SOFT)
    if end == "а":
        if before in _VOWELS:
            return []  # Токіа
        if word[:1].isupper() and re.search("[еэё]нка$", low):
            return cells(stem, _ENKA)
        out = cells(stem, _A)
        if before in _VELARS:
            alt, vowels = _DAT_VELAR[before]
            out.append((GEN, stem, "і"))
            out += [(c, stem[:-1] + alt, v) for v in vowels.split() for c in (DAT, LOC)]
        elif before in _HARDENED:
            out += [(GEN, stem, "ы"), (DAT, stem, "ы"), (LOC, stem, "ы")]
        else:
            out += [(GEN, stem, "ы"), (DAT, _tse(stem), "е"), (LOC, _tse(stem), "е")]
        return out
    if end == "е":
        if before == "ў" or (before in _CONS and before == low[-3]):  # Палессе, Іўе
            return cells(stem, _NEUTER)
        return []  # Кабахідзе
    if end == "о":
        return [] if before in _VOWELS else cells(stem, _O) + _locative(stem)
    if end == "ы" and before in _CONS and len(low) > 3:
        return cells(stem, _PLURAL)
    if end == "ь":
        double = stem + stem[-1] if before in _CONS and low[-3] in _VOWELS else stem
        return cells(stem, _SOFT) + cells(stem, _SOFT_FEM) + [(INS, double, "ю")]
    if end == "й":
        return cells(stem, _SOFT) if before in _VOWELS else []
    if end == "ў":
        if before not in _VOWELS:
            return []
        word = stem + "в"  # Лаўроў -> Лаўрова
    elif end not in _CONS:
        return []  # -і, -у, -ю, -э: Ханкендзі, Баку, Шайгу
    elif low.endswith("ец") and len(low) > 4:  # Севярынец -> Севярынца, Астравец -> Астраўца
        word = word[:-2] + "ц"
        if word[-2] == "в" and word[-3].lower() in _VOWELS:
            word = word[:-2] + "ў" + word[-1]
    out = cells(word, _MASC) + _locative(word)
    if possessive:
        out.append((INS, word, "ым"))  # Лаўровым, Пуціным
    return out


def _locative(stem: str) -> list[Cell]:
    last = stem[-1].lower()
    if last in _VELARS:
        return []  # -у, in the table
    if last in _HARDENED:
        return [(LOC, stem, "ы")]  # у Зангезуры, Нясвіжы
    return [(LOC, _tse(stem), "е")]


def _feminine(word: str) -> frozenset[str]:
    low = word.lower()
    if not word[:1].isupper() or not _POSSESSIVE_END.search(low) or low in _TOWNS:
        return frozenset()
    return frozenset({(low[:-1] + "в" if low.endswith("ў") else low) + "а"})


_GRAMMAR = Grammar(adjective=_adjective, noun=_noun, feminine=_feminine, heads=HEADS)


def inflect(alias: str) -> tuple[Stem, ...]:
    stems = inflect_phrase(alias, _GRAMMAR)
    if not alias.startswith("у") or alias.endswith("*"):
        return stems
    # after a vowel a lower-case word begins with ў (на ўсходзе, і ўрад); names keep У
    short: dict[str, dict[str, str]] = {"ў" + alias[1:]: {"": "initial ў"}}
    for s in stems:
        short.setdefault("ў" + s.text[1:], {}).update(
            {e: f"{r} + initial ў" for e, r in s.endings.items()}
        )
    return stems + tuple(Stem(text, endings) for text, endings in short.items())


def acronym_endings(acronym: str) -> Endings:
    """None: Belarusian prose leaves acronyms undeclined (у АДКБ, краіны ЕС, з ААН);
    the treebank writes ААН and ЕС in the genitive as is."""
    return {}


LANGUAGE = Language(code="be", name="Belarusian", inflect=inflect, acronym_endings=acronym_endings)
