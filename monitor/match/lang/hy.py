"""Eastern Armenian word forms of aliases: "Ղարաբաղ" -> Ղարաբաղում, Մոսկվա -> Մոսկվայի.

Armenian inflects by suffixes on the last word of a phrase; the words before it
never change ("Լեռնային Ղարաբաղում", "Լաչինի միջանցքով"). A noun takes one case
ending (genitive and dative share -ի), optionally after the plural -ներ/-եր, and
the nominative and dative take the definite article -ը/-ն. Stem shapes:

* consonant-final (Հայաստան): -ը -ն -ի -ին -ից -ով -ում;
* -ա, -ո, -օ (Մոսկվա, Լուկաշենկո): a glide յ before a vowel: Մոսկվայի, Մոսկվայում;
* -ե (Կոբախիձե): no glide: Կոբախիձեի;
* -ի (Շուշի, Գյումրի): the regular -իի forms the press writes today and the
  old -ու declension of -ի nouns (Շուշու, Գյումրուց, Հայկունու);
* -ու (Բաքու, Շոյգու): ու becomes վ before a vowel in established words
  (Բաքվի, Բաքվում), while foreign names keep it (Շոյգուի): both are given;
* -ություն (Հանրապետություն, կազմակերպություն): the -ան genitive
  (Հանրապետության, կազմակերպությանը, -ությամբ);
* -ում verbal nouns (արձագանքում): the -ման genitive besides the regular forms;
* a few words drop a vowel of the last syllable (պայմանագիր -> պայմանագրի,
  Էջմիածին -> Էջմիածնի): a closed table, since most names never do (Լաչինի,
  Պուտինի).

Every stem also takes the plural (Փաշինյանները, Փաշինյանների) and, from two
syllables on, the possessive articles -ս/-դ (Հայաստանս, Երևանիս).

Derived words are never forms: adjectives (ղարաբաղյան, հայաստանյան,
ադրբեջանական), demonyms (ղարաբաղցի, երևանցի) and the woman's surname
(Ալիևա, Ալիևան: a man's surname never takes -ա) fall outside the endings.
The spelling և / եվ / եւ is folded by the matcher's normalisation.
"""

from __future__ import annotations

import re

from monitor.match.lang.base import Endings, Language, Stem

# An Armenian word: letters (with the ligature և) and the in-word marks ՛ ՜ ՞.
_ARMENIAN_WORD = re.compile(r"[\u0531-\u0556\u0560-\u0588\u055b\u055c\u055e]+")
# The last word of an alias and everything before it, kept as written.
_LAST_WORD = re.compile(r"^(.*?[\s\-\u2010-\u2015\u058a])?([^\s\-\u2010-\u2015\u058a]+)$", re.S)
_VOWELS = frozenset("աեէըիոօ")

_CASES: dict[str, str] = {
    "ի": "genitive",  # genitive and dative are one form
    "ին": "dative + definite",
    "ից": "ablative",
    "ով": "instrumental",
    "ում": "locative",
}
# The same after a stem in -ա/-ո/-օ: the glide յ is written before the vowel.
_GLIDE_CASES: dict[str, str] = {"յ" + e: rule for e, rule in _CASES.items()}
_DEFINITE_AFTER_CONSONANT: dict[str, str] = {"ը": "definite", "ն": "definite"}
_DEFINITE_AFTER_VOWEL: dict[str, str] = {"ն": "definite"}


def _plural(marker: str) -> dict[str, str]:
    """The plural marker alone, with its article and with every case."""
    forms = {marker: "plural", marker + "ը": "plural + definite", marker + "ն": "plural + definite"}
    forms.update({marker + e: "plural + " + rule for e, rule in _CASES.items()})
    return forms


_PLURAL_NER = _plural("ներ")  # words of two syllables or more
_PLURAL_ER = _plural("եր")  # words of one syllable, and compounds ending in one
# Possessive articles (Հայաստանս "my Armenia", Երևանիս): only on words of two
# syllables or more, so that a short name plus -ս is not read into another name.
_POSSESSIVE: dict[str, str] = {"ս": "possessive (my)", "դ": "possessive (your)"}
_GENITIVE_POSSESSIVE: dict[str, str] = {"իս": "genitive + possessive (my)"}

# -ի nouns of the old -ու declension: Շուշու, Գյումրուն, Գյումրուց, and the
# instrumental and locative on the same cut stem (հոգով, զբոսայգում).
_U_DECLENSION: dict[str, str] = {
    "ու": "genitive",
    "ուն": "dative + definite",
    "ուց": "ablative",
    "ով": "instrumental",
    "ում": "locative",
}
# -ություն: the genitive -ության, its dative with the article, the instrumental
# -ությամբ; all on the stem cut before -ուն.
_AN_DECLENSION: dict[str, str] = {
    "ան": "genitive",
    "անը": "dative + definite",
    "անն": "dative + definite",
    "ամբ": "instrumental",
}
# -ում verbal nouns: արձագանքման, որոշմամբ; on the stem cut before -ում.
_MAN_DECLENSION: dict[str, str] = {
    "ման": "genitive",
    "մանը": "dative + definite",
    "մանն": "dative + definite",
    "մամբ": "instrumental",
}

# Words that drop the vowel of their last syllable before a vowel-initial case
# ending: last letters of the word -> (the oblique stem's last letters, whether
# the plural is built on the oblique stem too, the plural marker).
_SYNCOPE: dict[str, tuple[str, bool, str]] = {
    "էջմիածին": ("էջմիածն", False, "ներ"),
    "երկիր": ("երկր", True, "ներ"),  # երկրներ; also the magazine "Երկիր"
    "խորհուրդ": ("խորհրդ", False, "ներ"),  # Անվտանգության խորհուրդ; խորհուրդներ
    "գիր": ("գր", True, "եր"),  # պայմանագիր, համաձայնագիր: պայմանագրեր
}
# Irregular words: every form, spelled out (the White House: Սպիտակ տուն).
_IRREGULAR: dict[str, dict[str, str]] = {
    "տուն": {
        "տունը": "definite",
        "տունն": "definite",
        "տան": "genitive",
        "տանը": "dative + definite",
        "տնից": "ablative",
        "տնով": "instrumental",
        "տնում": "locative",
        **{"տն" + e: rule for e, rule in _PLURAL_ER.items()},
    },
}
# Classical genitives kept in set names (Սևանա լիճ, Սյունյաց աշխարհ).
# Folded word -> (letters dropped from its end, the ending that replaces them).
_ARCHAIC_GENITIVE: dict[str, tuple[int, str]] = {"սեվան": (0, "ա"), "սյունիք": (2, "յաց")}


def _fold(word: str) -> str:
    """Lower case with և / եւ as եվ, for looking words up in the tables."""
    return word.lower().replace("և", "եվ").replace("եւ", "եվ")


def _syllables(word: str) -> int:
    low = _fold(word).replace("ու", "ա")
    return sum(ch in _VOWELS for ch in low)


def _cased(text: str, like: str) -> str:
    """Write a table's letters in the case of the word they replace (ԲԱՔՈՒ -> ԲԱՔՎ)."""
    return text.upper() if like.isupper() and len(like) > 1 else text


def _is_acronym(word: str) -> bool:
    return word.isupper() and len(word) <= 5


def _regular(word: str) -> dict[str, str]:
    """The endings a word takes on its written shape, chosen by its last sound."""
    low = _fold(word)
    many = _syllables(word) > 1
    endings: dict[str, str] = {}
    if low.endswith(("ա", "ո", "օ")):
        endings.update(_DEFINITE_AFTER_VOWEL)
        endings.update(_GLIDE_CASES)
        if many:
            endings["յիս"] = "genitive + possessive (my)"
    elif low.endswith(("ե", "է", "ի", "ու", "ը")):
        endings.update(_DEFINITE_AFTER_VOWEL)
        endings.update(_CASES)
        if many:
            endings.update(_GENITIVE_POSSESSIVE)
    else:
        endings.update(_DEFINITE_AFTER_CONSONANT)
        endings.update(_CASES)
        if many:
            endings.update(_GENITIVE_POSSESSIVE)
    # -ներ after two syllables or more, -եր after one; but compounds whose last
    # part is one syllable take -եր (զբոսավայրեր), which the letters do not show
    endings.update(_PLURAL_NER)
    endings.update(_PLURAL_ER)
    if many:
        endings.update(_POSSESSIVE)
    return endings


def _word_stems(head: str, word: str) -> list[Stem]:
    """The stems of the phrase `head + word`, where only `word` inflects."""
    low = _fold(word)
    if low in _IRREGULAR:
        forms = _IRREGULAR[low]
        cut = len(_common_prefix(list(forms)))
        return [Stem(head + word[:cut], {f[cut:]: r for f, r in forms.items()})]
    for tail, (oblique, plural_oblique, marker) in _SYNCOPE.items():
        if low.endswith(tail) and (low == tail or len(low) > len(tail) + 2):
            same = len(_common_prefix([tail, oblique]))
            kept = word[: len(word) - len(tail) + same]  # the word's own letters, in its case
            full: dict[str, str] = {**_DEFINITE_AFTER_CONSONANT, **_POSSESSIVE}
            obl = dict(_CASES)
            (obl if plural_oblique else full).update(_plural(marker))
            return [Stem(head + word, full), Stem(head + kept + _cased(oblique[same:], word), obl)]
    stems = [Stem(head + word, _regular(word))]
    if low.endswith("ություն"):
        stems = [Stem(head + word, _without(_regular(word), "ի", "ին", "ով", "իս"))]
        stems.append(Stem(head + word[:-3], _AN_DECLENSION))
    elif low.endswith("ում") and len(low) > 5:
        stems.append(Stem(head + word[:-3], _MAN_DECLENSION))
    elif low.endswith("ի") and len(low) > 3:  # not on short names: Ալի is not Ալում
        stems.append(Stem(head + word[:-1], _U_DECLENSION))
    elif low.endswith("ու") and len(low) > 3 and low[-3] not in _VOWELS:
        # Բաքու -> Բաքվի, լեզու -> լեզվի: ու becomes վ before a vowel
        vstem = word[:-2] + _cased("վ", word)
        stems.append(Stem(head + vstem, _CASES))
    if low in _ARCHAIC_GENITIVE:
        drop, ending = _ARCHAIC_GENITIVE[low]
        stems.append(Stem(head + word[: len(word) - drop], {ending: "archaic genitive"}))
    return stems


def _without(endings: dict[str, str], *drop: str) -> dict[str, str]:
    return {e: r for e, r in endings.items() if e not in drop}


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def inflect(alias: str) -> tuple[Stem, ...]:
    """The stems of an Armenian alias; () for another script or a bare acronym."""
    match = _LAST_WORD.match(alias.strip())
    if match is None:
        return ()
    head, word = match.group(1) or "", match.group(2)
    if not _ARMENIAN_WORD.fullmatch(word):
        return ()
    if _is_acronym(word):
        if not head:
            return ()  # the matcher attaches acronym_endings itself
        # "Արցախի ԱԺ-ում": the acronym's endings, attached or after a hyphen
        endings = acronym_endings(word)
        both = {**endings, **{"-" + e: r for e, r in endings.items()}}
        return (Stem(head + word, both),)
    return tuple(_word_stems(head, word))


_ACRONYM: dict[str, str] = {
    **_DEFINITE_AFTER_CONSONANT,
    **_CASES,
    **_PLURAL_ER,  # ՀԷԿ-եր, ԲՈՒՀ-եր
    **_PLURAL_NER,  # ՀԿ-ներ
}
# After a vowel letter read as a vowel (ՆԱՏՕ, ՕՀԱ) the glide may be written too.
_ACRONYM_GLIDE: dict[str, str] = {**_ACRONYM, **_GLIDE_CASES}


def acronym_endings(acronym: str) -> Endings:
    """Suffixes written after an acronym: ՀԱՊԿ-ի, ՀԱՊԿ-ում, ՆԱՏՕ-ն, ԱՄՆ-ը.

    Whether an acronym takes -ը or -ն follows how it is read (ՀԱՊԿ "hapk",
    ԱՄՆ letter by letter), which the letters do not tell: both are allowed.
    """
    return _ACRONYM_GLIDE if acronym[-1:].lower() in ("ա", "ո", "օ") else _ACRONYM


LANGUAGE = Language(code="hy", name="Armenian", inflect=inflect, acronym_endings=acronym_endings)
