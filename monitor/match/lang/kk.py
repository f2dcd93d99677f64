"""Kazakh word forms of aliases: Тоқаев -> Тоқаевтың, Астана -> Астанада.

Two-way harmony: a suffix takes а/ы after a back vowel (а о ұ ы у я) and е/і
after a front one (ә е э і ө ү и). Its first consonant follows the sound before
it:

* genitive -ның/-нің after a vowel or м н ң (Астананың, Қазақстанның, Путиннің),
  -дың/-дің after ж з л р й у (Ресейдің), -тың/-тің after the rest, where the
  loanword stops б в г д count as voiceless (Тоқаевтың, Лавровтың);
* accusative -ны/-ні after a vowel, -ды/-ді after м н ң ж з л р й у, else -ты/-ті;
* dative -ға/-ге after a vowel or a voiced sound, -қа/-ке after the rest
  (Қарабаққа, Тоқаевқа, Путинге); ғ and қ are written before back vowels only;
* locative -да/-де or -та/-те, and the relative -дағы/-дегі/-тағы/-тегі;
* ablative -дан/-ден, -нан/-нен after м н ң (Қазақстаннан), -тан/-тен;
* instrumental -мен, -бен after ж з, -пен after a voiceless sound (Тоқаевпен);
* plural -лар/-лер after a vowel or р й у, -дар/-дер after л м н ң ж з, else -тар/-тер.

The 3rd person possessive is -ы/-і, -сы/-сі after a vowel; after it the cases
take the pronominal n: Республикасының, Республикасына, Республикасын,
Республикасында, Республикасынан, Республикасымен, Республикасындағы. A
compound whose head carries it (Қазақстан Республикасы, Лачин дәлізі, шарт
ұйымы) takes those forms; a final к қ п voices before the possessive's vowel
(Қарабақ -> Қарабағы).

Harmony of names: a word with Kazakh letters follows its last vowel, where
-ев after a vowel follows that vowel (Тоқаевқа, Назарбаевқа, but Әлиевке), и
and у may also follow the vowel before them (Мұқағалидың, Ибраһимді: both), and
у after a vowel is the glide w (Мәскеуге). A name in Russian spelling is front
after a front last vowel (Путинге, Алиевке, Черняевтің); after a back one the
press mostly goes back (Лавровқа, Пашинянға) while much text goes front
(Александрдің, Петербургке in the treebank): both are given. A final у or и
after a consonant may be a vowel or the glides уw, ій: both genitive and
accusative spellings are given (Шойгуның, Шойгудың).

No Kazakh ending is -а, -у, -ом or -е alone, so no Russian case form of another
word is made; the possessive -ы after a Russian-spelled surname spells its
Russian plural (Лавровы), which is the same name.

Not forms: derived words (қазақстандық, ресейлік, -шы, -ша).
"""

from __future__ import annotations

import re

from monitor.match.lang import turkic

_V = "аәеёиоөұүыіэюя"  # vowels, but у, which after a vowel is a glide
_SONORANT = "мнңжзлрйу"
_BACK = "аоұыуяё"
_FRONT = "әеэіөүию"

_VELAR = re.compile(r"[гк](?=[аоұы])")


def _fix(ending: str) -> str:
    # Kazakh writes the back velars ғ қ before a back vowel.
    return _VELAR.sub(lambda m: "ғ" if m.group() == "г" else "қ", ending)


_PH = turkic.Phonology(
    vowels={**dict.fromkeys(_BACK, 0), **dict.fromkeys(_FRONT, 1)},
    harmonic={"A": ("а", "е"), "I": ("ы", "і")},
    onsets={
        "N": ((_V + "мнң", "н"), ("жзлрйу", "д"), ("", "т")),  # genitive
        "D": ((_V, "н"), (_SONORANT, "д"), ("", "т")),  # accusative
        "G": ((_V + _SONORANT, "г"), ("", "к")),  # dative
        "L": ((_V + _SONORANT, "д"), ("", "т")),  # locative
        "B": ((_V + "жзлрйу", "д"), ("мнң", "н"), ("", "т")),  # ablative
        "M": ((_V + "мнңлрйу", "м"), ("жз", "б"), ("", "п")),  # instrumental
        "P": ((_V + "рйу", "л"), ("лмнңжз", "д"), ("", "т")),  # plural
        "S": ((_V, "с"), ("", "")),  # possessive
    },
    default_class=0,
    fix=_fix,
)

_CASES = (
    ("genitive", "NIң"),
    ("dative", "GA"),
    ("accusative", "DI"),
    ("locative", "LA"),
    ("ablative", "BAн"),
    ("instrumental", "Mен"),
    ("locative + -ғы (relative)", "LAгI"),
)

# After the 3rd person possessive the cases take the pronominal n.
_POSSESSED = (
    ("genitive", "нIң"),
    ("dative", "нA"),
    ("accusative", "н"),
    ("locative", "ндA"),
    ("ablative", "нAн"),
    ("instrumental", "мен"),
    ("locative + -ғы (relative)", "ндAгI"),
)

_KAZAKH = frozenset("әғқңөұүһі")
_ALPHABET = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя") | _KAZAKH
# -ев after a vowel: the harmony of that vowel (Тоқаев, Әлиев).
_EV = re.compile(r"([аәеёиоөұүыіэюяу])[её]в$")


def _vowels(word: str) -> str:
    """The vowels that carry harmony: у after a vowel is the glide w (Мәскеу)."""
    return "".join(
        c
        for i, c in enumerate(word)
        if c in _PH.vowels and not (c == "у" and word[i - 1 : i] in _PH.vowels)
    )


def _classes(word: str) -> tuple[int | None, ...]:
    vowels = _vowels(word)
    if not vowels:
        return (0, 1)
    if _KAZAKH.isdisjoint(word):
        # A name in Russian spelling: front after a front vowel (Путинге, Черняевтің);
        # after a back one the press mostly goes back (Лавровқа) but much text goes
        # front (Александрдің, Петербургке): both.
        return (1,) if vowels[-1] in "еэиюё" else (0, 1)
    m = _EV.search(word)
    if m:
        return (_PH.vowels[m.group(1)],)
    if vowels[-1] in "иу" and len(vowels) > 1:
        # и (ый/ій) and у (ұу/үу) may take the harmony of the word (Мұқағалидың)
        # or their own (Ибраһимді).
        return tuple(sorted({_PH.vowels[vowels[-2]], _PH.vowels[vowels[-1]]}))
    if vowels[-1] == "ю" or word.endswith("ь"):
        return (0, 1)
    return (_PH.vowels[vowels[-1]],)


def _finals(word: str) -> tuple[str | None, ...]:
    # Final у and и: a vowel in loanwords (Шойгуның), a glide in Kazakh (судың).
    if word.endswith("у") and word[-2:-1] not in _PH.vowels:
        return (None, "а")
    if word.endswith("и"):
        return (None, "й")
    return (None,)


GRAMMAR = turkic.Grammar(
    ph=_PH,
    alphabet=_ALPHABET,
    lower=str.lower,
    cases=_CASES,
    plural=("plural", "PAр"),
    possessive=("possessive", "SI"),
    possessed=_POSSESSED,
    possessive_vowels="ыі",
    # The possessive after a vowel, and after the plural (күштері).
    possessive_marks=("сы", "сі", *(c + v for c in "лдт" for v in ("ары", "ері"))),
    classes=_classes,
    finals=_finals,
    voicing={"қ": "ғ", "к": "г", "п": "б"},
)


# Acronyms: ҰҚШҰ-ның, ҰҚШҰ-ға, БҰҰ-да; АҚШ-тың or ТМД-ның (a consonant: every series).
LANGUAGE = turkic.language("kk", "Kazakh", GRAMMAR)
