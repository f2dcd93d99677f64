from __future__ import annotations

import random
from pathlib import Path

import pytest

from monitor.basics.normalize import normalize
from monitor.match.matcher import Matcher
from monitor.watchlists.model import Entity, Watchlist
from monitor.watchlists.rules import parse_rule


def matcher(
    *entities: tuple[str, list[str]], rule: str | None = None, exclude: tuple[str, ...] = ()
) -> Matcher:
    wl = Watchlist(
        name="w",
        description="",
        entities=tuple(Entity(i, i, tuple(a)) for i, a in entities),
        rule=parse_rule(rule) if rule else None,
        rule_text=rule,
        exclude=exclude,
    )
    return Matcher([wl])


def found(m: Matcher, text: str, title: str = "") -> list[str]:
    r = m.match(title, text)
    return list(r[0].entities) if r else []


PUTIN = matcher(("putin", ["Putin", "Путин"]))


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Putin said", True),
        ("PUTIN SAID", True),
        ("putin said", False),  # a capitalised alias matches a capitalised word only
        ("Rasputin was a mystic", False),
        ("Putinism is a word", False),
        ("Путин заявил", True),
        ("Распутин", False),
        ("«Путин»", True),
        ("(Putin)", True),
        ("Putin_x", False),
    ],
)
def test_whole_words_with_their_capital(text: str, hit: bool) -> None:
    assert bool(found(PUTIN, text)) is hit


ACRONYMS = matcher(("csto", ["CSTO", "OTSC", "ОДКБ"]))


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("The CSTO met", True),
        ("the csto file", False),
        ("Csto", False),
        ("OTSC statement", True),
        ("Die Botschaft bleibt", False),
        ("BOTSCHAFT", False),
        ("саммит ОДКБ", True),
        ("саммит одкб", False),
    ],
)
def test_acronyms_match_only_in_capitals(text: str, hit: bool) -> None:
    assert bool(found(ACRONYMS, text)) is hit


KARABAKH = matcher(("karabakh", ["Nagorno-Karabakh"]), ("nk", ["Karabakh"]))


@pytest.mark.parametrize(
    "text",
    [
        "Nagorno-Karabakh",
        "Nagorno–Karabakh",
        "Nagorno—Karabakh",
        "Nagorno Karabakh",
        "Nagorno\u00a0Karabakh",
        "Nagorno \u2013 Karabakh",
        "Nagorno-\nKarabakh",
        "Nagorno\u00adKarabakh".replace("\u00ad", "-"),
        "Nagórno-Karabakh",
    ],
)
def test_typography_does_not_matter(text: str) -> None:
    assert "karabakh" in found(KARABAKH, f"Fighting in {text} resumed.")


@pytest.mark.parametrize(
    "text",
    [
        "пишет «Комсомольская правда».",
        'пишет "Комсомольская правда"',
        "пишет (Комсомольская правда)",
        "пишет Комсомольская правда",
        "сообщила «Комсомольской правде»",
    ],
)
def test_a_name_of_several_words_after_a_quote_or_bracket(text: str) -> None:
    m = matcher(("kp", ["Комсомольская правда"]))
    [r] = m.match("", text)
    [sn] = r.snippets
    a, b = sn.highlights[0]
    assert sn.text[a:b].startswith("Комсомольск")


@pytest.mark.parametrize("text", ["правда", "Комсомольская", "их правда", "Правда"])
def test_a_name_of_several_words_needs_all_of_them(text: str) -> None:
    assert found(matcher(("kp", ["Комсомольская правда"])), text) == []


def test_overlapping_aliases_are_all_reported() -> None:
    assert found(KARABAKH, "Nagorno-Karabakh talks") == ["karabakh", "nk"]


@pytest.mark.parametrize(
    "text", ["Pashinyan’s office", "Pashinyan's office", "Lavrov’s remarks", "Lavrov's remarks"]
)
def test_possessives(text: str) -> None:
    m = matcher(("p", ["Pashinyan"]), ("l", ["Lavrov"]))
    assert found(m, text)


def test_curly_apostrophe_in_alias() -> None:
    m = matcher(("o", ["O’Brien"]))
    assert found(m, "Senator O'Brien said") == ["o"]


def test_trailing_star_is_a_prefix() -> None:
    m = matcher(("arm", ["Armen*"]), ("rus", ["армянск*"]))
    assert found(m, "the Armenian delegation") == ["arm"]
    assert found(m, "Armenia") == ["arm"]
    assert found(m, "Karmen") == []
    assert found(m, "армянская делегация") == ["rus"]  # a lower-case alias: any case
    assert found(m, "Армянская делегация") == ["rus"]
    assert found(m, "armenian") == []  # a capitalised one: a capitalised word


def test_yo_and_zero_width_and_soft_hyphen() -> None:
    m = matcher(("s", ["Семёнов"]), ("a", ["Armenia"]))
    assert found(m, "Семенов сказал") == ["s"]
    assert found(m, "Ar\u200bme\u00adnia") == ["a"]


def test_snippet_is_the_sentence_with_highlights_on_the_original_text() -> None:
    text = "First sentence here. Prime Minister Nikol Pashinyan’s office said so. Another one."
    m = matcher(("p", ["Pashinyan"]), ("n", ["Nikol Pashinyan"]))
    [r] = m.match("", text)
    [sn] = r.snippets
    assert sn.text == "Prime Minister Nikol Pashinyan’s office said so."
    assert [sn.text[a:b] for a, b in sn.highlights] == ["Nikol Pashinyan"]
    assert set(sn.entities) == {"p", "n"}


def test_each_entity_reported_with_its_sentence() -> None:
    m = matcher(("putin", ["Putin"]), ("lavrov", ["Lavrov"]))
    [r] = m.match("Talks in Moscow", "Putin spoke first. Later, Lavrov answered questions.")
    assert r.entities == ("putin", "lavrov")
    assert [s.text for s in r.snippets] == [
        "Putin spoke first.",
        "Later, Lavrov answered questions.",
    ]


def test_title_counts_and_body_sentence_is_preferred() -> None:
    m = matcher(("putin", ["Putin"]))
    [r] = m.match("Putin visits Minsk", "The president arrived on Monday.")
    assert r.snippets[0].text == "Putin visits Minsk"
    [r] = m.match("Putin visits Minsk", "Vladimir Putin arrived on Monday.")
    assert r.snippets[0].text == "Vladimir Putin arrived on Monday."


def test_highlights_map_back_through_odd_text() -> None:
    text = "İstanbul: Семе\u0308нов и Пу\u0301тин встретились. Putin\u00a0spoke."
    m = matcher(("putin", ["Путин", "Putin"]), ("s", ["Семёнов"]))
    [r] = m.match("", text)
    hl = [sn.text[a:b] for sn in r.snippets for a, b in sn.highlights]
    assert hl == ["Семе\u0308нов", "Пу\u0301тин"]


def test_long_sentence_is_cut_around_the_match() -> None:
    text = "word " * 200 + "Putin spoke " + "word " * 200 + "."
    [r] = PUTIN.match("", text)
    sn = r.snippets[0]
    assert len(sn.text) <= 330 and sn.text.startswith("…") and sn.text.endswith("…")
    a, b = sn.highlights[0]
    assert sn.text[a:b] == "Putin"


@pytest.mark.parametrize("shift", range(0, 12))
def test_a_long_sentence_is_cut_at_word_boundaries(shift: int) -> None:
    """ "…rtment experts" and "Ukrain…" read as faults: whole words only, whatever the
    offsets; the alias and its neighbours stay."""
    words = [
        "department",
        "experts",
        "from",
        "Ukraine",
        "and",
        "Armenia",
        "discussed",
        "the",
        "border",
    ]
    before = " ".join(words[i % len(words)] for i in range(60 + shift))
    after = " ".join(words[i % len(words)] for i in range(shift, 80))
    [r] = PUTIN.match("", f"{before} Putin spoke {after}.")
    sn = r.snippets[0]
    assert sn.text.startswith("…") and sn.text.endswith("…")
    inner = sn.text[1:-1]
    assert inner == inner.strip()
    whole = set(words) | {"Putin", "spoke"}
    assert set(inner.split()) <= whole, inner
    a, b = sn.highlights[0]
    assert sn.text[a:b] == "Putin" and len(sn.text) <= 330


@pytest.mark.parametrize(
    ("title", "text", "snippet"),
    [
        # extraction kept the h1: the body's own sentence, not the headline again
        (
            "Putin visits Minsk",
            "Putin visits Minsk\nVladimir Putin arrived.",
            "Vladimir Putin arrived.",
        ),
        ("Putin  visits MINSK", "putin visits minsk\nPutin arrived.", "Putin arrived."),
        # only the headline names him: the headline it is
        ("Putin visits Minsk", "Putin visits Minsk\nThe visit began.", "Putin visits Minsk"),
        # a first line that is not the title is the body
        ("Minsk talks", "Putin arrived in Minsk.\nTalks began.", "Putin arrived in Minsk."),
    ],
)
def test_the_headline_kept_in_the_text_is_not_the_body(title: str, text: str, snippet: str) -> None:
    [r] = PUTIN.match(title, text)
    assert r.snippets[0].text == snippet


def test_rule_with_near_and_phrases() -> None:
    m = matcher(("putin", ["Putin"]), ("k", ["Karabakh"]), rule='k OR (putin NEAR/5 "peace talks")')
    assert found(m, "Putin said the peace talks will go on.") == ["putin"]
    assert found(m, "Putin said " + "x " * 10 + "peace talks") == []
    assert found(m, "Karabakh") == ["k"]


def test_exclude_drops_the_article() -> None:
    m = matcher(("k", ["Karabakh"]), exclude=("Karabakh horse",))
    assert found(m, "Karabakh horse show") == []
    assert found(m, "Karabakh talks") == ["k"]


def test_no_watchlists_no_matches() -> None:
    assert Matcher([]).match("Putin", "Putin") == []


def test_normalize_offsets_always_point_at_the_source_character() -> None:
    rng = random.Random(7)
    alphabet = "aZé ё–\u00ad\u200b’\n  ИİßПу\u0301тин-_.,"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        n = normalize(text)
        assert len(n.folded) == len(n.cased)
        prev = -1
        for i in range(len(n.folded)):
            o = n.orig(i)
            assert 0 <= o < len(text) and o >= prev  # monotone, inside the text
            prev = o
        assert n.orig(len(n.folded)) == len(text)


RUSSIAN = matcher(
    ("peskov", ["Песков"]),
    ("pashinyan", ["Никол Пашинян", "Пашинян"]),
    ("armenia", ["Армения"]),
    ("yerevan", ["Ереван"]),
    ("karabakh", ["Нагорный Карабах"]),
    ("putin", ["Путин"]),
    ("zakharova", ["Мария Захарова"]),
    ("odkb", ["ОДКБ"]),
)


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Слова Пескова", "peskov"),
        ("сообщил Пескову", "peskov"),
        ("беседа с Песковым", "peskov"),
        ("в Армении", "armenia"),
        ("поддержать Армению", "armenia"),
        ("в Ереване", "yerevan"),
        ("из Еревана", "yerevan"),
        ("в Нагорном Карабахе", "karabakh"),
        ("Нагорного Карабаха", "karabakh"),
        ("встреча с Путиным", "putin"),
        ("Пашиняна", "pashinyan"),
        ("с Николом Пашиняном", "pashinyan"),
        ("заявила Марии Захаровой", "zakharova"),
        ("саммит ОДКБ", "odkb"),
    ],
)
def test_russian_inflected_forms_match(text: str, entity: str) -> None:
    assert entity in found(RUSSIAN, text)


@pytest.mark.parametrize("text", ["Распутина", "Распутину", "Распутин", "одкб", "Путинизм"])
def test_russian_forms_stay_whole_words(text: str) -> None:
    assert found(RUSSIAN, text) == []


def test_inflection_recall_on_annotated_russian_news() -> None:
    """Mentions that are the alias in another case, in real annotated news text."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from inflection import run

    result = run(Path(__file__).parent / "fixtures" / "russian-news", inflect=True)
    baseline = run(Path(__file__).parent / "fixtures" / "russian-news", inflect=False)
    assert result["case forms"]["mentions"] >= 50
    assert result["case forms"]["recall"] >= 0.95
    assert baseline["case forms"]["recall"] < 0.1
    assert result["person"]["recall"] >= 0.95


FUZZY = Matcher(
    [
        Watchlist(
            "w",
            "",
            (
                Entity("karabakh", "K", ("Nagorno-Karabakh", "Karabakh"), fuzzy=1),
                Entity("putin", "P", ("Putin",), fuzzy=1),
                Entity("zakharova", "Z", ("Захарова",), fuzzy=1),
                Entity("armenia", "A", ("Armenia",)),
            ),
        )
    ]
)


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Karabagh", "karabakh"),
        ("Nagarno-Karabakh", "karabakh"),
        ("Karabkh", "karabakh"),
        ("Karbaakh", "karabakh"),
        ("Захаровй", "zakharova"),
    ],
)
def test_fuzzy_finds_one_typo(text: str, entity: str) -> None:
    [r] = FUZZY.match("", f"Reports from {text} today.")
    assert entity in r.entities
    assert any(ev.fuzzy and ev.entity == entity for ev in r.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "Arabakh",  # the first letter of a single-word alias is kept
        "Karabaghh",  # two edits
        "Putn",  # words under six letters are exact only
        "Armenla",  # the entity is not fuzzy
        "Захаров",  # a real word (another surname) is not a typo
    ],
)
def test_fuzzy_limits(text: str) -> None:
    assert FUZZY.match("", f"Reports from {text} today.") == []


def test_exact_match_is_not_reported_as_a_typo() -> None:
    [r] = FUZZY.match("", "Karabakh")
    assert [(ev.alias, ev.found, ev.fuzzy) for ev in r.evidence] == [
        ("Karabakh", "Karabakh", False)
    ]


def test_every_changed_character_is_found_by_the_fast_scan() -> None:
    from monitor.basics.normalize import FOLD_TABLE, SPECIAL_OR_MARK

    assert all(SPECIAL_OR_MARK.match(chr(c)) for c in FOLD_TABLE)


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Касым–Жомарт Токаев прибыл", True),  # an en dash for the hyphen
        ("Касым Жомарт Токаев прибыл", True),  # a space for the hyphen
        ("Касым-Жомарта Токаева встретили", True),  # inflected
        ("КАСЫМ-ЖОМАРТ ТОКАЕВ", True),  # capitals
    ],
)
def test_russian_typography_and_case(text: str, hit: bool) -> None:
    m = matcher(("tokayev", ["Касым-Жомарт Токаев"]))
    assert bool(found(m, text)) is hit


def test_russian_rules_with_near_and_exclude() -> None:
    m = matcher(
        ("peskov", ["Песков"]),
        ("karabakh", ["Карабах"]),
        rule='peskov NEAR/5 karabakh OR "мирный договор"',
        exclude=("Карабах-футбол",),
    )
    assert found(m, "Песков заявил, что ситуация в Карабахе стабильна.") == ["peskov", "karabakh"]
    assert found(m, "Песков " + "очень " * 10 + "о Карабахе.") == []
    assert found(m, "Подписание мирного договора и Карабах.") == ["karabakh"]
    assert found(m, "Клуб Карабах-Футбол проиграл, Песков промолчал.") == []
