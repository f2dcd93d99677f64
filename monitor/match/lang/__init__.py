"""The languages whose word forms the matcher knows, and which of them an alias is in.

An alias is inflected in every language whose alphabet holds all its letters:
`Ղարաբաղ` is Armenian, `Qarabağ` Azerbaijani, `Тоқаев` Kazakh, `Лукашэнка`
Belarusian, while `Путин` fits Russian, Ukrainian, Kazakh and Kyrgyz alike and
gets the forms of each. A watchlist or entity may name its languages
(`languages: [hy, az]`); an alias then gets the forms of those its letters fit.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from importlib import import_module
from typing import Literal, get_args

from monitor.basics.normalize import normalize, unmix
from monitor.match.lang.base import Endings, Language, Stem

__all__ = [
    "CODES",
    "Endings",
    "Language",
    "LanguageCode",
    "Stem",
    "alias_languages",
    "form_rule",
    "language",
    "norm_ending",
    "norm_stem",
]

# Every language the matcher knows, in the order their forms are explained.
LanguageCode = Literal["en", "ru", "uk", "be", "kk", "ky", "hy", "az", "ka"]
CODES: tuple[str, ...] = get_args(LanguageCode)

_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
_ARMENIAN = "".join(chr(c) for c in range(0x561, 0x588))
_GEORGIAN = "".join(chr(c) for c in range(0x10D0, 0x1100))
# Letters of each language's alphabet, lower case. The apostrophe of Ukrainian and
# Belarusian is not a letter here: only letters decide.
ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöûüùçñáíóú",
    "az": "abcçdeəfgğhxıijkqlmnoöprsştuüvyz",
    "ru": _RU,
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
    "kk": _RU + "әғқңөұүһі",
    "ky": _RU + "ңөү",
    "hy": _ARMENIAN,
    "ka": _GEORGIAN,
}
_SETS = {code: frozenset(letters) for code, letters in ALPHABETS.items()}


def language(code: str) -> Language:
    """The language module of `code` (one of CODES)."""
    return _load(code)


@cache
def _load(code: str) -> Language:
    if code not in CODES:
        raise KeyError(code)
    lang: Language = import_module(f"monitor.match.lang.{code}").LANGUAGE
    return lang


@lru_cache(maxsize=65536)
def alias_languages(alias: str, configured: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The languages whose forms `alias` gets: those whose alphabet holds its letters,
    narrowed to `configured` when the watchlist names its languages."""
    letters = {c for c in unicodedata.normalize("NFC", unmix(alias).lower()) if c.isalpha()}
    if not letters:
        return ()
    allowed = CODES if configured is None else configured
    return tuple(code for code in CODES if code in allowed and letters <= _SETS[code])


@lru_cache(maxsize=65536)
def norm_ending(ending: str) -> str:
    """An ending as the matcher compares it."""
    return normalize(ending).folded


def norm_stem(stem: str) -> str:
    """A stem as the automaton holds it."""
    return normalize(stem).folded.strip()


@lru_cache(maxsize=4096)
def form_rule(alias: str, languages: tuple[str, ...], key: str, ending: str) -> tuple[str, str]:
    """(language code, rule) of the form `key` + `ending` (both normalised) of `alias`;
    ("", "") when it is the alias as written or no form of it (a typo)."""
    body = unmix(alias.rstrip("*").strip())
    if key != unmix(key):  # the form typed with a Latin i for і ("Iспанii")
        key, ending = unmix(key), ending.replace("i", "і")
    if ending == "" and key == norm_stem(body):
        return "", ""
    for code in languages:
        lang = language(code)
        for stem in lang.inflect(body):
            if norm_stem(stem.text) == key:
                for e, rule in stem.endings.items():
                    if norm_ending(e) == ending:
                        return code, rule
        if key == norm_stem(body):
            for e, rule in lang.acronym_endings(body).items():
                if norm_ending(e) == ending:
                    return code, rule
    return "", ""
