"""The matcher in the region's languages: the seam, normalisation of their scripts, the
capital rule, acronyms with suffixes, traps, and the written sentences of each language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.basics.normalize import normalize
from monitor.match.explain import describe_match, form_note, match_json
from monitor.match.lang import CODES, alias_languages, language
from monitor.match.matcher import Matcher
from monitor.watchlists.load import load_watchlist_file
from monitor.watchlists.model import Entity, Watchlist
from tests.support.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "languages"


def matcher(*entities: Entity, languages: tuple[str, ...] | None = None) -> Matcher:
    return Matcher([Watchlist("w", "", tuple(entities), languages=languages)])


def found(m: Matcher, text: str) -> list[str]:
    r = m.match("", text)
    return sorted(r[0].entities) if r else []


def ent(eid: str, *aliases: str, **kw: object) -> Entity:
    return Entity(eid, eid, aliases, **kw)  # type: ignore[arg-type]


# --- which languages an alias is in ----------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "languages"),
    [
        ("Ղարաբաղ", ("hy",)),
        ("ყარაბაღი", ("ka",)),
        ("Qarabağ", ("az",)),
        ("Əliyev", ("az",)),
        ("Putin", ("en", "az")),
        ("Washington", ("en",)),  # w is no Azerbaijani letter
        ("Тоқаев", ("kk",)),
        ("Лукашэнка", ("ru", "be", "kk", "ky")),  # э: not Ukrainian
        ("Лаўроў", ("be",)),
        ("Зеленський", ("ru", "uk", "kk", "ky")),  # и: not Belarusian
        ("Путін", ("uk", "be", "kk")),  # і without other marks
        ("Путин", ("ru", "uk", "kk", "ky")),  # и: not Belarusian
        ("Москва", ("ru", "uk", "be", "kk", "ky")),
        ("ЖККУ", ("ru", "uk", "be", "kk", "ky")),
        ("Бишкекке", ("ru", "uk", "kk", "ky")),
        ("Түркия", ("kk", "ky")),
        ("2024", ()),
    ],
)
def test_an_alias_is_in_every_language_its_letters_fit(
    alias: str, languages: tuple[str, ...]
) -> None:
    assert alias_languages(alias) == languages


def test_configured_languages_narrow_what_the_letters_allow() -> None:
    assert alias_languages("Putin", ("hy", "az")) == ("az",)
    assert alias_languages("Москва", ("ru",)) == ("ru",)
    assert alias_languages("Ղարաբաղ", ("az",)) == ()


def test_every_language_module_is_there() -> None:
    assert [language(c).code for c in CODES] == list(CODES)


def test_languages_key_turns_forms_on_and_off() -> None:
    both = ent("k", "Ղարաբաղ", "Qarabağ")
    assert found(matcher(both), "Ղարաբաղում և Qarabağda") == ["k"]
    hy_only = matcher(both, languages=("hy",))
    assert found(hy_only, "Qarabağda") == []
    assert found(hy_only, "Ղարաբաղում") == ["k"]
    # the entity's own key wins over the watchlist's
    assert found(matcher(ent("k", "Qarabağ", languages=("az",)), languages=("hy",)), "Qarabağda")
    assert found(matcher(ent("k", "Ղարաբաղ"), languages=()), "Ղարաբաղում") == []


# --- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Երևան", "ԵՐԵՎԱՆ", "Երեվան", "Երեւան", "ԵՐԵՒԱՆ"])
def test_armenian_ew_is_one(text: str) -> None:
    assert normalize(text).folded == normalize("Երևան").folded
    assert found(matcher(ent("y", "Երևան")), f"{text}ում անցկացվեց") == ["y"]


def test_armenian_ligature_keeps_offsets() -> None:
    text = "Ալիևը և  Փաշինյանը Երևանում հանդիպեցին։"
    m = matcher(ent("a", "Ալիև"), ent("p", "Փաշինյան"), ent("y", "Երևան"))
    [r] = m.match("", text)
    assert [ev.found for ev in r.evidence] == ["Ալիևը", "Փաշինյանը", "Երևանում"]
    assert [r.snippets[0].text[a:b] for a, b in r.snippets[0].highlights] == [
        "Ալիևը",
        "Փաշինյանը",
        "Երևանում",
    ]


def test_armenian_in_word_marks_are_dropped() -> None:
    assert found(matcher(ent("k", "Ղարաբաղ")), "Ղարաբաղո՞ւմ է նա") == ["k"]


@pytest.mark.parametrize(("text", "hit"), [("LAÇIN YOLU", True), ("Laçın", True), ("LACİN", True)])
def test_turkic_dotted_and_dotless_i_fold(text: str, hit: bool) -> None:
    assert bool(found(matcher(ent("l", "Laçın")), text)) is hit


def test_schwa_stays_a_letter_of_its_own() -> None:
    assert normalize("Əliyev").folded == "əliyev"
    assert found(matcher(ent("a", "Əliyev")), "Aliyev dedi") == []


@pytest.mark.parametrize("text", ["з Iспанii", "у Мiнську", "Іспанії"])
def test_a_latin_i_typed_for_the_cyrillic_one_matches(text: str) -> None:
    """Belarusian, Ukrainian and Kazakh text is often typed with a Latin i for і."""
    [r] = matcher(ent("e", "Іспанія", "Мінськ")).match("", text)
    [ev] = r.evidence
    assert ev.rule  # a form of the alias, explained as one
    assert found(matcher(ent("e", "Іспанія")), "Ispania") == []  # a Latin word stays Latin


def test_georgian_mtavruli_headline_folds() -> None:
    assert found(matcher(ent("k", "ყარაბაღი")), "ᲧᲐᲠᲐᲑᲐᲦᲘ") == ["k"]


# --- a capitalised alias, a capitalised word -------------------------------------------


@pytest.mark.parametrize(
    ("alias", "text", "hit"),
    [
        ("Роман", "новый роман вышел", False),  # a novel
        ("Роман", "Роман Старовойт сказал", True),
        ("Вера", "вера в успех", False),  # faith
        ("Орёл", "полёт орла", False),  # an eagle's
        ("Орёл", "в Орле", True),
        ("Надія", "надії немає", False),  # hope's
        ("Вера", "ВЕРА В УСПЕХ", True),  # a headline in capitals
        ("вера", "Вера в успех", True),  # a lower-case alias: any case
        ("ყარაბაღი", "ყარაბაღში", True),  # Georgian has no case
    ],
)
def test_a_capitalised_alias_matches_a_capitalised_word(alias: str, text: str, hit: bool) -> None:
    assert bool(found(matcher(ent("e", alias)), text)) is hit


# --- acronyms take suffixes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "text", "form"),
    [
        ("ՀԱՊԿ", "ՀԱՊԿ-ի գլխավոր քարտուղարը", "ՀԱՊԿ-ի"),
        ("ՀԱՊԿ", "դուրս գալ ՀԱՊԿ-ից", "ՀԱՊԿ-ից"),
        ("KTMT", "KTMT-nin baş katibi", "KTMT-nin"),
        ("KTMT", "KTMT'nin baş katibi", "KTMT'nin"),
        ("ЖККУ", "ЖККУнун башкы катчысы", "ЖККУнун"),
        ("ЖККУ", "ЖККУ-нун башкы катчысы", "ЖККУ-нун"),
        ("ҰҚШҰ", "ҰҚШҰ-ның бас хатшысы", "ҰҚШҰ-ның"),
    ],
)
def test_acronyms_take_the_suffixes_of_their_language(alias: str, text: str, form: str) -> None:
    [r] = matcher(ent("csto", alias)).match("", text)
    [ev] = r.evidence
    assert ev.found == form
    assert ev.rule and ev.language in CODES


@pytest.mark.parametrize(
    ("alias", "text"),
    [
        ("ЖККУ", "ЖККУНҮН"),  # not inside another word in capitals
        ("KTMT", "KTMTX"),
        ("ЖККУ", "жккунун"),  # an acronym in capitals only
        ("ОДКБ", "ОДКБшник"),  # a suffix no language has
    ],
)
def test_acronym_suffixes_stay_inside_their_word(alias: str, text: str) -> None:
    assert found(matcher(ent("csto", alias)), text) == []


# --- traps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "text"),
    [
        ("Алиев", "Первый вице-президент Мехрибан Алиева открыла выставку."),
        ("Алиев", "Алиева заявила, что фонд продолжит работу."),
        ("Əliyev", "Mehriban Əliyeva sərgini açdı."),
        ("Ալիև", "Մեհրիբան Ալիևան այցելել է ցուցահանդես։"),
        ("ალიევი", "მეჰრიბან ალიევამ გამოფენა გახსნა."),
        ("Путин", "Юлия Путинцева вышла в третий круг."),
        ("Лавров", "Добавьте лавровый лист."),
        ("Лаўроў", "Дадайце лаўровы ліст."),
        ("Лавров", "Додайте лавровий лист."),
        ("Сюник", "Сюникская область"),
    ],
)
def test_forms_do_not_open_traps(alias: str, text: str) -> None:
    assert found(matcher(ent("e", alias)), text) == []


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("заявление Алиева", True),  # his genitive
        ("встреча Ильхама Алиева и Пашиняна", True),
        ("Позиция Алиева была жёсткой.", True),  # the verb agrees with another subject
        ("У Алиева была встреча.", True),
        ("Мехрибан Алиева", False),
        ("Алиева сказала", False),
    ],
)
def test_the_mans_genitive_is_his_unless_the_context_shows_a_woman(text: str, hit: bool) -> None:
    assert bool(found(matcher(ent("aliyev", "Алиев")), text)) is hit


def test_an_entity_exclude_takes_out_its_mentions_not_the_article() -> None:
    m = matcher(
        ent("aliyev", "Aliyev", "Əliyev", exclude=("Heydar Aliyev", "Heydər Əliyev Mərkəzi")),
        ent("baku", "Baku"),
    )
    assert found(m, "A concert at the Heydar Aliyev Centre in Baku.") == ["baku"]
    assert found(m, "Heydər Əliyev Mərkəzində konsert oldu.") == []
    assert found(m, "Aliyev spoke at the Heydar Aliyev Centre.") == ["aliyev"]


def test_watchlist_exclude_phrases_match_in_their_forms() -> None:
    def wl(phrase: str) -> Matcher:
        return Matcher(
            [Watchlist("w", "", (ent("k", "Qarabağ", "Karabakh", "Карабах"),), exclude=(phrase,))]
        )

    assert found(wl("Qarabağ FK"), "Qarabağ FK-nın oyunçusu qol vurdu, Qarabağ sevindi.") == []
    assert found(wl("Karabakh horse"), "Karabakh horses were shown in Karabakh.") == []
    assert found(wl("ФК «Карабах»"), "Игроки ФК «Карабаха» и болельщики «Карабаха»") == []
    assert found(wl("Qarabağ FK"), "Qarabağda sülh") == ["k"]


# --- explain -------------------------------------------------------------------------------


def test_explain_names_the_form_and_its_rule() -> None:
    lists = [Watchlist("w", "", (ent("karabakh", "Ղարաբաղ"), ent("putin", "Putin")))]
    text = "Ղարաբաղում լարված է։ Putin spoke."
    [r] = Matcher(lists).match("", text)
    notes = {ev.found: form_note(ev) for ev in r.evidence}
    assert notes == {"Ղարաբաղում": "Armenian locative of Ղարաբաղ", "Putin": ""}
    out = describe_match("t.txt", "", text, [r], lists)
    assert "found as 'Ղարաբաղում': Armenian locative of Ղարաբաղ" in out
    [data] = [match_json("t.txt", "", text, [r], lists)]
    hit = next(h for h in data["matches"][0]["hits"] if h["entity"] == "karabakh")
    assert (hit["alias"], hit["found"], hit["language"], hit["rule"]) == (
        "Ղարաբաղ",
        "Ղարաբաղում",
        "hy",
        "locative",
    )
    s = hit["sentence"]
    assert s["text"][s["start"] : s["end"]] == "Ղարաբաղում"
    json.dumps(data)


def test_monitor_match_json(tmp_path: Path) -> None:
    page = tmp_path / "a.txt"
    page.write_text("Qarabağda vəziyyət gərgindir.", encoding="utf-8")
    wl = tmp_path / "w.yaml"
    wl.write_text("entities:\n  karabakh:\n    aliases: [Qarabağ]\n", encoding="utf-8")
    r = cli("match", "--watchlists", str(wl), "--format", "json", str(page))
    assert r.returncode == 0, r.stderr
    [target] = json.loads(r.stdout)
    [hit] = target["matches"][0]["hits"]
    assert (hit["found"], hit["language"], hit["rule"]) == ("Qarabağda", "az", "locative")


def test_a_bad_language_is_an_error_naming_the_known_ones(tmp_path: Path) -> None:
    wl = tmp_path / "w.yaml"
    wl.write_text("languages: [hy, fr]\nentities:\n  a:\n    aliases: [A]\n", encoding="utf-8")
    r = cli("watchlists", "check", str(wl))
    assert r.returncode == 1
    assert f"{wl}:1:17: languages.1: unknown language 'fr'; known: {', '.join(CODES)}" in r.stderr


# --- the written sentences of each language ------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_written_sentences(code: str) -> None:
    """Every language's sentences: at least 40 that name entities, found with their
    base-form aliases, and traps that find nothing they should not."""
    wl = load_watchlist_file(FIXTURES / f"{code}.yaml")
    m = Matcher([wl])
    named = [ex for ex in wl.examples if ex.expect]
    traps = [ex for ex in wl.examples if ex.note.startswith("trap")]
    assert len(named) >= 40 and len(traps) >= 5
    expected = hit = 0
    wrong = []
    for ex in wl.examples:
        got = {e for r in m.match("", ex.text) for e in r.entities}
        expected += len(ex.expect)
        hit += len(got & set(ex.expect))
        if got - set(ex.expect):
            wrong.append((ex.text, sorted(got - set(ex.expect))))
    assert hit / expected >= 0.98
    assert wrong == []
