"""A query's tsquery with only the words PostgreSQL's index holds: pure, as a table.

The store says which of the query's exact words the index holds; a word it does not
hold finds nothing, so the pruned query finds what the whole one finds."""

from __future__ import annotations

import re

import pytest

from monitor.search.query import parse_query
from monitor.search.service import compiled
from monitor.watchlists.load import BUNDLED, load_watchlists

WATCHLISTS, _ = load_watchlists([BUNDLED])


def tsquery_of(query: str, held: set[str] | None) -> str:
    _, c = compiled(parse_query(query, WATCHLISTS).watchlist)
    return c.tsquery_of(None if held is None else frozenset(held))


def items(tsquery: str) -> set[str]:
    """The tsquery's words, as quoted there (a prefix with its :*)."""
    return {m.group(0) for m in re.finditer(r"'(?:[^']|'')*'(?::\*)?", tsquery)}


@pytest.mark.parametrize(
    "query",
    ["Пашинян", "Пашинян AND (Москве OR Баку)", "Пашинян NEAR/3 Москве", "@csto", "@armenia"],
)
def test_with_every_word_held_the_query_is_whole(query: str) -> None:
    _, c = compiled(parse_query(query, WATCHLISTS).watchlist)
    assert c.words  # exact words to ask the index for
    assert c.tsquery_of(c.words) == c.tsquery
    assert c.tsquery_of(None) == c.tsquery  # an index that cannot tell: all of them


@pytest.mark.parametrize(
    ("query", "held", "expected"),
    [
        # a word in one of its forms: only the forms held
        ("Пашинян", {"пашиняну", "пашиняна"}, {"'пашиняна'", "'пашиняну'"}),
        ("Пашинян", set(), set()),  # none held: it finds nothing
        # AND: a side with nothing held finds nothing; OR: the other side stands
        ("Пашинян AND (Москве OR Баку)", {"пашиняну", "москве"}, {"'пашиняну'", "'москве'"}),
        ("Пашинян AND (Москве OR Баку)", {"москве", "баку"}, set()),
        ("Пашинян OR Баку", {"баку"}, {"'баку'"}),
        ("Пашинян AND NOT Москве", {"пашинян"}, {"'пашинян'"}),
        # a name of several words: its last word with the words before it, all held
        ("@csto", {"organization", "collective", "security", "treaty"},
         {"'organization'", "'collective'", "'security'", "'treaty'"}),
        ("@csto", {"organization", "collective", "security"}, set()),
        ("@csto", {"одкб", "organization", "collective"}, {"'одкб'"}),
    ],
)  # fmt: skip
def test_only_the_words_the_index_holds_are_asked_for(
    query: str, held: set[str], expected: set[str]
) -> None:
    assert items(tsquery_of(query, held)) == expected


def test_a_query_that_can_find_nothing_is_empty() -> None:
    assert tsquery_of("Пашинян AND Москве", {"пашинян"}) == ""


def test_a_prefix_is_not_asked_for_and_stays() -> None:
    """An alias ending in * is a prefix: the index cannot say whether it holds one."""
    whole = items(tsquery_of("@armenia", None))
    prefixes = {i for i in whole if i.endswith(":*")}
    assert "'армянск':*" in prefixes
    assert items(tsquery_of("@armenia", set())) == prefixes


def test_the_words_before_a_names_last_are_asked_for_once_for_all_its_forms() -> None:
    """(Организация | Организации | ...) & (договора & коллективной & безопасности), not
    each form with the words again: written once a form, they made @csto 6,273 ANDs,
    and SQLite took 6 s at a million articles."""
    _, c = compiled(parse_query("@csto", WATCHLISTS).watchlist)
    assert c.fts5.count(" AND ") <= c.tsquery.count("&") < 200
    found = items(tsquery_of("@csto", {"organization", "collective", "security", "treaty"}))
    assert found == {"'organization'", "'collective'", "'security'", "'treaty'"}


@pytest.mark.parametrize(
    ("query", "sqlite_leaves_out", "both_keep"),
    [
        # the words before the name's last: "о" is in most Russian texts
        ('"Организация Договора о коллективной безопасности"', {"о"}, {"договора"}),
        # a name of short words only keeps them all
        ('"о ай безопасности"', set(), {"о", "ай"}),
    ],
)
def test_sqlite_does_not_ask_for_a_names_one_and_two_letter_words_when_it_has_longer(
    query: str, sqlite_leaves_out: set[str], both_keep: set[str]
) -> None:
    """FTS5's bm25 counts every word written in the expression over the whole index."""
    _, c = compiled(parse_query(query, WATCHLISTS).watchlist)
    lite = set(re.findall(r'"((?:[^"]|"")*)"', c.fts5))
    assert not lite & sqlite_leaves_out
    assert both_keep <= lite
    assert sqlite_leaves_out | both_keep <= {w.strip("'") for w in items(c.tsquery)}
