"""Eastern Armenian word forms, tested as tables: no matcher, no normalisation."""

from __future__ import annotations

from functools import partial

import pytest

from monitor.match.lang.hy import LANGUAGE
from tests.support.forms import forms_of, rules_of

forms = partial(forms_of, LANGUAGE)


rules = partial(rules_of, LANGUAGE)


@pytest.mark.parametrize(
    ("alias", "form"),
    [
        # consonant-final: every case, both articles, the plural
        ("Ղարաբաղ", "Ղարաբաղը"),
        ("Արցախ", "Արցախն"),  # -ն before a vowel: "Արցախն է"
        ("Ղարաբաղ", "Ղարաբաղի"),
        ("Ադրբեջան", "Ադրբեջանին"),
        ("Հայաստան", "Հայաստանից"),
        ("Ստեփանակերտ", "Ստեփանակերտով"),
        ("Ղարաբաղ", "Ղարաբաղում"),
        ("Փաշինյան", "Փաշինյանը"),
        ("Փաշինյան", "Փաշինյանին"),
        ("Փաշինյան", "Փաշինյանները"),
        ("Ալիև", "Ալիևի"),
        ("Ալիև", "Ալիևին"),
        ("Ալիև", "Ալիևից"),
        ("Լավրով", "Լավրովի"),
        ("Պուտին", "Պուտինն"),
        ("Երևան", "Երևանում"),
        ("Երևան", "Երևանս"),  # possessive "my Yerevan"
        ("Հայաստան", "Հայաստանիս"),
        ("Բախ", "Բախեր"),  # one syllable: -եր
        # -ա, -ո: the glide յ
        ("Մոսկվա", "Մոսկվան"),
        ("Մոսկվա", "Մոսկվայի"),
        ("Մոսկվա", "Մոսկվային"),
        ("Մոսկվա", "Մոսկվայից"),
        ("Մոսկվա", "Մոսկվայով"),
        ("Մոսկվա", "Մոսկվայում"),
        ("Զախարովա", "Զախարովայի"),
        ("Լուկաշենկո", "Լուկաշենկոյի"),
        ("Լուկաշենկո", "Լուկաշենկոն"),
        ("Լուկաշենկո", "Լուկաշենկոյին"),
        # -ե: no glide
        ("Կոբախիձե", "Կոբախիձեի"),
        ("Կոբախիձե", "Կոբախիձեն"),
        ("Կոբախիձե", "Կոբախիձեից"),
        # -ի: the regular forms and the old -ու declension
        ("Շուշի", "Շուշիի"),
        ("Շուշի", "Շուշին"),
        ("Շուշի", "Շուշիում"),
        ("Շուշի", "Շուշու"),
        ("Գյումրի", "Գյումրուց"),
        ("Գյումրի", "Գյումրիից"),
        ("Հայկունի", "Հայկունու"),
        # -ու: ու -> վ before a vowel (Բաքու), kept in foreign names (Շոյգու)
        ("Բաքու", "Բաքուն"),
        ("Բաքու", "Բաքվի"),
        ("Բաքու", "Բաքվում"),
        ("Բաքու", "Բաքվից"),
        ("Շոյգու", "Շոյգուի"),
        ("Շոյգու", "Շոյգուն"),
        # -ություն: the -ան genitive
        ("Հայաստանի Հանրապետություն", "Հայաստանի Հանրապետության"),
        ("Հայաստանի Հանրապետություն", "Հայաստանի Հանրապետությանը"),
        ("Հայաստանի Հանրապետություն", "Հայաստանի Հանրապետությունում"),
        ("Հայաստանի Հանրապետություն", "Հայաստանի Հանրապետությունից"),
        ("Եվրամիություն", "Եվրամիությամբ"),
        (
            "Հավաքական անվտանգության պայմանագրի կազմակերպություն",
            "Հավաքական անվտանգության պայմանագրի կազմակերպության",
        ),
        # -ում verbal nouns: the -ման genitive
        ("արագ արձագանքում", "արագ արձագանքման"),
        # syncope: a closed table
        ("խաղաղության պայմանագիր", "խաղաղության պայմանագրի"),
        ("խաղաղության պայմանագիր", "խաղաղության պայմանագրով"),
        ("խաղաղության պայմանագիր", "խաղաղության պայմանագիրը"),
        ("խաղաղության պայմանագիր", "խաղաղության պայմանագրեր"),
        ("Էջմիածին", "Էջմիածնի"),
        ("Էջմիածին", "Էջմիածնում"),
        ("Անվտանգության խորհուրդ", "Անվտանգության խորհրդի"),
        ("Երկիր", "Երկրի"),
        ("Երկիր", "Երկրներից"),
        ("Սպիտակ տուն", "Սպիտակ տան"),
        ("Սպիտակ տուն", "Սպիտակ տնից"),
        ("Սևան", "Սևանա"),  # classical genitive of set names
        ("Սյունիք", "Սյունյաց"),
        ("Սյունիք", "Սյունիքից"),
        # multi-word aliases inflect their last word only
        ("Լաչինի միջանցք", "Լաչինի միջանցքում"),
        ("Լաչինի միջանցք", "Լաչինի միջանցքով"),
        ("Լեռնային Ղարաբաղ", "Լեռնային Ղարաբաղում"),
        ("Լեռնային Ղարաբաղ", "Լեռնային Ղարաբաղի"),
        ("Նիկոլ Փաշինյան", "Նիկոլ Փաշինյանի"),
        ("Իլհամ Ալիև", "Իլհամ Ալիևը"),
        ("Սերգեյ Լավրով", "Սերգեյ Լավրովին"),
        ("Մարիա Զախարովա", "Մարիա Զախարովան"),
        ("հավաքական արագ արձագանքման ուժեր", "հավաքական արագ արձագանքման ուժերը"),
        ("հավաքական արագ արձագանքման ուժեր", "հավաքական արագ արձագանքման ուժերի"),
        ("Արցախի ԱԺ", "Արցախի ԱԺ-ում"),  # a phrase ending in an acronym
        ("Արցախի ԱԺ", "Արցախի ԱԺի"),
        # either spelling of և, and capitals kept in a stem change
        ("Ալիեւ", "Ալիեւի"),
        ("ԷՋՄԻԱԾԻՆ", "ԷՋՄԻԱԾՆի"),  # endings are written in lower case
        ("ՇՈՅԳՈՒ", "ՇՈՅԳՎի"),
    ],
)
def test_generates(alias: str, form: str) -> None:
    assert form in forms(alias)


@pytest.mark.parametrize(
    ("alias", "lookalike"),
    [
        # the woman's surname is no form of the man's
        ("Ալիև", "Ալիևա"),
        ("Ալիև", "Ալիևան"),
        ("Ալիև", "Ալիևայի"),
        ("Իլհամ Ալիև", "Իլհամ Ալիևա"),
        ("Լավրով", "Լավրովա"),
        ("Պեսկով", "Պեսկովան"),
        # adjectives and demonyms made from names
        ("Ղարաբաղ", "Ղարաբաղյան"),
        ("Ղարաբաղ", "Ղարաբաղցի"),
        ("Ղարաբաղ", "Ղարաբաղցին"),
        ("Հայաստան", "Հայաստանյան"),
        ("Հայաստան", "Հայաստանյայց"),
        ("Ադրբեջան", "Ադրբեջանական"),
        ("Ադրբեջան", "Ադրբեջանցի"),
        ("Երևան", "Երևանցի"),
        ("Երևան", "Երևանյան"),
        ("Փաշինյան", "Փաշինյանական"),
        ("Պուտին", "Պուտինյան"),
        ("Լաչին", "Լաչինցի"),
        ("Մոսկվա", "Մոսկովյան"),
        # longer names that begin with the alias
        ("Արցախ", "Արցախբանկ"),
        ("Պուտին", "Պուտինցևա"),
        ("Բաքու", "Բաքվեցի"),
        # no stray -ան genitive on ordinary names, no -ի after the glide stems
        ("Ալիև", "Ալիևան"),
        ("Մոսկվա", "Մոսկվաի"),
        # possessives only on words of two syllables or more: Միլ is not Միլս
        ("Միլ", "Միլս"),
        # no old -ու declension on short -ի names
        ("Ալի", "Ալում"),
        ("Ալի", "Ալու"),
    ],
)
def test_does_not_generate(alias: str, lookalike: str) -> None:
    assert lookalike not in forms(alias)


def test_rule_names() -> None:
    assert rules("Ղարաբաղ")["Ղարաբաղում"] == "locative"
    assert rules("Մոսկվա")["Մոսկվայի"] == "genitive"
    assert rules("Ադրբեջան")["Ադրբեջանին"] == "dative + definite"
    assert rules("Փաշինյան")["Փաշինյանների"] == "plural + genitive"
    assert rules("Բաքու")["Բաքվից"] == "ablative"
    assert rules("Եվրամիություն")["Եվրամիությամբ"] == "instrumental"
    assert rules("Սևան")["Սևանա"] == "archaic genitive"


def test_words_before_the_last_are_kept() -> None:
    assert all(s.text.startswith("Լեռնային Ղարաբաղ") for s in LANGUAGE.inflect("Լեռնային Ղարաբաղ"))
    assert all(s.text.startswith("Լաչինի միջանցք") for s in LANGUAGE.inflect("Լաչինի միջանցք"))


@pytest.mark.parametrize("alias", ["Putin", "Путин", "ՀԱՊԿ", "ՆԱՏՕ", "Ղարաբաղ 2", "Ղարաբաղ՝", ""])
def test_not_inflected(alias: str) -> None:
    # another script, a bare acronym (acronym_endings serves it), a number or a
    # punctuation mark (the Armenian comma ՝) at the end
    assert LANGUAGE.inflect(alias) == ()


def test_no_feminine_forms() -> None:
    # Armenian writes the woman's surname apart (Ալիևա): no form of the man's is one
    assert all(not s.feminine for s in LANGUAGE.inflect("Ալիև"))


def test_endings_are_closed_sets() -> None:
    for alias in ("Ղարաբաղ", "Մոսկվա", "Շուշի", "Բաքու", "ՀԱՆՐԱՊԵՏՈՒԹՅՈՒՆ", "ԼԵՌՆԱՅԻՆ ՂԱՐԱԲԱՂ"):
        for stem in LANGUAGE.inflect(alias):
            assert 0 < len(stem.endings) < 100
            assert all(e == e.lower() for e in stem.endings)


@pytest.mark.parametrize(
    ("acronym", "ending"),
    [
        ("ՀԱՊԿ", "ի"),
        ("ՀԱՊԿ", "ում"),
        ("ՀԱՊԿ", "ից"),
        ("ՀԱՊԿ", "ը"),
        ("ՀԱՊԿ", "ն"),
        ("ՀԱՊԿ", "ին"),
        ("ՀԱՊԿ", "ով"),
        ("ՆԱՏՕ", "ն"),
        ("ՆԱՏՕ", "ի"),
        ("ՆԱՏՕ", "յի"),
        ("ԱՄՆ", "ը"),
        ("ԱՄՆ", "ն"),
        ("ՀԷԿ", "երի"),
        ("ՀԿ", "ները"),
    ],
)
def test_acronym_endings(acronym: str, ending: str) -> None:
    assert ending in LANGUAGE.acronym_endings(acronym)


@pytest.mark.parametrize(("acronym", "ending"), [("ՀԱՊԿ", "ական"), ("ՀԱՊԿ", "յի"), ("ՆԱՏՕ", "ցի")])
def test_acronym_non_endings(acronym: str, ending: str) -> None:
    assert ending not in LANGUAGE.acronym_endings(acronym)
