from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.errors import WatchlistError
from monitor.match.examples import run_examples
from monitor.match.matcher import Matcher
from monitor.watchlists.liveset import LiveSet
from monitor.watchlists.load import (
    BUNDLED,
    SCHEMA,
    load_watchlist_file,
    load_watchlists,
    watchlist_schema,
)
from monitor.watchlists.rules import (
    And,
    Near,
    Not,
    Or,
    RuleSyntaxError,
    Term,
    compile_rule,
    parse_rule,
    term_key,
)


def write(tmp_path: Path, text: str, name: str = "wl.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_bundled_watchlists_are_valid_and_their_examples_pass() -> None:
    lists, problems = load_watchlists([BUNDLED])
    assert problems == []
    assert {w.name for w in lists} >= {"csto", "karabakh", "officials"}
    officials = next(w for w in lists if w.name == "officials")
    ids = {e.id for e in officials.entities}
    assert {"putin", "lavrov", "peskov", "pashinyan", "aliyev"} <= ids
    for e in officials.entities:  # English and Russian aliases
        assert any(a.isascii() for a in e.aliases) and any(not a.isascii() for a in e.aliases), e.id
    results = run_examples(lists)
    assert [(r.watchlist.name, r.example.text) for r in results if not r.passed] == []
    assert len(results) >= 10


def test_an_example_that_does_not_match_fails(tmp_path: Path) -> None:
    wl = load_watchlist_file(
        write(
            tmp_path,
            "entities:\n  a:\n    aliases: [Alpha]\nexamples:\n  - text: Beta\n    expect: [a]\n",
        )
    )
    [r] = run_examples([wl])
    assert not r.passed and r.found == () and r.example.expect == ("a",)


def test_product_watchlist_example(tmp_path: Path) -> None:
    text = """\
# yaml-language-server: $schema=../schema/watchlist.schema.json
name: south-caucasus
description: CSTO commitments and the Karabakh conflict
entities:
  csto:
    label: CSTO
    aliases:
      - CSTO
      - Collective Security Treaty Organization
      - OTSC
      - ОДКБ
  karabakh:
    label: Nagorno-Karabakh
    aliases: [Nagorno-Karabakh, Karabakh, Artsakh, Карабах]
    fuzzy: 1
  putin:
    label: Vladimir Putin
    aliases: [Vladimir Putin, Putin, Путин]
match: csto OR karabakh OR (putin NEAR/15 karabakh)
exclude: [chess, "football club"]
examples:
  - text: "The CSTO summit opened in Yerevan."
    expect: [csto]
  - text: "Rasputin was a mystic."
    expect: []
"""
    wl = load_watchlist_file(write(tmp_path, text))
    assert wl.name == "south-caucasus"
    assert wl.label("karabakh") == "Nagorno-Karabakh"
    assert wl.exclude == ("chess", "football club")
    m = Matcher([wl])
    assert [r.entities for r in m.match("", "Putin spoke about Karabakh today.")] == [
        ("putin", "karabakh")
    ]
    assert m.match("", "Putin spoke about the weather.") == []  # the rule needs more than putin
    assert m.match("", "The CSTO chess championship.") == []  # excluded
    assert m.match("", "A football club from Karabakh.") == []


def test_name_defaults_to_file_name(tmp_path: Path) -> None:
    wl = load_watchlist_file(
        write(tmp_path, "entities:\n  a:\n    aliases: [Alpha]\n", "my-list.yaml")
    )
    assert wl.name == "my-list"
    assert wl.label("a") == "a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "entities:\n  a:\n    aliases: [x]\n    alias: [y]\n",
            "wl.yaml:4:5: entities.a.alias: unknown key 'alias'",
        ),
        ("entities:\n  a:\n    aliases: [Alpha]\nmatch: a AND (b\n", "wl.yaml:4:"),
        (
            "entities:\n  a:\n    aliases: [Alpha]\nmatch: a OR zeta\n",
            "wl.yaml:4:13: match: unknown entity id 'zeta'",
        ),
        (
            'entities:\n  a:\n    aliases: [Alpha]\nmatch: "a OR zeta"\n',
            "wl.yaml:4:14: match: unknown entity id 'zeta'",
        ),
        (
            "entities:\n  a:\n    aliases: [Alpha, '--']\n",
            "wl.yaml:3:22: alias '--' can never match",
        ),
        ("entities:\n  a:\n    aliases: [Alpha]\n  a:\n    aliases: [Beta]\n", "wl.yaml:4:3"),
        ("entities: {}\n", "entities"),
        ("entities:\n  a:\n    aliases: [Alpha]\n    fuzzy: 3\n", "entities.a.fuzzy"),
        (
            "entities:\n  a:\n    aliases: [Alpha]\nexamples:\n  - text: x\n    expect: [b]\n",
            "unknown entity id 'b' in expect",
        ),
        ("entities:\n  and:\n    aliases: [Alpha]\n", "must be letters"),
        (
            "entities:\n  a: &x\n    aliases: [Alpha]\n  b: *x\n",
            "anchors and aliases are not allowed",
        ),
    ],
)
def test_errors_name_file_line_column(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(WatchlistError) as err:
        load_watchlist_file(write(tmp_path, text))
    assert expected in str(err.value)


def test_rule_error_points_at_column(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError) as err:
        load_watchlist_file(
            write(tmp_path, "entities:\n  a:\n    aliases: [Alpha]\nmatch: a AND AND a\n")
        )
    assert "wl.yaml:4:14: match: expected an entity id" in str(err.value)


def test_variables_stay_literal_in_watchlists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET", "leaked")
    wl = load_watchlist_file(write(tmp_path, "entities:\n  a:\n    aliases: ['${SECRET}']\n"))
    assert wl.entities[0].aliases == ("${SECRET}",)


def test_duplicate_names_across_files(tmp_path: Path) -> None:
    write(tmp_path, "name: same\nentities:\n  a:\n    aliases: [Alpha]\n", "one.yaml")
    write(tmp_path, "name: same\nentities:\n  b:\n    aliases: [Beta]\n", "two.yaml")
    lists, problems = load_watchlists([tmp_path])
    assert len(lists) == 1
    assert "two.yaml:1:1: watchlist name 'same' is already used" in problems[0]


def test_rule_parser_precedence_and_operators() -> None:
    assert parse_rule("a or b and not c") == Or(Term("a"), And(Term("b"), Not(Term("c"))))
    assert parse_rule('(a OR b) near/5 "peace talks"') == Near(
        Or(Term("a"), Term("b")), Term("peace talks", True), 5
    )


@pytest.mark.parametrize(
    ("rule", "col"),
    [
        ("a AND", 6),
        ("(a OR b", 8),
        ("a b", 3),
        ("a NEAR/0 b", 3),
        ("a ! b", 3),
        ('a OR ""', 6),
        ("", 1),
    ],
)
def test_rule_syntax_errors_have_columns(rule: str, col: int) -> None:
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule(rule)
    assert err.value.column == col


def test_rule_evaluation_on_positions() -> None:
    def holds(rule: str, **found: list[int]) -> bool:
        return compile_rule(parse_rule(rule))({term_key(Term(k)): v for k, v in found.items()})

    rule = "putin NEAR/3 karabakh AND NOT chess"
    assert holds(rule, putin=[1], karabakh=[4])
    assert not holds(rule, putin=[1], karabakh=[5])
    assert not holds(rule, putin=[1], karabakh=[4], chess=[9])
    assert holds("(a AND NOT b) NEAR/2 c", a=[1], c=[3])
    assert not holds("(a AND NOT b) NEAR/2 c", a=[1], b=[7], c=[3])
    assert holds("(a OR b) NEAR/1 c", b=[5], c=[6])
    assert not holds("(a AND b) NEAR/1 c", a=[5], c=[6])
    assert holds("a OR b", b=[0]) and not holds("a AND b", b=[0]) and holds("NOT a", b=[0])
    assert not holds('"peace talks" NEAR/2 a', a=[3])
    assert compile_rule(parse_rule('"peace talks" NEAR/2 a'))(
        {term_key(Term("peace talks", True)): [1], term_key(Term("a")): [3]}
    )


def test_json_schema_in_repo_is_current() -> None:
    shipped = json.loads(SCHEMA.read_text())
    generated = watchlist_schema()
    assert shipped["properties"] == generated["properties"]
    assert shipped["$defs"] == generated["$defs"]


def test_hot_reload_keeps_the_last_good_version(tmp_path: Path) -> None:
    import os

    f = write(tmp_path, "entities:\n  a:\n    aliases: [Alpha]\n", "desk.yaml")
    ws = LiveSet([tmp_path], Matcher)
    old = ws.compiled
    assert [r.entities for r in ws.compiled.match("", "Alpha and Beta")] == [("a",)]

    def touch(text: str, step: int) -> None:
        f.write_text(text, encoding="utf-8")
        st = f.stat()
        os.utime(f, (st.st_atime, st.st_mtime + step))  # a new mtime even within one clock tick

    touch("entities:\n  a:\n    aliases: [Alpha]\n  b:\n    aliases: [Beta]\n", 1)
    assert ws.reload() is True
    assert ws.compiled is not old  # built aside, then swapped in
    assert [r.entities for r in ws.compiled.match("", "Alpha and Beta")] == [("a", "b")]

    touch("entities:\n  a:\n    aliases: [Alpha]\n  b:\n    aliases: [Beta]\nmatch: a AND (\n", 2)
    ws.reload()
    assert ws.problems and "desk.yaml:6:" in ws.problems[0]
    assert [r.entities for r in ws.compiled.match("", "Alpha and Beta")] == [
        ("a", "b")
    ]  # last good

    touch("entities:\n  c:\n    aliases: [Gamma]\n", 3)
    ws.reload()
    assert ws.problems == []
    assert [r.entities for r in ws.compiled.match("", "Alpha and Gamma")] == [("c",)]
    assert ws.reload() is False  # nothing changed


def test_a_broken_file_at_start_leaves_the_others_running(tmp_path: Path) -> None:
    write(tmp_path, "entities:\n  a:\n    aliases: [Alpha]\n", "good.yaml")
    write(tmp_path, "entities: [oops\n", "bad.yaml")
    ws = LiveSet([tmp_path], Matcher)
    assert [w.name for w in ws.watchlists] == ["good"]
    assert any("bad.yaml" in p for p in ws.problems)


def test_a_watchlist_path_that_does_not_exist_is_a_problem_not_an_empty_set(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "desk"
    folder.mkdir()
    write(folder, "entities:\n  a:\n    aliases: [Alpha]\n", "desk.yaml")
    nope = tmp_path / "nope.yaml"
    ws = LiveSet([folder, nope], Matcher)
    assert ws.missing == [f"{nope}: no such file or folder"]
    assert ws.problems == [f"{nope}: no such file or folder"]
    assert [w.name for w in ws.watchlists] == ["desk"]
    # A folder moved away while running: what was loaded from it stays, and it is said.
    folder.rename(tmp_path / "elsewhere")
    ws.reload()
    assert [w.name for w in ws.watchlists] == ["desk"]
    assert f"{folder}: no such file or folder" in ws.problems
    assert [r.entities for r in ws.compiled.match("", "Alpha")] == [("a",)]
    # ... until it is back, edited.
    (tmp_path / "elsewhere").rename(folder)
    write(folder, "entities:\n  b:\n    aliases: [Beta]\n", "desk.yaml")
    import os

    st = (folder / "desk.yaml").stat()
    os.utime(folder / "desk.yaml", (st.st_atime, st.st_mtime + 5))
    assert ws.reload() is True
    assert [r.entities for r in ws.compiled.match("", "Alpha Beta")] == [("b",)]
    assert ws.problems == [f"{nope}: no such file or folder"]


@pytest.mark.parametrize("rule", ["a NEAR/abc b", "a NEAR b", "a NEAR/ b", "(a near b)"])
def test_near_without_its_number_says_so(rule: str) -> None:
    with pytest.raises(
        RuleSyntaxError, match=r"NEAR needs the number of words it allows, as in NEAR/5"
    ) as err:
        parse_rule(rule)
    assert err.value.column == rule.lower().index("near") + 1


def test_a_watchlist_file_added_or_removed_is_logged(tmp_path: Path, info_logs: None) -> None:
    from structlog.testing import capture_logs

    write(tmp_path, "entities:\n  a:\n    aliases: [Alpha]\n", "one.yaml")
    with capture_logs() as logs:
        ws = LiveSet([tmp_path], Matcher)
        assert logs == []  # the first load is the start's, said by the daemon
        two = write(tmp_path, "entities:\n  b:\n    aliases: [Beta]\n", "two.yaml")
        ws.reload()
        two.unlink()
        ws.reload()
    events = [(e["event"], Path(e["file"]).name) for e in logs]
    assert events == [("watchlist file added", "two.yaml"), ("watchlist file removed", "two.yaml")]
