"""Kazakh word forms, tested as tables (no matcher): which forms an alias's stems
and endings spell, and which look-alikes they must not spell."""

from __future__ import annotations

from functools import partial

import pytest

from monitor.match.lang.kk import LANGUAGE
from tests.support.forms import forms_of

forms = partial(forms_of, LANGUAGE)


GENERATED = [
    # back, final voiceless қ: -қа, -тың, -та, -тан, -ты, -пен, -тағы
    ("Қарабақ", "Қарабаққа"),
    ("Қарабақ", "Қарабақтың"),
    ("Қарабақ", "Қарабақта"),
    ("Қарабақ", "Қарабақтан"),
    ("Қарабақ", "Қарабақты"),
    ("Қарабақ", "Қарабақпен"),
    ("Қарабақ", "Қарабақтағы"),
    ("Таулы Қарабақ", "Таулы Қарабақта"),
    ("Таулы Қарабақ", "Таулы Қарабаққа"),
    # қ voices before the possessive's vowel
    ("Қарабақ", "Қарабағы"),
    ("Қарабақ", "Қарабағына"),
    ("Қарабақ", "Қарабағында"),
    # back, final н: genitive and ablative with н, accusative and locative with д
    ("Қазақстан", "Қазақстанның"),
    ("Қазақстан", "Қазақстанға"),
    ("Қазақстан", "Қазақстанды"),
    ("Қазақстан", "Қазақстанда"),
    ("Қазақстан", "Қазақстаннан"),
    ("Қазақстан", "Қазақстанмен"),
    ("Қазақстан", "Қазақстандағы"),
    ("Әзербайжан", "Әзербайжанның"),
    ("Әзербайжан", "Әзербайжанға"),
    ("Әзербайжан", "Әзербайжанмен"),
    ("Пашинян", "Пашинянның"),
    ("Пашинян", "Пашинянға"),
    ("Пашинян", "Пашиняннан"),
    ("Никол Пашинян", "Никол Пашинянмен"),
    # back, vowel-final
    ("Астана", "Астананың"),
    ("Астана", "Астанаға"),
    ("Астана", "Астананы"),
    ("Астана", "Астанада"),
    ("Астана", "Астанадан"),
    ("Астана", "Астанамен"),
    ("Астана", "Астанадағы"),
    ("Армения", "Арменияның"),
    ("Армения", "Арменияға"),
    ("Армения", "Армениядағы"),
    ("Захарова", "Захарованың"),
    ("Захарова", "Захароваға"),
    ("Лукашенко", "Лукашенконың"),
    ("Лукашенко", "Лукашенкоға"),
    ("Лукашенко", "Лукашенкомен"),
    # final у after a consonant: vowel or glide readings
    ("Шойгу", "Шойгуға"),
    ("Шойгу", "Шойгудың"),
    ("Шойгу", "Шойгуның"),
    ("Шойгу", "Шойгумен"),
    # front, final й and the glide у (Мәскеу is front: у is w)
    ("Ресей", "Ресейдің"),
    ("Ресей", "Ресейге"),
    ("Ресей", "Ресейді"),
    ("Ресей", "Ресейде"),
    ("Ресей", "Ресейден"),
    ("Ресей", "Ресеймен"),
    ("Ресей", "Ресейдегі"),
    ("Мәскеу", "Мәскеудің"),
    ("Мәскеу", "Мәскеуге"),
    ("Мәскеу", "Мәскеуде"),
    # front, final н: Путиннің, Путинге, Путинді
    ("Путин", "Путиннің"),
    ("Путин", "Путинге"),
    ("Путин", "Путинді"),
    ("Путин", "Путинде"),
    ("Путин", "Путиннен"),
    ("Путин", "Путинмен"),
    ("Владимир Путин", "Владимир Путинге"),
    # front, vowel-final
    ("Кобахидзе", "Кобахидзенің"),
    ("Кобахидзе", "Кобахидзеге"),
    # front rounded
    ("Өскемен", "Өскеменнің"),
    ("Өскемен", "Өскеменге"),
    ("Өскемен", "Өскеменнен"),
    # -ев after a back vowel is back, after a front one front
    ("Тоқаев", "Тоқаевтың"),
    ("Тоқаев", "Тоқаевқа"),
    ("Тоқаев", "Тоқаевты"),
    ("Тоқаев", "Тоқаевпен"),
    ("Тоқаев", "Тоқаевтан"),
    ("Қасым-Жомарт Тоқаев", "Қасым-Жомарт Тоқаевқа"),
    ("Әлиев", "Әлиевтің"),
    ("Әлиев", "Әлиевке"),
    ("Әлиев", "Әлиевпен"),
    ("Әлиев", "Әлиевтер"),
    ("Алиев", "Алиевке"),
    ("Лавров", "Лавровтың"),
    ("Лавров", "Лавровқа"),
    ("Лавров", "Лавровпен"),
    ("Тасмағамбетов", "Тасмағамбетовқа"),
    # a Russian-spelled name after a back vowel: both series (Петербургке)
    ("Петербург", "Петербургке"),
    ("Петербург", "Петербургта"),
    # compounds with a possessive head: the pronominal n
    ("Қазақстан Республикасы", "Қазақстан Республикасының"),
    ("Қазақстан Республикасы", "Қазақстан Республикасына"),
    ("Қазақстан Республикасы", "Қазақстан Республикасын"),
    ("Қазақстан Республикасы", "Қазақстан Республикасында"),
    ("Қазақстан Республикасы", "Қазақстан Республикасынан"),
    ("Қазақстан Республикасы", "Қазақстан Республикасымен"),
    ("Қазақстан Республикасы", "Қазақстан Республикасындағы"),
    ("Лачин дәлізі", "Лачин дәлізінің"),
    ("Лачин дәлізі", "Лачин дәлізіне"),
    ("Лачин дәлізі", "Лачин дәлізінде"),
    ("Лачин дәлізі", "Лачин дәлізіндегі"),
    ("бейбітшілік келісімі", "бейбітшілік келісіміне"),
    ("бейбітшілік келісімі", "бейбітшілік келісімін"),
    ("Ұжымдық қауіпсіздік туралы шарт ұйымы", "Ұжымдық қауіпсіздік туралы шарт ұйымының"),
    ("Ұжымдық жедел әрекет ету күштері", "Ұжымдық жедел әрекет ету күштерінің"),
]

NOT_GENERATED = [
    # the woman's surname and Russian case forms are not Kazakh forms
    ("Әлиев", "Әлиева"),
    ("Әлиев", "Әлиеваға"),
    ("Алиев", "Алиева"),
    ("Ильхам Әлиев", "Ильхам Әлиева"),
    ("Путин", "Путина"),
    ("Путин", "Путину"),
    ("Путин", "Путиным"),
    ("Лавров", "Лаврова"),
    ("Лавров", "Лаврову"),
    ("Лавров", "Лавровым"),
    ("Пашинян", "Пашиняна"),
    ("Армения", "Армении"),
    # longer names and derived words
    ("Путин", "Путинцева"),
    ("Қазақстан", "Қазақстандық"),
    ("Қазақстан", "Қазақстандықтар"),
    ("Ресей", "Ресейлік"),
    ("Қарабақ", "Қарабақтық"),
    # wrong harmony or assimilation
    ("Тоқаев", "Тоқаевке"),
    ("Тоқаев", "Тоқаевтің"),
    ("Қарабақ", "Қарабаққе"),
    ("Қарабақ", "Қарабақға"),
    ("Қазақстан", "Қазақстандың"),
    ("Астана", "Астанадың"),
    ("Путин", "Путинның"),
    # a head in the possessive takes no plain dative
    ("Лачин дәлізі", "Лачин дәлізіге"),
]


@pytest.mark.parametrize(("alias", "form"), GENERATED)
def test_form_is_generated(alias: str, form: str) -> None:
    assert form in forms(alias)


@pytest.mark.parametrize(("alias", "form"), NOT_GENERATED)
def test_look_alike_is_not_generated(alias: str, form: str) -> None:
    assert form not in forms(alias)


ACRONYMS = [
    ("ҰҚШҰ", "ның"),
    ("ҰҚШҰ", "ға"),
    ("ҰҚШҰ", "да"),
    ("ҰҚШҰ", "дан"),
    ("ҰҚШҰ", "ны"),
    ("ҰҚШҰ", "мен"),
    ("ҰҚШҰ", "дағы"),
    ("БҰҰ", "ның"),
    ("АҚШ", "тың"),
    ("АҚШ", "қа"),
    ("АҚШ", "та"),
    ("ТМД", "ның"),
    ("ТМД", "ға"),
    ("ТМД", "нің"),
    ("ЕАЭО", "ға"),
]


@pytest.mark.parametrize(("acronym", "ending"), ACRONYMS)
def test_acronym_endings(acronym: str, ending: str) -> None:
    assert ending in LANGUAGE.acronym_endings(acronym)


def test_vowel_final_acronym_keeps_its_harmony() -> None:
    endings = LANGUAGE.acronym_endings("ҰҚШҰ")
    assert "нің" not in endings and "ге" not in endings and "тың" not in endings


def test_rule_names() -> None:
    (stem,) = LANGUAGE.inflect("Тоқаев")
    assert stem.endings["тың"] == "genitive"
    assert stem.endings["қа"] == "dative"
    assert stem.endings["пен"] == "instrumental"
    assert stem.endings["тағы"] == "locative + -ғы (relative)"
    (republic,) = LANGUAGE.inflect("Қазақстан Республикасы")
    assert republic.endings["на"] == "dative"
    assert all(not s.feminine for s in LANGUAGE.inflect("Лавров"))


@pytest.mark.parametrize(
    "alias", ["Qarabağ", "Ղարաբաղ", "Лукашэнкаў", "Путін*", "ҰҚШҰ", "статья 4"]
)
def test_not_inflected(alias: str) -> None:
    assert LANGUAGE.inflect(alias) == ()


def test_a_spelling_slavic_languages_share_takes_no_bare_possessive() -> None:
    """Беларусы, Мінскі: there the bare possessive is a Slavic plural or adjective; a
    name with a Kazakh letter takes it (Кеңес Одағы), and every name takes it with a
    case after it."""
    shared = {s.text + e for s in LANGUAGE.inflect("Беларусь") for e in s.endings}
    assert "Беларусы" not in shared and "Беларусына" in shared
    own = {s.text + e for s in LANGUAGE.inflect("Одақ") for e in s.endings}
    assert "Одағы" in own
