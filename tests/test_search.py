"""Search on both databases: the query language, words in their forms in several
languages, entities by every alias, ranking, stories, hostile queries, and agreement
with a replay of the query saved as a watchlist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.identity.urls import canonical_url
from monitor.pipeline.replay import matching
from monitor.search.query import QueryError, as_yaml, parse_query
from monitor.search.service import search
from monitor.store import Store, open_store
from monitor.store.search import SearchFilter
from monitor.types import Article, NewEntry
from monitor.watchlists.load import BUNDLED, load_watchlists
from tests.support.store import save_articles

WATCHLISTS, _ = load_watchlists([BUNDLED])
NOW = datetime.now(UTC)
FILLER = "The weather in the region stayed mild all week, and markets were calm. " * 12
LEAD = " ".join(
    f"Delegates from country number {i} arrived by train on day {i}." for i in range(12)
)

# (slug, title, text, language, days ago)
ARTICLES = [
    (
        "ru-talks",
        "Переговоры в Москве",
        "Премьер-министр Армении Никол Пашинян провёл переговоры в Москве.",
        "ru",
        2,
    ),
    (
        "ru-call",
        "Звонок из Кремля",
        "Президент России позвонил Пашиняну и обсудил ситуацию в регионе.",
        "ru",
        3,
    ),
    (
        "ru-note",
        "Нота Еревана",
        "Официальный Ереван заявил: Армения не будет участвовать в учениях.",
        "ru",
        4,
    ),
    (
        "hy-csto",
        "Հայտարարություն",
        "Փաշինյանը հայտարարեց, որ Հայաստանը սառեցրել է մասնակցությունը ՀԱՊԿ-ում։",
        "hy",
        2,
    ),
    (
        "hy-talks",
        "Բանակցություններ",
        "Փաշինյանի խոսքով՝ բանակցությունները շարունակվում են։",
        "hy",
        5,
    ),
    ("az-meeting", "Görüş", "Bakıda keçirilən görüşdə Qarabağ məsələsi müzakirə olunub.", "az", 2),
    ("az-visit", "Səfər", "Prezident Bakı səfərini başa vurdu.", "az", 6),
    ("ka-meeting", "შეხვედრა", "თბილისში შეხვედრა გაიმართა.", "ka", 2),
    ("ka-talks", "მოლაპარაკებები", "თბილისი და ერევანი მოლაპარაკებებს აგრძელებენ.", "ka", 7),
    (
        "en-summit",
        "Leaders gather in Minsk",
        "The CSTO summit opened in Minsk on Friday, and the peace talks resumed.",
        "en",
        1,
    ),
    (
        "en-otsc",
        "Officials meet",
        "OTSC officials met in Moscow to discuss talks about peace.",
        "en",
        8,
    ),
    ("en-trap", "A mystic", "Rasputin was a mystic; the Botschaft stayed closed.", "en", 3),
    (
        "en-often",
        "CSTO, CSTO and the CSTO",
        "The CSTO met. The CSTO said the CSTO would act. " + LEAD,
        "en",
        10,
    ),
    ("en-once", "Weather report", FILLER + "Related: CSTO.", "en", 10),
]
COPY_TEXT = "Azerbaijan and Armenia agreed on the text of the peace treaty, officials said in Baku."


def article(slug: str, title: str, text: str, lang: str, days: int, outlet: str = "") -> Article:
    url = f"https://{outlet or slug.split('-')[0]}.example/{slug}"
    return Article(
        url=canonical_url(url),
        link=url,
        title=title,
        text=text,
        outlet=outlet or slug.split("-")[0],
        author=None,
        published=NOW - timedelta(days=days),
        language=lang,
        source="page",
        content_hash=content_hash(title, text),
        signature=signature(text),
    )


def fill(store: Store) -> None:
    entries = [NewEntry(article(*a), ()) for a in ARTICLES]
    entries += [
        NewEntry(article("copy-first", "Treaty text agreed", COPY_TEXT, "en", 1, "wire"), ()),
        NewEntry(article("copy-again", "Treaty text agreed", COPY_TEXT, "en", 1, "paper"), ()),
    ]
    save_articles(store, entries)


@pytest.fixture
def filled(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    fill(store)
    yield store
    store.engine.dispose()


def found(store: Store, q: str, sort: str = "relevance") -> list[str]:
    page = search(store, WATCHLISTS, q, sort=sort)  # type: ignore[arg-type]
    return [r.best.link.rsplit("/", 1)[1] for r in page.results]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Russian: the word in any case form, and the word it is a form of
        ("Пашиняна", {"ru-talks", "ru-call"}),
        ("Пашинян", {"ru-talks", "ru-call"}),
        ("Армении", {"ru-talks", "ru-note"}),
        # Armenian, Azerbaijani, Georgian
        ("Փաշինյանը", {"hy-csto", "hy-talks"}),
        ("Bakıda", {"az-meeting", "az-visit"}),
        ("თბილისში", {"ka-meeting", "ka-talks"}),
        # an entity: every alias, in every script, and their forms
        ("@csto", {"en-summit", "en-otsc", "hy-csto", "en-often", "en-once"}),
        # words side by side must all occur; AND, OR, NOT, parentheses, NEAR
        ("Пашинян Москве", {"ru-talks"}),
        ("Пашинян AND NOT Москве", {"ru-call"}),
        ("Bakı OR თბილისი", {"az-meeting", "az-visit", "ka-meeting", "ka-talks"}),
        ("(Bakı OR თბილისი) AND NOT Qarabağ", {"az-visit", "ka-meeting", "ka-talks"}),
        ("Пашинян NEAR/2 переговоры", {"ru-talks"}),
        ("Пашинян NEAR/1 переговоры", set()),
        # a phrase is exact
        ('"peace talks"', {"en-summit"}),
        # whole words only: Rasputin is not Putin, Botschaft is not OTSC
        ("Putin", set()),
        ("OTSC", {"en-otsc"}),
    ],
)
def test_the_query_language(filled: Store, query: str, expected: set[str]) -> None:
    assert set(found(filled, query)) == expected


def test_a_term_named_often_in_title_and_lead_ranks_above_one_in_a_last_line(
    filled: Store,
) -> None:
    ranked = found(filled, "CSTO")
    assert ranked.index("en-often") < ranked.index("en-once")
    newest = found(filled, "CSTO", sort="newest")
    assert newest[0] == "en-summit" and set(newest) == set(ranked)


def test_copies_are_one_result_with_the_others_as_also(filled: Store) -> None:
    page = search(filled, WATCHLISTS, "treaty Baku")
    [result] = page.results
    assert [c.outlet for c in result.also] == ["paper"] and result.best.outlet == "wire"
    assert page.articles == 2
    assert result.snippets and result.snippets[0].highlights


def test_counts_and_filters(filled: Store) -> None:
    page = search(filled, WATCHLISTS, "Пашинян OR Փաշինյանը")
    assert dict(page.counts["language"]) == {"ru": 2, "hy": 2}
    assert sum(n for _, n in page.counts["month"]) == 4
    only = search(filled, WATCHLISTS, "Пашинян OR Փաշինյանը", SearchFilter(language="hy"))
    assert {r.best.language for r in only.results} == {"hy"}
    recent = search(filled, WATCHLISTS, "@csto", SearchFilter(since=NOW - timedelta(days=3)))
    assert {r.best.link.rsplit("/", 1)[1] for r in recent.results} == {"en-summit", "hy-csto"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"CSTO summit', "at column 1: unexpected character"),
        ("title:CSTO", "at column 6: unexpected character ':'"),
        ("CSTO*", "at column 5: unexpected character '*'"),
        ("NOT CSTO", "not under NOT"),
        ("CSTO AND (OTSC", "missing ')'"),
        ("@nosuch", "at column 1: no entity 'nosuch'"),
        (" OR ".join(f"w{i}" for i in range(10_000)), "longer than 2000 characters"),
        (" OR ".join(f"w{i}" for i in range(60)), "at most 50"),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(filled: Store, query: str, message: str) -> None:
    with pytest.raises(QueryError) as err:
        search(filled, WATCHLISTS, query)
    assert message in str(err.value)


def test_index_syntax_in_a_phrase_is_only_text(filled: Store) -> None:
    assert found(filled, '"CSTO NEAR(x y) OR title:*"') == []
    with pytest.raises(QueryError, match="no word to look for"):
        found(filled, '"- OR ^ )("')


QUERIES = ["Пашиняна", "Армении", "Փաշինյանը", "Bakıda", "თბილისში", "@csto", "@karabakh OR Qarabağ",
           '"peace talks" OR Пашинян', "treaty Baku"]  # fmt: skip


def test_search_finds_what_a_replay_of_the_saved_watchlist_would(filled: Store) -> None:
    for q in QUERIES:
        query = parse_query(q, WATCHLISTS)
        searched = {r.article_id for r in _all(filled, q)}
        replayed = set(matching(filled, query.watchlist, NOW - timedelta(days=3650)))
        assert searched == replayed, q


def _all(store: Store, q: str) -> list[object]:
    page = search(store, WATCHLISTS, q, limit=1000)
    return [c for r in page.results for c in (r.best, *r.also)]


def test_both_databases_give_the_same_results(sqlite_url: str, pg_url: str) -> None:
    stores = [open_store(sqlite_url), open_store(pg_url)]
    for s in stores:
        fill(s)
    try:
        for q in [*QUERIES, "CSTO", "Putin", "Bakı OR თბილისი"]:
            lite, pg = ({c.link for c in _all(s, q)} for s in stores)  # type: ignore[attr-defined]
            assert lite == pg, q
    finally:
        for s in stores:
            s.engine.dispose()


def test_a_query_saved_as_a_watchlist_loads_and_matches_the_same(tmp_path: object) -> None:
    from pathlib import Path

    query = parse_query('@csto AND (Пашиняна OR "peace talks") AND NOT chess', WATCHLISTS)
    path = Path(str(tmp_path)) / "saved.yaml"
    path.write_text(as_yaml(query, "saved"), encoding="utf-8")
    [saved], problems = load_watchlists([path])
    assert problems == []
    assert saved.rule == query.watchlist.rule
    assert {e.id: e.aliases for e in saved.entities} == {
        e.id: e.aliases for e in query.watchlist.entities
    }


def test_postgresql_folds_as_the_matcher_does(pg_url: str) -> None:
    """The index (monitor_fold, migration 0009) holds every word of the matcher's folding."""
    from pathlib import Path

    from sqlalchemy import text as sql

    from monitor.basics.normalize import normalize

    samples = [a[2] for a in ARTICLES] + [
        "Şuşa Երևան Երեւան Bakı İLHAM Пётр ÆØ Erdoğan’s Nagorno–Karabakh ǅ Ꮚ Straße e\u0301",
        "ÉCOLE Łódź Đorđe Ħamrun Øresund Ağdam Xankəndi",
    ]
    samples += [p.read_text() for p in sorted(Path(__file__).parent.glob("fixtures/*/*.txt"))]
    store = open_store(pg_url)
    try:
        with store.engine.connect() as c:
            for s in samples:
                words = "SELECT array(SELECT lexeme FROM unnest(to_tsvector('simple', {})))"
                index = c.execute(sql(words.format("monitor_fold(:t)")), {"t": s}).scalar()
                matcher = c.execute(sql(words.format(":f")), {"f": normalize(s).folded}).scalar()
                # Hyphenated words are also indexed whole: the index holds more, never
                # less. (Numbers apart: "−60" is a signed number to PostgreSQL.)
                words_of = {w for w in matcher if any(ch.isalpha() for ch in w)}
                assert words_of <= set(index), s[:60]
    finally:
        store.engine.dispose()


def test_postgresql_folds_in_one_pass_as_it_did_in_seven(pg_url: str) -> None:
    """Migration 0011's monitor_fold gives 0009's output exactly, so the index made by
    0009's needs no rebuild: the corpus pages and the region's hard letters."""
    import importlib
    import json
    from pathlib import Path

    from sqlalchemy import text as sql

    old = importlib.import_module("migrations.versions.0009_search_by_the_matchers_folding")
    samples = [
        "Şuşa Երևան Երեւան Bakı İLHAM Пётр ÆØ Erdoğan’s Nagorno–Karabakh ǅ Ꮚ Straße e\u0301",
        "ÉCOLE Łódź Đorđe Ħamrun Øresund Ağdam Xankəndi — ‐‑‒–―−- ʼ ʹ Ёж\u00ad\u200b",
        "plain ascii only",
        "",
    ]
    root = Path(__file__).parent / "fixtures"
    samples += [p.read_text() for p in sorted(root.glob("*/*.txt"))]
    samples += [json.loads(p.read_text())["text"] or "" for p in sorted(root.glob("pages/*.json"))]
    store = open_store(pg_url)
    try:
        with store.engine.begin() as c:
            c.execute(sql(old.fold_function().replace("monitor_fold(", "pg_temp.fold_0009(")))
            for s in samples:
                new, was = c.execute(
                    sql("SELECT monitor_fold(:t), pg_temp.fold_0009(:t)"), {"t": s}
                ).one()
                assert new == was, s[:60]
    finally:
        store.engine.dispose()


def test_a_word_and_an_entity_of_the_same_name_stay_two(filled: Store) -> None:
    query = parse_query("csto OR @csto", WATCHLISTS)
    ids = [e.id for e in query.watchlist.entities]
    assert len(set(ids)) == 2 and "csto" in ids
    assert set(found(filled, "csto OR @csto")) == set(found(filled, "@csto"))


def test_the_index_is_merged_to_one_segment_and_finds_the_same(sqlite_url: str) -> None:
    from sqlalchemy import text as sql

    store = open_store(sqlite_url)
    try:
        for a in ARTICLES:  # one write each: a segment each, as a day's polls make
            save_articles(store, [NewEntry(article(*a), ())])

        def segments() -> int:
            with store.engine.connect() as c:
                n = c.execute(sql("SELECT count(DISTINCT segid) FROM article_fts_idx")).scalar()
                return int(n or 0)

        before = {q: found(store, q) for q in QUERIES}
        assert segments() > 1
        assert store.merge_search_index(pages=4) >= 1
        assert segments() == 1
        assert {q: found(store, q) for q in QUERIES} == before
        assert store.merge_search_index() == 0  # nothing left to merge
    finally:
        store.engine.dispose()


def test_the_page_shows_twenty_stories_and_pages_on(tmp_path: object) -> None:
    import re
    from pathlib import Path

    import httpx

    from monitor.app import App
    from monitor.config.settings import load_settings
    from tests.support.web import serving

    tmp = Path(str(tmp_path))
    cfg = tmp / "monitor.yaml"
    cfg.write_text(
        f"database: sqlite:///{tmp / 'm.db'}\nwatchlists: {BUNDLED}\nhttp:\n  listen: null\n"
    )
    app = App(load_settings(cfg))
    texts = [f"Delegation {i} of the CSTO met officials from city {i * 7919}." for i in range(45)]
    save_articles(app.store, [NewEntry(article(f"en-{i}", f"Visit {i}", t, "en", 1 + i % 9), ()) for i, t in enumerate(texts)])  # fmt: skip
    titles: list[str] = []
    with serving(app.site()) as base, httpx.Client(base_url=base, timeout=60) as http:
        for number, shown, more in [(1, 20, True), (2, 20, True), (3, 5, False)]:
            html = http.get("/search", params={"q": "CSTO", "page": number}).text
            got = re.findall(r'<article class="card result">\s*<h2><a [^>]*>([^<]*)<', html)
            assert len(got) == shown, number
            assert ("More stories →" in html) is more, number
            titles += got
        assert "No more stories match" in http.get("/search?q=CSTO&page=4").text
    assert len(set(titles)) == 45  # every story once, none twice
    app.store.engine.dispose()


def test_search_asks_for_the_vector_the_index_holds() -> None:
    """PostgreSQL uses an expression index only for the same expression: the store's
    must be migration 0014's, or every search would make each row's vector; and the lead
    the indexer makes must be the one 0014 stopped generating."""
    import importlib

    from monitor.store import search as store_search
    from monitor.store import search_index

    migration = importlib.import_module("migrations.versions.0014_search_indexed_after_storing")
    assert store_search._PG_VECTOR.replace("a.", "") == migration.SLICED
    assert search_index._LEAD.replace("a.", "") == migration.LEAD


@pytest.mark.parametrize(
    ("found", "read", "width", "expected"),
    [
        (0, 1, 1, 4),  # nothing in the newest slice: four next
        (500, 1, 1, 1),  # plenty there: one more slice holds the rest
        (100, 1, 1, 4),  # 300 wanted at 100 a slice: four, no more than four times
        (100, 2, 4, 8),  # 50 a slice: 300 wanted in 6, and a fifth more
        (10, 4, 16, 64),  # 2.5 a slice: far more than 64 would be needed
    ],
)
def test_how_many_slices_postgresql_reads_next(
    found: int, read: int, width: int, expected: int
) -> None:
    from monitor.store.search import _next_width

    assert _next_width(400 - found, found, read, width) == expected


@pytest.mark.parametrize(
    ("matched", "read", "left", "expected"),
    [
        (0, 1, 976, True),  # nothing in the newest slice of a million: the rest at once
        (0, 1, 1400, False),  # of a million and a half: three unseen could be 4,200
        (300, 1, 976, False),  # a word in every third article
        (20, 85, 892, True),  # twenty in 85 slices: about 240 in the rest
        (400, 85, 892, False),  # some 4,200 in the rest: slices, newest first
    ],
)
def test_when_postgresql_reads_the_rest_at_once(
    matched: int, read: int, left: int, expected: bool
) -> None:
    from monitor.store.search import _few_left

    assert _few_left(matched, read, left) is expected


def test_the_store_says_which_words_its_index_holds(sqlite_url: str, pg_url: str) -> None:
    sqlite = open_store(sqlite_url)
    assert sqlite.held_words(["weather"]) is None  # FTS5 reads an absent word for nothing
    store = open_store(pg_url)
    try:
        save_articles(store, [NewEntry(article("w-1", "Weather", "Rain in Ереване.", "en", 1), ())])
        asked = ["weather", "rain", "ереване", "snow", "it's", "back\\slash"]
        assert store.held_words(asked) == {"weather", "rain", "ереване"}
        save_articles(store, [NewEntry(article("w-2", "Snow", "Snow at last.", "en", 1), ())])
        assert store.held_words(asked) == {"weather", "rain", "ереване", "snow"}
    finally:
        store.engine.dispose()
        sqlite.engine.dispose()


def test_slices_of_ids_find_what_a_replay_finds(pg_url: str) -> None:
    """Past 1,024 articles, PostgreSQL reads slices of ids newest first: they find
    what a replay finds, and a page is ranked among the newest matches. A rare word
    is read at once, past the first slice."""
    store = open_store(pg_url)
    try:
        words = ["weather", "markets", "harvest"]
        rare = {5: " A drought.", 1500: " The drought.", 2150: " Drought again."}
        save_articles(store, [NewEntry(article(f"w-{i}", f"Day {i}", f"The {words[i % 3]} report number {i} was filed.{rare.get(i, '')}", "en", 1), ()) for i in range(2200)])  # fmt: skip
        droughts = search(store, WATCHLISTS, "drought", limit=30)
        assert sorted(r.best.title for r in droughts.results) == ["Day 1500", "Day 2150", "Day 5"]
        rows = store.search_rows("", "'drought'", SearchFilter(), "newest", 10)
        assert [r.title for r in rows] == ["Day 5", "Day 1500", "Day 2150"]  # each once
        query = parse_query("harvest", WATCHLISTS)
        replayed = set(matching(store, query.watchlist, NOW - timedelta(days=3650)))
        assert len(replayed) == 733

        def ids(everything: bool) -> list[int]:
            page = search(store, WATCHLISTS, "harvest", limit=30, everything=everything)
            return [c.article_id for r in page.results for c in (r.best, *r.also)]

        assert set(ids(True)) == replayed
        page = ids(False)  # ranked among the newest 400 matches the slices gave
        assert page and min(page) >= sorted(replayed, reverse=True)[399]
    finally:
        store.engine.dispose()
