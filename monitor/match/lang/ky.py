"""Kyrgyz word forms of aliases: Кыргызстан -> Кыргызстанда, Жапаров -> Жапаровго.

Four-way harmony with rounding, read from the last vowel:

  last vowel   low suffix vowel   high suffix vowel   e.g.
  а ы я        а                  ы                   Кыргызстанда, Россиянын
  о ё          о                  у                   Ошто, Жапаровдун
  у ю          а                  у                   Шойгуга, Шойгунун
  е э и        е                  и                   Бишкекте, Путиндин
  ө ү          ө                  ү                   Ысык-Көлдө, Үрүмчүнүн

(after у the low vowel stays а: Сокулуктагы, Майлуу-Суудагы). A suffix's first
consonant follows the sound before it: genitive and accusative н after a vowel,
д after a voiced consonant (в included: Лавровдун), т after a voiceless one;
dative г/к; locative and ablative д/т; plural л after a vowel, й or р, д after
another voiced consonant, т after a voiceless one. The instrumental менен,
often written apart, is given attached (Путинменен). Also the locative + -гы
relative (Бишкектеги, Оштогу, Ысык-Көлдөгү) and the plural with each case.

Russian surnames follow their written last vowel: Токаевдин, Ташиевдин,
Төрөбаевдин (front, as the treebank writes -ев), Лавровго (back, rounded),
Пашинянга. No Kyrgyz ending is -а, -ом or -е alone, so the woman's surname
(Алиева) and Russian case forms are not made; only the possessive -у/-ы/-и
after a Russian-spelled name spells its Russian dative or plural (Лаврову,
Мирзояны), which is the same name.

The 3rd person possessive is -ы/-и/-у/-ү, -сы... after a vowel; after it the
cases take the pronominal n: Республикасынын, Республикасына, Республикасын,
Республикасында, Республикасынан, Республикасындагы; a compound whose head
carries it (Кыргыз Республикасы, Лачин коридору, келишим уюму) takes those
forms; a final к п voices before the possessive's vowel (министрлиги).

Not forms: derived words (кыргызстандык, карабахтык, -чы, -ча).
"""

from __future__ import annotations

from monitor.match.lang import turkic

_V = "аеёиоөуүыэюя"
_VOICED = "бвгджзйлмнңр"

_PH = turkic.Phonology(
    vowels={
        **dict.fromkeys("аыя", 0),
        **dict.fromkeys("оё", 1),
        **dict.fromkeys("ую", 2),
        **dict.fromkeys("еэи", 3),
        **dict.fromkeys("өү", 4),
    },
    harmonic={"A": ("а", "о", "а", "е", "ө"), "I": ("ы", "у", "у", "и", "ү")},
    onsets={
        "N": ((_V, "н"), (_VOICED, "д"), ("", "т")),  # genitive, accusative
        "G": ((_V + _VOICED, "г"), ("", "к")),  # dative
        "D": ((_V + _VOICED, "д"), ("", "т")),  # locative, ablative
        "P": ((_V + "йр", "л"), (_VOICED, "д"), ("", "т")),  # plural
        "S": ((_V, "с"), ("", "")),  # possessive
    },
    default_class=3,
)

_CASES = (
    ("genitive", "NIн"),
    ("dative", "GA"),
    ("accusative", "NI"),
    ("locative", "DA"),
    ("ablative", "DAн"),
    ("instrumental", "менен"),
    ("locative + -гы (relative)", "DAгI"),
)

# After the 3rd person possessive the cases take the pronominal n.
_POSSESSED = (
    ("genitive", "нIн"),
    ("dative", "нA"),
    ("accusative", "н"),
    ("locative", "ндA"),
    ("ablative", "нAн"),
    ("instrumental", "менен"),
    ("locative + -гы (relative)", "ндAгI"),
)

_ALPHABET = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюя" + "ңөү")

GRAMMAR = turkic.Grammar(
    ph=_PH,
    alphabet=_ALPHABET,
    lower=str.lower,
    cases=_CASES,
    plural=("plural", "PAр"),
    possessive=("possessive", "SI"),
    possessed=_POSSESSED,
    possessive_vowels="ыиуү",
    # The possessive after a vowel, and after the plural (күчтөрү).
    possessive_marks=(
        "сы",
        "си",
        "су",
        "сү",
        *(c + v for c in "лдт" for v in ("ары", "ери", "ору", "өрү")),
    ),
    classes=lambda word: (_PH.last_class(word),),
    finals=lambda word: (None,),
    voicing={"к": "г", "п": "б"},
)


# Acronyms: ЖККУнун, ЖККУга, БУУнун, ИСЕСКОго; КМШнын or ИИМдин (a consonant: every series).
LANGUAGE = turkic.language("ky", "Kyrgyz", GRAMMAR)
