"""The seam between the matcher and each language's word forms.

A language module offers `LANGUAGE`: given an alias as the user wrote it, the
stems of its forms and the closed set of endings each stem may take. The
matcher puts each stem in its one automaton and accepts a word that is the stem
followed by exactly one of its endings and then the end of the word. Article
text is never stemmed, and the scan stays a single pass whatever the number of
forms. Pure: no I/O, no state but caches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# An ending as written in text ("ում", "da", "ში"; "" for the stem alone) -> the
# rule that makes it, in English, lower case ("locative", "genitive + definite").
Endings = Mapping[str, str]


@dataclass(frozen=True)
class Stem:
    """A stem of an alias and the endings that may follow it.

    `text` is written as the alias is, not normalised: the alias with its
    inflecting word cut back to what the case endings attach to ("Ղարաբաղ",
    "Լաչինի միջանցք", "ერევნ"). The words before the inflecting one are kept as
    the language writes them in these forms.

    `feminine` names the endings whose form is also a woman's surname in the
    nominative (Russian "Алиева" is the man's genitive and the woman's name):
    the matcher keeps such a form only where its context does not show a woman.
    """

    text: str
    endings: Endings
    feminine: frozenset[str] = frozenset()


def no_endings(acronym: str) -> Endings:
    return {}


@dataclass(frozen=True)
class Language:
    """One language's word forms.

    `inflect(alias)` gives the stems of an alias in this language, or () when the
    language does not inflect it (another script, an indeclinable word). The
    alias as written always matches; a stem need not repeat it.

    `acronym_endings(acronym)` gives the suffixes the language attaches to an
    acronym written in capitals, with or without a hyphen or an apostrophe
    (ՀԱՊԿ-ի, KTMT-nin, ЖККУнун).
    """

    code: str  # ISO 639-1: "hy"
    name: str  # in English: "Armenian"
    inflect: Callable[[str], tuple[Stem, ...]]
    acronym_endings: Callable[[str], Endings] = field(default=no_endings)
