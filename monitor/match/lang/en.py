"""English: the plural of a phrase that ends in a common noun or a demonym.

Names do not inflect in English, and possessives ("Lavrov's") already match, as
the apostrophe ends the word. A phrase whose last word is written in lower case
ends in a common noun, and a capitalised word in -ian, -ani or -ese is a
demonym: their plurals are forms of them (`Karabakh horse` covers "Karabakh
horses", `peace treaty` "peace treaties", `Armenian` "Armenians").
"""

from __future__ import annotations

import re

from monitor.match.lang.base import Language, Stem

_COMMON = re.compile(r"(?:^|\s)[a-z]{3,}$")
_DEMONYM = re.compile(r"(?:^|\s)[A-Z][a-z]+(?:ian|ani|ese)$")
_SIBILANT = ("s", "x", "z", "ch", "sh")
_PLURAL = {"s": "plural"}
_PLURAL_ES = {"es": "plural"}
_PLURAL_IES = {"ies": "plural"}


def inflect(alias: str) -> tuple[Stem, ...]:
    word = alias.strip()
    if _DEMONYM.search(word):
        return (Stem(word, _PLURAL),)
    if not _COMMON.search(word):
        return ()
    if word.endswith(_SIBILANT):
        return (Stem(word, _PLURAL_ES),)
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return (Stem(word[:-1], _PLURAL_IES),)
    return (Stem(word, _PLURAL),)


LANGUAGE = Language("en", "English", inflect)
