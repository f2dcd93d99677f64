"""Georgian word forms of aliases: ალიევი -> ალიევმა, ბაქო -> ბაქოდან, ერევანი -> ერევნის.

Georgian inflects the last word of a phrase by suffixes, and writes the
postpositions -ში, -ზე, -თან, -თვის, -კენ, -გან, -დან, -მდე, -ვით fused to the
case they govern (dative ყარაბაღში, genitive რუსეთისთვის, instrumental
თბილისიდან, adverbial თბილისამდე). Stem shapes:

* consonant stems (ალიევი, რუსეთი): the nominative -ი drops before every other
  ending: ალიევმა, ალიევს, ალიევის, ალიევით, ალიევად, ალიევო;
* -ო and -უ stems (ბაქო, ნატო, შოიგუ) never change: -მ, -ს, -თი, -დ;
* -ა and -ე stems (ორგანიზაცია, კობახიძე) keep the vowel before -მ, -ს, -დ and
  drop it before -ის and -ით (ორგანიზაციის, კობახიძით). Personal names keep it
  (ზახაროვას, არისტოტელეს), so both shapes are given, except for a
  first name + Russian-style woman's surname (მარია ზახაროვა), where the cut
  shape would be the man's genitive (ზახაროვის);
* -ი after a consonant may also be a vowel stem (გიორგიმ, ჰელსინკიში): its
  vowel-stem forms are given too; -ი after a vowel is one (სერგეიმ);
* syncope: a last syllable -ალ/-ან/-არ/-ელ/-ენ/-ერ/-ოლ/-ონ/-ორ after a consonant
  may lose its vowel before -ის, -ით, -ად and the plural (ერევანი -> ერევნის,
  დერეფანი -> დერეფნის, ქვეყანა -> ქვეყნის). Which names do is lexical
  (ერევნის but აზერბაიჯანის), so both shapes are given: the cut shapes of
  names that keep the vowel are not words.

The long forms before a conjunction (რუსეთისა და სომხეთის, რუსეთსა და...),
the clitics -ც "also" (ალიევმაც, ბაქოშიც) and -ა "is" (ყარაბაღია, ბაქოშია),
the plural -ებ-, and the bare consonant stem that begins a compound
(სომხეთ-აზერბაიჯანის, ალიევ-ფაშინიანის) are endings too. Attributive
adjectives (and nouns in apposition) before the head agree (მთიანმა
ყარაბაღმა, მთიან ყარაბაღში, მთიანი ყარაბაღის); genitives
before it do not change (კოლექტიური უსაფრთხოების ხელშეკრულების ორგანიზაციამ).
A name in quotes („ყარაბაღი“) inflects inside them („ყარაბაღმა“).
Derived words are not forms: demonyms and adjectives (ყარაბაღელი, ერევნელი,
აზერბაიჯანული), and the woman's surname ალიევა (a man's consonant stem never
takes a bare -ა: his "is" form is ალიევია).
"""

from __future__ import annotations

import re

from monitor.match.lang.base import Endings, Language, Stem

# Mkhedruli letters, and Mtavruli capitals (headlines), which lower() folds.
_GEORGIAN_WORD = r"[\u10d0-\u10ff\u1c90-\u1cbf]+(?:-[\u10d0-\u10ff\u1c90-\u1cbf]+)*"
# The last word, possibly in the quotes the press puts round the names of clubs,
# parties and firms („ყარაბაღი“): the stem keeps the opening quote, and the
# ending, inside the quotes („ყარაბაღმა“), ends the word.
_HEAD = re.compile(f"([„«\"']?)({_GEORGIAN_WORD})([“”»\"']?)")
_VOWELS = frozenset("აეიოუ")
_SYNCOPE_VOWELS = frozenset("აეო")
_SYNCOPE_CODAS = frozenset("ლნრ")
# A first name + one of these is a woman's surname (Russian -ова/-ева/-ина, -ая):
# it keeps its -ა before -ის/-ით (ზახაროვას), and the cut shape is a man's name.
_WOMANS_SURNAME = re.compile(r"(?:ოვა|ევა|ინა|აია)$")

# A row: (ending, rule, cases). The cases (n e d g i a v: nominative, ergative,
# dative, genitive, instrumental, adverbial, vocative) pick the shape of an
# adjective before the head and the endings a syncopated stem takes.
Row = tuple[str, str, str]

# After a consonant stem (ალიევ-, რუსეთ-) and after the cut shape of -ა/-ე stems.
_CONSONANT: tuple[Row, ...] = (
    ("ი", "nominative", "n"),
    ("ივით", "-ვით (like)", "n"),
    ("მა", "ergative", "e"),
    ("ს", "dative", "d"),
    ("სა", "dative (long form)", "d"),
    ("ში", "dative + -ში (in)", "d"),
    ("ზე", "dative + -ზე (on)", "d"),
    ("თან", "dative + -თან (at, with)", "d"),
    ("ის", "genitive", "g"),
    ("ისა", "genitive (long form)", "g"),
    ("ისთვის", "genitive + -თვის (for)", "g"),
    ("ისათვის", "genitive + -თვის (for)", "g"),
    ("ისკენ", "genitive + -კენ (towards)", "g"),
    ("ისაკენ", "genitive + -კენ (towards)", "g"),
    ("ისგან", "genitive + -გან (from)", "g"),
    ("ისაგან", "genitive + -გან (from)", "g"),
    ("ისადმი", "genitive + -ადმი (towards)", "g"),
    ("ით", "instrumental", "i"),
    ("ითა", "instrumental (long form)", "i"),
    ("იდან", "instrumental + -დან (from)", "i"),
    ("ად", "adverbial", "a"),
    ("ადა", "adverbial (long form)", "a"),
    ("ამდე", "adverbial + -მდე (up to)", "a"),
    ("ო", "vocative", "v"),
)
# The endings a cut -ა/-ე stem takes (ორგანიზაცი-ის, კობახიძ-ით).
_CUT: tuple[Row, ...] = tuple(r for r in _CONSONANT if r[2] in "gi")
# The endings a syncopated stem takes (ერევნ-ის, ერევნ-ით, მიზნ-ად).
_SYNCOPATED: tuple[Row, ...] = tuple(r for r in _CONSONANT if r[2] in "gia")

# After a vowel stem (ბაქო-, შოიგუ-, ორგანიზაცია-): genitive and dative are one -ს.
_VOWEL: tuple[Row, ...] = (
    ("", "nominative", "n"),
    ("მ", "ergative", "e"),
    ("ს", "genitive / dative", "dg"),
    ("სა", "genitive / dative (long form)", "dg"),
    ("ში", "dative + -ში (in)", "d"),
    ("ზე", "dative + -ზე (on)", "d"),
    ("სთან", "dative + -თან (at, with)", "d"),
    ("სთვის", "genitive + -თვის (for)", "g"),
    ("სათვის", "genitive + -თვის (for)", "g"),
    ("სკენ", "genitive + -კენ (towards)", "g"),
    ("საკენ", "genitive + -კენ (towards)", "g"),
    ("სგან", "genitive + -გან (from)", "g"),
    ("საგან", "genitive + -გან (from)", "g"),
    ("სადმი", "genitive + -ადმი (towards)", "g"),
    ("სავით", "-ვით (like)", "g"),
    ("თი", "instrumental", "i"),
    ("დან", "instrumental + -დან (from)", "i"),
    ("დ", "adverbial", "a"),
    ("მდე", "adverbial + -მდე (up to)", "a"),
)

# The plural -ებ- is a consonant stem of its own, with every case (ქვეყნებში, ბანკებისა).
_PLURAL: tuple[Row, ...] = tuple(
    ("ებ" + e, "plural" if e == "ი" else "plural + " + rule, cases) for e, rule, cases in _CONSONANT
)
# The bare consonant stem is the first part of a compound (სომხეთ-აზერბაიჯანის,
# ალიევ-ფაშინიანის შეხვედრა) and a first name before a surname.
_BARE: tuple[Row, ...] = (("", "stem (first part of a compound)", "n"),)


def _with_clitics(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    """The rows and their forms with -ც "also" and -ა "is" (on the nominative and
    the -ში/-ზე forms: ბაქოშია "is in Baku")."""
    out = list(rows)
    for ending, rule, cases in rows:
        if cases == "v":
            continue
        # -ც follows a vowel; after a consonant the long form's -ა comes first.
        also = ending + "ც" if ending[-1:] in _VOWELS or not ending else ending + "აც"
        out.append((also, rule + " + -ც (also)", cases))
        if (cases == "n" and not ending.endswith("ვით")) or ending.endswith(("ში", "ზე")):
            out.append((ending + "ა", rule + " + -ა (is)", cases))
    return tuple(out)


class _Table:
    """Rows as the matcher takes them: all endings, and those of each case letter
    (what an agreeing adjective's shape needs), built once and shared by every
    stem (plain dicts, picklable; nobody writes to them)."""

    def __init__(self, rows: tuple[Row, ...]) -> None:
        self.rows = rows
        self.endings: Endings = {e: r for e, r, _ in reversed(rows)}
        self._by_cases: dict[str, Endings] = {}

    def of_cases(self, letters: str) -> Endings:
        """The endings of rows in any of the cases `letters`."""
        if letters not in self._by_cases:
            self._by_cases[letters] = {
                e: r for e, r, c in reversed(self.rows) if set(c) & set(letters)
            }
        return self._by_cases[letters]


_CONSONANT_ALL = _Table(_BARE + _with_clitics(_CONSONANT + _PLURAL))
_CUT_ALL = _Table(_with_clitics(_CUT + _PLURAL))  # ქვეყნები: -ა drops before the plural
_CUT_E_ALL = _Table(_with_clitics(_CUT))  # მდინარეები: -ე stays
_SYNCOPATED_ALL = _Table(_with_clitics(_SYNCOPATED + _PLURAL))
_VOWEL_ALL = _Table(_with_clitics(_VOWEL))
_VOWEL_PLURAL_ALL = _Table(_with_clitics(_VOWEL + _PLURAL))


def _syncopated(stem: str) -> str | None:
    """ერევან -> ერევნ: the stem without the vowel of its last syllable, when that
    syllable is consonant + ა/ე/ო + ლ/ნ/რ and another vowel comes before it."""
    low = stem.lower()
    if (
        len(low) >= 4
        and low[-1] in _SYNCOPE_CODAS
        and low[-2] in _SYNCOPE_VOWELS
        and low[-3] not in _VOWELS
        and any(c in _VOWELS for c in low[:-3])
    ):
        return stem[:-2] + stem[-1]
    return None


def _head_stems(word: str, person: bool) -> list[tuple[str, _Table]]:
    """The stems of the inflecting word and the rows each takes."""
    low = word.lower()
    last = low[-1]
    out: list[tuple[str, _Table]] = []
    if last == "ი" and len(low) > 1 and low[-2] not in _VOWELS:
        stem = word[:-1]
        out.append((stem, _CONSONANT_ALL))
        out.append((word, _VOWEL_ALL))  # გიორგიმ, ჰელსინკიში
    elif last in _VOWELS:
        if last in "აე" and not person and len(low) > 2:
            cut = word[:-1]
            out.append((cut, _CUT_ALL if last == "ა" else _CUT_E_ALL))
            if last == "ა":
                short = _syncopated(cut)  # ქვეყანა -> ქვეყნის
                if short:
                    out.append((short, _SYNCOPATED_ALL))
        out.append((word, _VOWEL_PLURAL_ALL if last in "ეოუ" else _VOWEL_ALL))
        return out
    else:  # a word written without the nominative -ი: the bare consonant stem
        stem = word
        out.append((stem, _CONSONANT_ALL))
    short = _syncopated(stem)
    if short:
        out.append((short, _SYNCOPATED_ALL))
    return out


def _is_adjective(word: str) -> bool:
    """A word before the head that may agree with it: a consonant stem in -ი
    (მთიანი, ახალი). First names of that shape (დმიტრი) get harmless extra forms."""
    low = word.lower()
    return len(low) > 2 and low.endswith("ი") and low[-2] not in _VOWELS and low != "და"


def _adjective_shapes(words: list[str]) -> list[tuple[str, str]]:
    """(cases, the words before the head as written in them) for the cases in which an
    agreeing adjective differs from its nominative: ergative მთიანმა, dative and
    adverbial მთიან, vocative მთიანო. Empty when no word before the head agrees."""
    k = len(words)
    while k > 0 and _is_adjective(words[k - 1]):
        k -= 1
    if k == len(words):
        return []
    fixed, agreeing = words[:k], words[k:]
    return [
        (cases, " ".join(fixed + [w[:-1] + suffix for w in agreeing]))
        for cases, suffix in (("e", "მა"), ("da", ""), ("v", "ო"))
    ]


def inflect(alias: str) -> tuple[Stem, ...]:
    words = alias.split()
    quoted = _HEAD.fullmatch(words[-1]) if words else None
    if not quoted:
        return ()
    opening, head, _ = quoted.groups()
    before = words[:-1]
    person = (
        len(words) == 2
        and _WOMANS_SURNAME.search(head.lower()) is not None
        and not _is_adjective(before[0])
    )
    plain = " ".join([*before, opening]) if before else opening
    shapes = [(cases, prefix + " " + opening) for cases, prefix in _adjective_shapes(before)]
    out: list[Stem] = []
    for stem, table in _head_stems(head, person):
        # The words before the head as written take every ending (first names,
        # genitives, and an adjective's nominative = genitive = instrumental).
        out.append(Stem(plain + stem, table.endings))
        for cases, prefix in shapes:
            if endings := table.of_cases(cases):
                out.append(Stem(prefix + stem, endings))
    return tuple(out)


# A capital acronym read with a final vowel takes the vowel-stem endings (NATO-ს,
# ᲙᲣᲮᲝ-ში), one read with a final consonant the consonant-stem ones without the
# nominative -ი (ᲡᲣᲡ-ის, ᲡᲣᲡ-მა). How a Latin or Cyrillic acronym's last letter is
# read (ОДКБ-ც, OSCE-ს) is not knowable from its spelling: both series are given.
_ACRONYM_VOWEL: dict[str, str] = {e: r for e, r in _VOWEL_ALL.endings.items() if e}
_ACRONYM_CONSONANT: dict[str, str] = {
    e: r for e, r, c in _with_clitics(_CONSONANT) if c not in "nv" and not e.startswith("ი")
}
_ACRONYM_CONSONANT.update({e: r for e, r, c in _with_clitics(_CUT)})


def acronym_endings(acronym: str) -> Endings:
    last = acronym.rstrip(".")[-1:].lower()
    if not last:
        return {}
    if "\u10d0" <= last <= "\u10ff":
        return _ACRONYM_VOWEL if last in _VOWELS else _ACRONYM_CONSONANT
    return {**_ACRONYM_CONSONANT, **_ACRONYM_VOWEL}


LANGUAGE = Language(code="ka", name="Georgian", inflect=inflect, acronym_endings=acronym_endings)
