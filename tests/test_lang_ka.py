"""Georgian word forms, tested as tables: no matcher, no normalisation."""

from __future__ import annotations

import time
from functools import partial

import pytest

from monitor.match.lang.ka import LANGUAGE
from tests.support.forms import forms_of

forms = partial(forms_of, LANGUAGE)


def rules(alias: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in LANGUAGE.inflect(alias):
        for e, r in s.endings.items():
            out.setdefault(s.text + e, r)
    return out


@pytest.mark.parametrize(
    ("alias", "form"),
    [
        # consonant stems: the nominative -ი drops before every other ending
        ("ალიევი", "ალიევმა"),
        ("ალიევი", "ალიევს"),
        ("ალიევი", "ალიევის"),
        ("ალიევი", "ალიევით"),
        ("ალიევი", "ალიევად"),
        ("ალიევი", "ალიევო"),
        ("ალიევი", "ალიევთან"),
        ("ალიევი", "ალიევ"),  # first part of a compound: ალიევ-ფაშინიანის
        ("ყარაბაღი", "ყარაბაღში"),
        ("ყარაბაღი", "ყარაბაღზე"),
        ("ყარაბაღი", "ყარაბაღიდან"),
        ("ყარაბაღი", "ყარაბაღისთვის"),
        ("ყარაბაღი", "ყარაბაღისათვის"),
        ("ყარაბაღი", "ყარაბაღისკენ"),
        ("ყარაბაღი", "ყარაბაღისგან"),
        ("ყარაბაღი", "ყარაბაღისაგან"),
        ("ყარაბაღი", "ყარაბაღივით"),
        ("თბილისი", "თბილისამდე"),
        ("თბილისი", "თბილისიდან"),
        ("რუსეთი", "რუსეთისადმი"),
        # long forms before a conjunction, the clitics -ც and -ა, the plural
        ("სომხეთი", "სომხეთსა"),
        ("სომხეთი", "სომხეთისა"),
        ("ბანკი", "ბანკებისთვისაც"),
        ("ალიევი", "ალიევმაც"),
        ("ალიევი", "ალიევსაც"),
        ("ალიევი", "ალიევიც"),
        ("ყარაბაღი", "ყარაბაღია"),
        ("ყარაბაღი", "ყარაბაღშია"),
        ("ყარაბაღი", "ყარაბაღზეა"),
        ("ომი", "ომშია"),
        ("ალიევი", "ალიევები"),
        ("ალიევი", "ალიევების"),
        ("ალიევი", "ალიევებმა"),
        # syncope: both shapes
        ("ერევანი", "ერევნის"),
        ("ერევანი", "ერევნით"),
        ("ერევანი", "ერევნიდან"),
        ("ერევანი", "ერევნისთვის"),
        ("ერევანი", "ერევანში"),
        ("ერევანი", "ერევანმა"),
        ("ერევანი", "ერევანს"),
        ("ერევანი", "ერევანამდე"),
        ("ერევანი", "ერევნამდე"),
        ("მიზანი", "მიზნად"),
        ("აზერბაიჯანი", "აზერბაიჯანის"),  # the unsyncopated shape is kept
        ("ცურტაველი", "ცურტაველის"),
        ("ლაჩინის დერეფანი", "ლაჩინის დერეფნის"),
        ("ლაჩინის დერეფანი", "ლაჩინის დერეფნით"),
        ("ლაჩინის დერეფანი", "ლაჩინის დერეფანში"),
        ("ქვეყანა", "ქვეყნის"),  # cut -ა and syncope
        ("ქვეყანა", "ქვეყნიდან"),
        ("ქვეყანა", "ქვეყნებში"),
        ("ქვეყანა", "ქვეყანაა"),
        # -ო and -უ stems
        ("ბაქო", "ბაქოს"),
        ("ბაქო", "ბაქოსა"),
        ("ბაქო", "ბაქომ"),
        ("ბაქო", "ბაქოში"),
        ("ბაქო", "ბაქოზე"),
        ("ბაქო", "ბაქოსთან"),
        ("ბაქო", "ბაქოსთვის"),
        ("ბაქო", "ბაქოსათვის"),
        ("ბაქო", "ბაქოსკენ"),
        ("ბაქო", "ბაქოსგან"),
        ("ბაქო", "ბაქოთი"),
        ("ბაქო", "ბაქოდან"),
        ("ბაქო", "ბაქოდ"),
        ("ბაქო", "ბაქომდე"),
        ("ბაქო", "ბაქოა"),
        ("ბაქო", "ბაქოშიც"),
        ("ბაქო", "ბაქომაც"),
        ("ბაქო", "ბაქოსავით"),
        ("საქართველო", "საქართველოსათვის"),
        ("ნატო", "ნატოსთან"),
        ("კუხო", "კუხოს"),
        ("კუხო", "კუხოში"),
        ("კუხო", "კუხომ"),
        ("კუხო", "კუხოდან"),
        ("შოიგუ", "შოიგუმ"),
        ("შოიგუ", "შოიგუს"),
        ("შოიგუ", "შოიგუსთან"),
        ("ლუკაშენკო", "ლუკაშენკომ"),
        ("ალექსანდრე ლუკაშენკო", "ალექსანდრე ლუკაშენკოს"),
        # -ა stems: kept before -მ -ს -ში -დ, cut before -ის -ით
        ("ორგანიზაცია", "ორგანიზაციამ"),
        ("ორგანიზაცია", "ორგანიზაციას"),
        ("ორგანიზაცია", "ორგანიზაციაში"),
        ("ორგანიზაცია", "ორგანიზაციასთან"),
        ("ორგანიზაცია", "ორგანიზაციის"),
        ("ორგანიზაცია", "ორგანიზაციისა"),
        ("ორგანიზაცია", "ორგანიზაციით"),
        ("ორგანიზაცია", "ორგანიზაციიდან"),
        ("ორგანიზაცია", "ორგანიზაციისთვის"),
        ("ორგანიზაცია", "ორგანიზაციად"),
        ("ორგანიზაცია", "ორგანიზაციამდე"),
        ("ორგანიზაცია", "ორგანიზაციები"),
        ("ამერიკა", "ამერიკაში"),
        ("ზახაროვა", "ზახაროვას"),
        ("ზახაროვა", "ზახაროვამ"),
        ("მარია ზახაროვა", "მარია ზახაროვამ"),
        ("მარია ზახაროვა", "მარია ზახაროვას"),
        ("მარია ზახაროვა", "მარია ზახაროვასთან"),
        ("ზვიად გამსახურდია", "ზვიად გამსახურდიას"),  # a personal name keeps -ა
        # -ე stems: cut (შევარდნაძის) and kept (არისტოტელეს) both given
        ("კობახიძე", "კობახიძემ"),
        ("კობახიძე", "კობახიძეს"),
        ("კობახიძე", "კობახიძის"),
        ("კობახიძე", "კობახიძით"),
        ("კობახიძე", "კობახიძისთვის"),
        ("კობახიძე", "კობახიძესთან"),
        ("ირაკლი კობახიძე", "ირაკლი კობახიძის"),
        ("შევარდნაძე", "შევარდნაძის"),
        ("არისტოტელე", "არისტოტელეს"),
        ("საუკუნე", "საუკუნიდან"),
        ("მდინარე", "მდინარეები"),
        # -ი after a vowel is a vowel stem; after a consonant it may be one too
        ("გალილეი", "გალილეიმ"),
        ("სერგეი", "სერგეის"),
        ("გიორგი", "გიორგიმ"),
        ("ჰელსინკი", "ჰელსინკიში"),
        # multi-word: only the head inflects; a genitive before it never changes
        ("ვლადიმირ პუტინი", "ვლადიმირ პუტინმა"),
        ("ნიკოლ ფაშინიანი", "ნიკოლ ფაშინიანის"),
        ("ილჰამ ალიევი", "ილჰამ ალიევთან"),
        ("კასიმ-ჟომარტ ტოკაევი", "კასიმ-ჟომარტ ტოკაევმა"),
        ("დმიტრი პესკოვი", "დმიტრი პესკოვმა"),
        ("სერგეი ლავროვი", "სერგეი ლავროვს"),
        ("ნიუ-იორკი", "ნიუ-იორკის"),
        (
            "კოლექტიური უსაფრთხოების ხელშეკრულების ორგანიზაცია",
            "კოლექტიური უსაფრთხოების ხელშეკრულების ორგანიზაციამ",
        ),
        (
            "კოლექტიური უსაფრთხოების ხელშეკრულების ორგანიზაცია",
            "კოლექტიური უსაფრთხოების ხელშეკრულების ორგანიზაციის",
        ),
        ("სამშვიდობო ხელშეკრულება", "სამშვიდობო ხელშეკრულებაზე"),
        ("სამშვიდობო ხელშეკრულება", "სამშვიდობო ხელშეკრულების"),
        ("კოლექტიური სწრაფი რეაგირების ძალები", "კოლექტიური სწრაფი რეაგირების ძალებმა"),
        ("კოლექტიური სწრაფი რეაგირების ძალები", "კოლექტიური სწრაფი რეაგირების ძალებში"),
        # an adjective before the head agrees: ergative -მა, dative/adverbial bare,
        # nominative = genitive = instrumental -ი, vocative -ო
        ("მთიანი ყარაბაღი", "მთიანმა ყარაბაღმა"),
        ("მთიანი ყარაბაღი", "მთიან ყარაბაღში"),
        ("მთიანი ყარაბაღი", "მთიან ყარაბაღს"),
        ("მთიანი ყარაბაღი", "მთიან ყარაბაღთან"),
        ("მთიანი ყარაბაღი", "მთიან ყარაბაღამდე"),
        ("მთიანი ყარაბაღი", "მთიანი ყარაბაღის"),
        ("მთიანი ყარაბაღი", "მთიანი ყარაბაღისთვის"),
        ("მთიანი ყარაბაღი", "მთიანი ყარაბაღიდან"),
        ("მთიანი ყარაბაღი", "მთიანი ყარაბაღით"),
        ("მთიანი ყარაბაღი", "მთიანო ყარაბაღო"),
        ("ახალი ზელანდია", "ახალ ზელანდიაში"),
        ("ახალი ზელანდია", "ახალი ზელანდიის"),
        ("ახალი ზელანდია", "ახალმა ზელანდიამ"),
        # a name in the press's quotes: the stem keeps the opening one, the word
        # ends inside the closing one („ყარაბაღმა“)
        ("„ყარაბაღი“", "„ყარაბაღმა"),
        ("„ყარაბაღი“", "„ყარაბაღთან"),
        ("„ქართული ოცნება“", "„ქართულმა ოცნებამ"),
        ("„ქართული ოცნება“", "„ქართული ოცნების"),
        ("«ყარაბაღი»", "«ყარაბაღს"),
        # Mtavruli capitals: the stem keeps them, endings are written in Mkhedruli
        ("ᲐᲚᲘᲔᲕᲘ", "ᲐᲚᲘᲔᲕმა"),
        ("ᲔᲠᲔᲕᲐᲜᲘ", "ᲔᲠᲔᲕᲜის"),
    ],
)
def test_generates(alias: str, form: str) -> None:
    assert form in forms(alias)


@pytest.mark.parametrize(
    ("alias", "lookalike"),
    [
        # the woman's surname is no form of the man's
        ("ალიევი", "ალიევა"),
        ("ალიევი", "ალიევას"),
        ("ალიევი", "ალიევამ"),
        ("ალიევი", "ალიევასთან"),
        ("ილჰამ ალიევი", "ილჰამ ალიევა"),
        ("ილჰამ ალიევი", "მეჰრიბან ალიევა"),
        ("პესკოვი", "პესკოვა"),
        ("პესკოვი", "პესკოვამ"),
        ("ლავროვი", "ლავროვა"),
        ("ჰაჯიევი", "ჰაჯიევა"),
        # a first name + woman's surname keeps -ა: the cut shape is the man's genitive
        ("მარია ზახაროვა", "მარია ზახაროვის"),
        ("მარია ზახაროვა", "მარია ზახაროვით"),
        # demonyms and adjectives made from names
        ("ყარაბაღი", "ყარაბაღელი"),
        ("ყარაბაღი", "ყარაბაღელმა"),
        ("ყარაბაღი", "ყარაბაღული"),
        ("მთიანი ყარაბაღი", "მთიანი ყარაბაღელი"),
        ("ერევანი", "ერევნელი"),
        ("ერევანი", "ერევნელებს"),
        ("ერევანი", "ერევნული"),
        ("ბაქო", "ბაქოელი"),
        ("ბაქო", "ბაქოელმა"),
        ("აზერბაიჯანი", "აზერბაიჯანელი"),
        ("აზერბაიჯანი", "აზერბაიჯანული"),
        ("აზერბაიჯანი", "აზერბაიჯანულ"),
        ("სომხეთი", "სომხური"),
        ("სომხეთი", "სომეხი"),
        ("ლაჩინი", "ლაჩინელი"),
        # longer words beginning with the alias, and other words sharing its letters
        ("პუტინი", "პუტინიზმი"),
        ("პუტინი", "პუტინისტი"),
        ("პუტინი", "პუტინცევა"),
        ("ბაირამოვი", "ბაირამი"),
        ("ბაირამოვი", "ბაირამის"),
        ("ლავროვი", "ლავრის"),
        # no syncope where the vowel follows a vowel or is the only one
        ("ფაშინიანი", "ფაშინინის"),
        ("ისრაელი", "ისრალის"),
        ("გორი", "გრის"),
        # no cut of -ო/-უ stems, no -ის on them
        ("ბაქო", "ბაქის"),
        ("ბაქო", "ბაქოის"),
        ("შოიგუ", "შოიგის"),
        # the "is" clitic follows the nominative -ი of a consonant stem, never the stem
        ("ყარაბაღი", "ყარაბაღა"),
        # the ending never follows the closing quote
        ("„ყარაბაღი“", "„ყარაბაღი“მა"),
        ("„ყარაბაღი“", "„ყარაბაღმა“"),
        # no derivational suffixes
        ("საქართველო", "საქართველოელი"),
    ],
)
def test_does_not_generate(alias: str, lookalike: str) -> None:
    assert lookalike not in forms(alias)


def test_rule_names() -> None:
    assert rules("ალიევი")["ალიევმა"] == "ergative"
    assert rules("ალიევი")["ალიევს"] == "dative"
    assert rules("ალიევი")["ალიევის"] == "genitive"
    assert rules("ბაქო")["ბაქოს"] == "genitive / dative"
    assert rules("ბაქო")["ბაქოდან"] == "instrumental + -დან (from)"
    assert rules("ყარაბაღი")["ყარაბაღში"] == "dative + -ში (in)"
    assert rules("თბილისი")["თბილისამდე"] == "adverbial + -მდე (up to)"
    assert rules("ერევანი")["ერევნის"] == "genitive"
    assert rules("ალიევი")["ალიევმაც"] == "ergative + -ც (also)"
    assert rules("ყარაბაღი")["ყარაბაღია"] == "nominative + -ა (is)"
    assert rules("ალიევი")["ალიევების"] == "plural + genitive"
    assert rules("ორგანიზაცია")["ორგანიზაციის"] == "genitive"


def test_words_before_the_head_are_kept() -> None:
    assert all(s.text.startswith("ლაჩინის დერეფ") for s in LANGUAGE.inflect("ლაჩინის დერეფანი"))
    assert all(
        s.text.startswith("კოლექტიური უსაფრთხოების ხელშეკრულების ორგანიზაც")
        for s in LANGUAGE.inflect("კოლექტიური უსაფრთხოების ხელშეკრულების ორგანიზაცია")
    )


def test_agreeing_adjective_shapes_take_only_their_cases() -> None:
    by_text = {s.text: set(s.endings) for s in LANGUAGE.inflect("მთიანი ყარაბაღი")}
    assert "მა" in by_text["მთიანმა ყარაბაღ"]
    assert "ის" not in by_text["მთიანმა ყარაბაღ"]
    assert "ში" in by_text["მთიან ყარაბაღ"]
    assert "მა" not in by_text["მთიან ყარაბაღ"]
    assert "ის" not in by_text["მთიან ყარაბაღ"]


@pytest.mark.parametrize("alias", ["Putin", "Путин", "ОДКБ", "NATO", "ყარაბაღი 2", ""])
def test_not_inflected(alias: str) -> None:
    # another script, or a number at the end
    assert LANGUAGE.inflect(alias) == ()


def test_no_feminine_forms() -> None:
    # the man's forms never end in a bare -ა, so none is the woman's nominative
    assert all(not s.feminine for s in LANGUAGE.inflect("ალიევი"))
    assert not any(f.endswith("ევა") for f in forms("ალიევი"))


def test_endings_are_closed_sets() -> None:
    for alias in ("ალიევი", "ბაქო", "ერევანი", "ორგანიზაცია", "კობახიძე", "მთიანი ყარაბაღი"):
        for stem in LANGUAGE.inflect(alias):
            assert 0 < len(stem.endings) < 300
            assert all(e == e.lower() for e in stem.endings)


@pytest.mark.parametrize(
    ("acronym", "ending"),
    [
        # Latin and Cyrillic: the last letter's reading is unknown, both series
        ("NATO", "ს"),
        ("NATO", "ში"),
        ("NATO", "სთან"),
        ("NATO", "მ"),
        ("NATO", "დან"),
        ("ОДКБ", "ც"),
        ("ОДКБ", "ის"),
        ("ОДКБ", "მა"),
        ("ОДКБ", "ში"),
        ("ОДКБ", "იდან"),
        ("ОДКБ", "ისთვის"),
        # Mtavruli: a vowel-final acronym is a vowel stem, a consonant-final one not
        ("ᲙᲣᲮᲝ", "ს"),
        ("ᲙᲣᲮᲝ", "ში"),
        ("ᲙᲣᲮᲝ", "მ"),
        ("ᲙᲣᲮᲝ", "სთვის"),
        ("ᲡᲣᲡ", "ის"),
        ("ᲡᲣᲡ", "მა"),
        ("ᲡᲣᲡ", "ში"),
    ],
)
def test_acronym_endings(acronym: str, ending: str) -> None:
    assert ending in LANGUAGE.acronym_endings(acronym)


@pytest.mark.parametrize(
    ("acronym", "ending"),
    [("ᲙᲣᲮᲝ", "ის"), ("ᲙᲣᲮᲝ", "მა"), ("ᲡᲣᲡ", "მ"), ("ᲙᲣᲮᲝ", "ელი"), ("NATO", "ელი"), ("NATO", "ი")],
)
def test_acronym_non_endings(acronym: str, ending: str) -> None:
    assert ending not in LANGUAGE.acronym_endings(acronym)


def test_fast() -> None:
    # 20,000 distinct aliases of every shape: watchlists of 100,000 load in seconds
    letters = "ბგდვზთკლმნპჟრსტფქღყშჩცძწჭხჯჰ"
    shapes = ("ი", "ანი", "ო", "ა", "ე", "უ", "ეი")
    aliases = [
        ("მთიანი " if i % 5 == 0 else "")
        + "ა"
        + "".join(letters[int(d)] for d in str(i))
        + shapes[i % len(shapes)]
        for i in range(20000)
    ]
    start = time.perf_counter()
    for alias in aliases:
        LANGUAGE.inflect(alias)
    assert time.perf_counter() - start < 2.0
