"""Azerbaijani word forms, tested as tables (no matcher): which forms an alias's
stems and endings spell, and which look-alikes they must not spell."""

from __future__ import annotations

from functools import partial

import pytest

from monitor.match.lang.az import LANGUAGE
from tests.support.forms import forms_of

forms = partial(forms_of, LANGUAGE)


GENERATED = [
    # consonant-final, back (a/ı)
    ("Qarabağ", "Qarabağın"),
    ("Qarabağ", "Qarabağa"),
    ("Qarabağ", "Qarabağı"),
    ("Qarabağ", "Qarabağda"),
    ("Qarabağ", "Qarabağdan"),
    ("Qarabağ", "Qarabağla"),
    ("Qarabağ", "Qarabağdakı"),
    ("Qarabağ", "Qarabağdır"),
    ("Qarabağ", "Qarabağına"),
    ("Qarabağ", "Qarabağında"),
    ("Dağlıq Qarabağ", "Dağlıq Qarabağda"),
    ("Dağlıq Qarabağ", "Dağlıq Qarabağın"),
    ("Dağlıq Qarabağ", "Dağlıq Qarabağdakı"),
    ("Laçın", "Laçının"),
    ("Laçın", "Laçına"),
    ("Laçın", "Laçından"),
    ("Azərbaycan", "Azərbaycanın"),
    ("Azərbaycan", "Azərbaycana"),
    ("Azərbaycan", "Azərbaycanı"),
    ("Azərbaycan", "Azərbaycanda"),
    ("Azərbaycan", "Azərbaycandan"),
    ("Azərbaycan", "Azərbaycanla"),
    ("Azərbaycan", "Azərbaycandakı"),
    ("Azərbaycan", "Azərbaycandır"),
    ("Azərbaycan", "Azərbaycanındır"),
    ("Ermənistan", "Ermənistanın"),
    ("Ermənistan", "Ermənistana"),
    ("Ermənistan", "Ermənistanla"),
    ("Paşinyan", "Paşinyanın"),
    ("Paşinyan", "Paşinyana"),
    ("Nikol Paşinyan", "Nikol Paşinyanla"),
    # consonant-final, back rounded (o/u)
    ("Lavrov", "Lavrovun"),
    ("Lavrov", "Lavrova"),
    ("Lavrov", "Lavrovu"),
    ("Lavrov", "Lavrovla"),
    ("Lavrov", "Lavrovdan"),
    ("Zəngəzur", "Zəngəzurun"),
    ("Zəngəzur", "Zəngəzura"),
    ("Zəngəzur", "Zəngəzurda"),
    # consonant-final, front (e/ə/i)
    ("Əliyev", "Əliyevin"),
    ("Əliyev", "Əliyevə"),
    ("Əliyev", "Əliyevi"),
    ("Əliyev", "Əliyevlə"),
    ("Əliyev", "Əliyevdən"),
    ("Əliyev", "Əliyevdə"),
    ("Əliyev", "Əliyevlər"),
    ("Əliyev", "Əliyevlərin"),
    ("İlham Əliyev", "İlham Əliyevin"),
    ("İlham Əliyev", "İlham Əliyevə"),
    ("Tokayev", "Tokayevin"),
    ("Tokayev", "Tokayevə"),
    ("Qasım-Jomart Tokayev", "Qasım-Jomart Tokayevlə"),
    ("Putin", "Putinin"),
    ("Putin", "Putinə"),
    ("Putin", "Putini"),
    ("Putin", "Putinlə"),
    ("Putin", "Putindən"),
    # consonant-final, front rounded (ö/ü)
    ("Göygöl", "Göygölün"),
    ("Göygöl", "Göygölə"),
    ("Göygöl", "Göygölü"),
    ("Göygöl", "Göygöldə"),
    ("Göygöl", "Göygöldür"),
    # vowel-final: buffer n, y, s
    ("Bakı", "Bakının"),
    ("Bakı", "Bakıya"),
    ("Bakı", "Bakını"),
    ("Bakı", "Bakıda"),
    ("Bakı", "Bakıyla"),
    ("Bakı", "Bakıdakı"),
    ("Xankəndi", "Xankəndinin"),
    ("Xankəndi", "Xankəndiyə"),
    ("Xankəndi", "Xankəndidə"),
    ("Xankəndi", "Xankəndidən"),
    ("Xankəndi", "Xankəndidəki"),
    ("Moskva", "Moskvanın"),
    ("Moskva", "Moskvaya"),
    ("Şoyqu", "Şoyqunun"),
    ("Şoyqu", "Şoyquya"),
    ("Şoyqu", "Şoyqunu"),
    ("Şoyqu", "Şoyquyla"),
    ("Sergey Şoyqu", "Sergey Şoyquya"),
    ("Lukaşenko", "Lukaşenkonun"),
    ("Lukaşenko", "Lukaşenkoya"),
    ("Kobaxidze", "Kobaxidzenin"),
    ("Kobaxidze", "Kobaxidzeyə"),
    ("Zaxarova", "Zaxarovanın"),
    ("Zaxarova", "Zaxarovaya"),
    # compounds with a possessive head: the pronominal n
    ("Laçın dəhlizi", "Laçın dəhlizinin"),
    ("Laçın dəhlizi", "Laçın dəhlizinə"),
    ("Laçın dəhlizi", "Laçın dəhlizini"),
    ("Laçın dəhlizi", "Laçın dəhlizində"),
    ("Laçın dəhlizi", "Laçın dəhlizindən"),
    ("Laçın dəhlizi", "Laçın dəhliziylə"),
    ("Laçın dəhlizi", "Laçın dəhlizindəki"),
    ("sülh müqaviləsi", "sülh müqaviləsinin"),
    ("sülh müqaviləsi", "sülh müqaviləsinə"),
    ("sülh müqaviləsi", "sülh müqaviləsini"),
    ("Azərbaycan Respublikası", "Azərbaycan Respublikasının"),
    ("Azərbaycan Respublikası", "Azərbaycan Respublikasına"),
    (
        "Kollektiv Təhlükəsizlik Müqaviləsi Təşkilatı",
        "Kollektiv Təhlükəsizlik Müqaviləsi Təşkilatının",
    ),
    ("Kollektiv Operativ Reaksiya Qüvvələri", "Kollektiv Operativ Reaksiya Qüvvələrinə"),
    ("Heydər Əliyev Mərkəzi", "Heydər Əliyev Mərkəzində"),
    ("Qarabağ atı", "Qarabağ atının"),
    # an acronym after a name
    ("Qarabağ FK", "Qarabağ FKnın"),
]

NOT_GENERATED = [
    # the woman's surname is no form of the man's: front harmony only
    ("Əliyev", "Əliyeva"),
    ("Əliyev", "Əliyevanın"),
    ("Əliyev", "Əliyevaya"),
    ("İlham Əliyev", "İlham Əliyeva"),
    ("Tokayev", "Tokayeva"),
    ("Putin", "Putina"),
    # wrong harmony
    ("Qarabağ", "Qarabağə"),
    ("Ermənistan", "Ermənistanə"),
    ("Lavrov", "Lavrovə"),
    ("Lavrov", "Lavrovin"),
    ("Bakı", "Bakıyə"),
    # derived words and longer names are not forms
    ("Qarabağ", "Qarabağlı"),
    ("Qarabağ", "Qarabağlılar"),
    ("Azərbaycan", "Azərbaycanlı"),
    ("Azərbaycan", "Azərbaycanlılar"),
    ("Azərbaycan", "Azərbaycançılıq"),
    ("Zəngəzur", "Zəngəzurlu"),
    ("Putin", "Putintseva"),
    ("Putin", "Putinçi"),
    ("Bakı", "Bakıxanov"),
    ("Bakı", "Bakılı"),
    ("Laçın", "Laçınlı"),
    # a head in the possessive takes no plain dative or locative
    ("Laçın dəhlizi", "Laçın dəhliziyə"),
    ("Laçın dəhlizi", "Laçın dəhlizidə"),
    # a vowel-final stem has no consonant-final endings
    ("Bakı", "Bakıa"),
    ("Bakı", "Bakıın"),
]


@pytest.mark.parametrize(("alias", "form"), GENERATED)
def test_form_is_generated(alias: str, form: str) -> None:
    assert form in forms(alias)


@pytest.mark.parametrize(("alias", "form"), NOT_GENERATED)
def test_look_alike_is_not_generated(alias: str, form: str) -> None:
    assert form not in forms(alias)


ACRONYMS = [
    ("KTMT", "nin"),
    ("KTMT", "yə"),
    ("KTMT", "ni"),
    ("KTMT", "də"),
    ("KTMT", "dən"),
    ("KTMT", "ylə"),
    ("KTMT", "dəki"),
    ("BMT", "nin"),
    ("BMT", "yə"),
    ("ATƏT", "in"),
    ("ATƏT", "ə"),
    ("ATƏT", "i"),
    ("ABŞ", "ın"),
    ("ABŞ", "a"),
    ("NATO", "nun"),
    ("NATO", "ya"),
    ("NATO", "da"),
]


@pytest.mark.parametrize(("acronym", "ending"), ACRONYMS)
def test_acronym_endings(acronym: str, ending: str) -> None:
    assert ending in LANGUAGE.acronym_endings(acronym)


def test_vowel_final_acronym_keeps_its_harmony() -> None:
    endings = LANGUAGE.acronym_endings("NATO")
    assert "nin" not in endings and "yə" not in endings and "a" not in endings


def test_rule_names() -> None:
    (stem,) = LANGUAGE.inflect("Qarabağ")
    assert stem.endings["da"] == "locative"
    assert stem.endings["ın"] == "genitive"
    assert stem.endings["ı"] == "accusative or possessive"
    assert stem.endings["lardan"] == "plural + ablative"
    assert stem.endings["ına"] == "possessive + dative"
    (corridor,) = LANGUAGE.inflect("Laçın dəhlizi")
    assert corridor.endings["ndə"] == "locative"
    assert corridor.endings["nin"] == "genitive"


def test_dative_a_of_a_surname_in_ov_is_marked_feminine() -> None:
    (lavrov,) = LANGUAGE.inflect("Sergey Lavrov")
    assert lavrov.feminine == frozenset({"a"})
    (aliyev,) = LANGUAGE.inflect("Əliyev")
    assert aliyev.feminine == frozenset()
    (moscow,) = LANGUAGE.inflect("Moskva")
    assert moscow.feminine == frozenset()
    (lachin,) = LANGUAGE.inflect("Laçın")
    assert "a" in lachin.endings and lachin.feminine == frozenset()


@pytest.mark.parametrize(
    "alias", ["Карабах", "Ղարաբաղ", "ყარაბაღი", "KTMT", "Article 4", "Armyan*"]
)
def test_not_inflected(alias: str) -> None:
    assert LANGUAGE.inflect(alias) == ()


def test_stems_keep_the_alias_as_written() -> None:
    assert {s.text for s in LANGUAGE.inflect("Laçın dəhlizi")} == {"Laçın dəhlizi"}
    assert {s.text for s in LANGUAGE.inflect("İlham Əliyev")} == {"İlham Əliyev"}
