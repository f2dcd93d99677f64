"""Azerbaijani word forms of aliases: Qarabağ -> Qarabağda, Əliyev -> Əliyevin.

Suffixes follow the last vowel of the word. Two-way harmony (a after a ı o u,
ə after e ə i ö ü) gives the dative -a/-ə, locative -da/-də, ablative -dan/-dən,
instrumental -la/-lə, plural -lar/-lər; four-way harmony (ı after a ı, u after
o u, i after e ə i, ü after ö ü) the genitive -ın/-in/-un/-ün, accusative and
possessive -ı/-i/-u/-ü and the predicative -dır/-dir/-dur/-dür. After a vowel
a buffer consonant comes in: genitive and accusative n (Bakının, Şoyqunu),
dative and instrumental y (Moskvaya, Xankəndiylə), possessive s. The
locative, ablative and plural keep d and l after every sound (Qarabağda,
Laçından). Also given: the locative + -ki relative (Qarabağdakı, Bakıdakı),
the fused predicative (Qarabağ Azərbaycandır), the plural with each case, and
the 3rd person possessive with its case forms.

A compound whose head carries the possessive (Laçın dəhlizi, sülh müqaviləsi,
Azərbaycan Respublikası) takes the case forms of the possessive, with the
pronominal n: dəhlizinin, dəhlizinə, dəhlizini, dəhlizində, dəhlizindən,
dəhliziylə, dəhlizindəki.

Russian surnames follow their written last vowel, as the press writes them:
Əliyev, Tokayev and Hacıyev are front (Əliyevə, Əliyevin), so the woman's
surname Əliyeva is never a form of the man's. A back surname in -ov takes the
dative -a, which is also the woman's nominative (Lavrova, Bayramova): that
ending is marked feminine for the matcher to weigh.

Not forms: derived words with -lı/-li (Qarabağlı, azərbaycanlı), -çı, -ca.
The matcher folds ı to i, ö to o and ü to u, so the four-way series meet there;
the tables still write each as the language does.
"""

from __future__ import annotations

import string

from monitor.match.lang import turkic
from monitor.match.lang.base import Endings

_VOWELS = "aıoueəiöü"

_PH = turkic.Phonology(
    vowels={"a": 0, "ı": 0, "o": 1, "u": 1, "e": 2, "ə": 2, "i": 2, "ö": 3, "ü": 3},
    harmonic={"A": ("a", "a", "ə", "ə"), "I": ("ı", "u", "i", "ü")},
    onsets={
        # The buffer consonants, written only after a vowel.
        "N": ((_VOWELS, "n"), ("", "")),
        "Y": ((_VOWELS, "y"), ("", "")),
        "S": ((_VOWELS, "s"), ("", "")),
    },
    default_class=2,
    transparent="'",
)

_CASES = (
    ("genitive", "NIn"),
    ("dative", "YA"),
    ("accusative", "NI"),
    ("locative", "dA"),
    ("ablative", "dAn"),
    ("instrumental", "YlA"),
    ("locative + -ki (relative)", "dAkI"),
    ("predicative", "dIr"),
    ("genitive + predicative", "NIndIr"),
    ("locative + predicative", "dAdIr"),
)

# After the 3rd person possessive the oblique cases take the pronominal n.
_POSSESSED = (
    ("genitive", "nIn"),
    ("dative", "nA"),
    ("accusative", "nI"),
    ("locative", "ndA"),
    ("ablative", "ndAn"),
    ("instrumental", "YlA"),
    ("locative + -ki (relative)", "ndAkI"),
    ("predicative", "dIr"),
)

# Russian surnames in -ov take the dative -a, which is a woman's surname (Lavrova,
# Bayramova); -ev and -in are front (Əliyevə, Putinə) and never take it.
_SURNAME_FINALS = ("ov", "ev")

_ALPHABET = frozenset(string.ascii_lowercase + "çəğıöşü" + "âéèêëîïôûäñ")


def _lower(text: str) -> str:
    # Azerbaijani I is the capital of ı, İ that of i.
    return text.replace("I", "ı").replace("İ", "i").lower()


def _feminine(word: str, ends: Endings) -> frozenset[str]:
    return frozenset({"a"}) if "a" in ends and word.endswith(_SURNAME_FINALS) else frozenset()


GRAMMAR = turkic.Grammar(
    ph=_PH,
    alphabet=_ALPHABET,
    lower=_lower,
    cases=_CASES,
    plural=("plural", "lAr"),
    possessive=("possessive", "SI"),
    possessed=_POSSESSED,
    possessive_vowels="ıiuü",
    possessive_marks=("sı", "si", "su", "sü", "ları", "ləri"),
    classes=lambda word: (_PH.last_class(word),),
    finals=lambda word: (None,),
    feminine=_feminine,
)


# Acronyms: KTMT-nin, KTMT-yə (letter names), ATƏT-in, ATƏT-ə (read as a word), NATO-nun.
LANGUAGE = turkic.language("az", "Azerbaijani", GRAMMAR)
