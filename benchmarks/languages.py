"""Names in the region's languages: recall and precision on written sentences and on
real annotated text, and what the word forms cost in speed, load time and memory.

Written sentences: tests/fixtures/languages/<code>.yaml, each a watchlist whose
examples are news sentences in one language (the traps among them expect
nothing). Measured with the fixture's own base-form aliases, with the bundled
watchlists (their entities, without their rules), and, in the same run, with
what a user would write without word forms: the aliases as written, and each
alias with a trailing `*`.

Real running text: Universal Dependencies treebanks (benchmarks/treebanks.py),
train and dev splits only, the half not studied when the tables were written.
Every proper-name lemma is an alias, written as a user would (capitalised as the
text writes the name; initials, numbers and lower-case common nouns tagged as
names are no aliases, and are listed). Recall counts the names that appear only
inflected (form != lemma); precision counts every hit, true when it lies on a
name of its own lemma (a name of several tokens, Ысык-Көл, by their lemmas
together), or on a word the annotation gives that lemma elsewhere in the text. Baselines in the same run: aliases as written, trailing `*`, and a
Snowball-stemmed index (snowballstemmer, the stemmers of Lucene and
Elasticsearch) where Snowball has the language (hy, ru).

Cost: benchmarks/match.py at 10,000 and 100,000 aliases with every language on
against English and Russian only (CPU time, one core, each in its own process),
the load of the bundled watchlists in a fresh process, and the matcher's memory.

    python benchmarks/languages.py [--ud DIR] [--sizes 10000,100000] [--no-cost] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.treebanks import Sentence, sentences
from monitor.basics.normalize import normalize, unmix
from monitor.match.engine import ENTITY, Engine
from monitor.match.matcher import Matcher
from monitor.watchlists.load import BUNDLED, load_watchlist_file, load_watchlists
from monitor.watchlists.model import Entity, Watchlist

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "languages"
ORDER = ("en", "ru", "uk", "be", "kk", "ky", "hy", "az", "ka")
SNOWBALL = {"hy": "armenian", "ru": "russian"}


# --- written sentences -------------------------------------------------------------


def _as_written(wl: Watchlist) -> Watchlist:
    return dataclasses.replace(
        wl, languages=(), entities=tuple(dataclasses.replace(e, languages=()) for e in wl.entities)
    )


def _wildcards(wl: Watchlist) -> Watchlist:
    wl = _as_written(wl)
    ents = tuple(
        dataclasses.replace(e, aliases=tuple(a if a.endswith("*") else a + "*" for a in e.aliases))
        for e in wl.entities
    )
    return dataclasses.replace(wl, entities=ents)


def _bundled() -> list[Watchlist]:
    lists, problems = load_watchlists([BUNDLED])
    assert not problems, problems
    return [dataclasses.replace(wl, rule=None, rule_text=None) for wl in lists]


def written(code: str, bundled: Sequence[Watchlist]) -> dict[str, Any]:
    wl = load_watchlist_file(FIXTURES / f"{code}.yaml")
    bundled_ids = {e.id for b in bundled for e in b.entities}
    setups: dict[str, tuple[Sequence[Watchlist], set[str] | None]] = {
        "news-monitor": ([wl], None),
        "bundled watchlists": (bundled, bundled_ids),
        "aliases as written": ([_as_written(wl)], None),
        "trailing *": ([_wildcards(wl)], None),
    }
    out: dict[str, Any] = {"sentences": len(wl.examples)}
    out["traps"] = sum(1 for ex in wl.examples if ex.note.startswith("trap"))
    for name, (lists, only) in setups.items():
        matcher = Matcher(lists)
        tp = fn = fp = trap_hits = 0
        misses: list[str] = []
        for ex in wl.examples:
            found = {e for m in matcher.match("", ex.text) for e in m.entities}
            expect = set(ex.expect) if only is None else set(ex.expect) & only
            found &= {e.id for e in wl.entities}  # what the sentences judge
            tp += len(found & expect)
            fn += len(expect - found)
            fp += len(found - expect)
            trap_hits += len(found - expect) if ex.note.startswith("trap") else 0
            if found != expect:
                misses.append(f"{ex.text} (expect {sorted(expect)}, found {sorted(found)})")
        out[name] = {
            "recall": _ratio(tp, tp + fn),
            "precision": _ratio(tp, tp + fp),
            "false_hits": fp,
            "trap_hits": trap_hits,
            "misses": misses,
        }
    return out


# --- real text -----------------------------------------------------------------------


def _alias(lemma: str, form: str) -> str:
    """The lemma as a user writes it: capitalised where the text capitalises the name."""
    if form[:1].isupper() and lemma[:1].islower():
        return lemma[:1].upper() + lemma[1:]
    return lemma


Finder = Callable[[str], list[tuple[int, int, str]]]  # text -> (start, end, alias key)


def _engine_finder(aliases: Sequence[str], languages: tuple[str, ...] | None, star: bool) -> Finder:
    ents = tuple(
        Entity(str(i), a, (a + "*" if star else a,), languages=languages)
        for i, a in enumerate(aliases)
    )
    engine = Engine([Watchlist("real", "", ents)])

    def find(text: str) -> list[tuple[int, int, str]]:
        norm = normalize(text)
        return [
            (*norm.orig_span(m.start, m.end), aliases[int(m.pattern.ref)])
            for m in engine.scan(norm, text)
            if m.pattern.kind == ENTITY
        ]

    return find


def _snowball_finder(aliases: Sequence[str], language: str) -> Finder:
    import snowballstemmer

    stemmer = snowballstemmer.stemmer(language)
    word = re.compile(r"\w+")

    def stems(text: str) -> list[tuple[int, int, str]]:
        folded = normalize(text).folded  # the same text: offsets are those of NFC text
        return [(m.start(), m.end(), stemmer.stemWord(m.group())) for m in word.finditer(folded)]

    index: dict[tuple[str, ...], list[str]] = {}
    for a in aliases:
        index.setdefault(tuple(s for _, _, s in stems(a)), []).append(a)
    longest = max((len(k) for k in index), default=0)

    def find(text: str) -> list[tuple[int, int, str]]:
        norm = normalize(text)
        toks = stems(text)
        out = []
        for i in range(len(toks)):
            for n in range(1, min(longest, len(toks) - i) + 1):
                key = tuple(s for _, _, s in toks[i : i + n])
                for a in index.get(key, ()):
                    out.append((*norm.orig_span(toks[i][0], toks[i + n - 1][1]), a))
        return out

    return find


def _user_alias(lemma: str, form: str) -> str | None:
    """The lemma as a user would write it as an alias, or None for what no user would:
    an initial or a number, or a lower-case word where the script has capitals (a
    common noun the annotation tagged as a name)."""
    alias = _alias(lemma, form)
    letters = [c for c in alias if c.isalpha()]
    if len(letters) < 2 or (_cased(alias[0]) and alias[0].islower()):
        return None
    return alias


def _cased(ch: str) -> bool:
    """A letter of a script that writes names with a capital (Georgian does not)."""
    return ch.isalpha() and unicodedata.name(ch, "").startswith(("LATIN", "CYRILLIC", "ARMENIAN"))


def real(code: str, ud: Path | None) -> dict[str, Any] | None:
    learn, held, where = sentences(code, ud)
    if not held:
        return None
    out: dict[str, Any] = {"source": where}
    for half, sents in (("held out", held), ("learn", learn)):
        lemmas = {n.lemma for s in sents for n in s.names if n.lemma}
        aliases = sorted(
            {a for s in sents for n in s.names if n.lemma and (a := _user_alias(n.lemma, n.form))},
            key=lambda a: (normalize(a).folded, a),
        )
        finders: dict[str, Finder] = {
            "news-monitor": _engine_finder(aliases, None, False),
            "aliases as written": _engine_finder(aliases, (), False),
            "trailing *": _engine_finder(aliases, (), True),
        }
        if code in SNOWBALL:
            finders["Snowball stems"] = _snowball_finder(aliases, SNOWBALL[code])
        out[half] = {name: _score(sents, f) for name, f in finders.items()}
        out.setdefault("not aliases", {})[half] = sorted(
            lemmas - set(aliases) - {a.lower() for a in aliases}
        )
    return out


def _key(text: str) -> str:
    """A name compared whole: "Ысык-Көл" is the tokens Ысык and Көл; the annotation's
    own spellings with a Latin i for і are one with the others."""
    return "".join(normalize(unmix(text)).folded.split())


def _lemma_key(lemma: str, proper: bool = False, form: str = "") -> tuple[bool, str]:
    """A lemma as a lexeme: the name Ақын is not the noun ақын (a poet), while the
    acronym ККМ is the lemma Ккм, and a word tagged as a name and written with a
    capital is a name whatever the case its lemma was given (Віцебшчыне, віцебшчына)."""
    return lemma[:1].isupper() or (proper and form[:1].isupper()), _key(lemma)


def _score(sents: Sequence[Sentence], find: Finder) -> dict[str, Any]:
    # The forms the annotation gives each name anywhere in the half: a hit on the same
    # surface where this sentence's annotation differs (a name tagged as a noun in one
    # place and a name in another) is the annotation's inconsistency, not a false hit.
    known = {
        (_key(n.form), _lemma_key(n.lemma, n.proper, n.form))
        for s in sents
        for n in s.names
        if n.lemma
    }
    inflected = found_inflected = names = found_names = true = false = 0
    form_true = form_false = 0  # hits on a word that is not the alias as written
    misses: list[str] = []
    wrong: list[str] = []
    for s in sents:
        hits = find(s.text)
        for n in s.names:
            if not n.lemma or _user_alias(n.lemma, n.form) is None:
                continue
            key = _key(n.lemma)
            hit = any(a < n.end and n.start < b and _key(k) == key for a, b, k in hits)
            names += 1
            found_names += hit
            if _key(n.form) != key:
                inflected += 1
                found_inflected += hit
                if not hit:
                    misses.append(f"{n.form} ({n.lemma})")
        for a, b, k in hits:
            key = _lemma_key(k)
            on = [w for w in s.words if a < w.end and w.start < b]
            # true on a word of the alias's lemma, whatever its part of speech (a name
            # tagged as a noun here), on the words of a name of several tokens, or on a
            # surface the annotation gives that lemma elsewhere
            if (
                any(_lemma_key(w.lemma, w.proper, w.form) == key for w in on if w.lemma)
                or _lemma_key("".join(w.lemma for w in on if w.lemma)) == key
                or (_key(s.text[a:b]), key) in known
            ):
                true += 1
                form_true += _key(s.text[a:b]) != _key(k)
            elif on and not any(w.lemma for w in on):
                continue  # on a word the annotators left unannotated: counted neither way
            else:
                false += 1
                form_false += _key(s.text[a:b]) != _key(k)
                wrong.append(f"{s.text[a:b]} as {k}")
    return {
        "inflected_recall": _ratio(found_inflected, inflected),
        "inflected": inflected,
        "recall": _ratio(found_names, names),
        "names": names,
        "precision": _ratio(true, true + false),
        "false_hits": false,
        "form_precision": _ratio(form_true, form_true + form_false),
        "form_hits": form_true + form_false,
        "misses": misses,
        "wrong": wrong,
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


# --- cost --------------------------------------------------------------------------------


def cost(sizes: Sequence[int], rounds: int = 2) -> dict[str, Any]:
    """Each size with English and Russian only and with every language, in turns, each
    round in a fresh process; the best of the rounds is kept (the machine is shared)."""
    here = Path(__file__).resolve().parent
    out: dict[str, Any] = {}
    for n in sizes:
        row: dict[str, dict[str, float]] = {}
        for _ in range(rounds):
            for name, langs in (("en+ru", "en,ru"), ("all", "all")):
                cmd = [sys.executable, str(here / "match.py"), "--sizes", str(n), "--json"]
                res = subprocess.run(
                    [*cmd, "--languages", langs, "--baseline-budget", "0.5"],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                got = json.loads(res.stdout)["sizes"][str(n)]
                if name not in row or got["mb_per_s"] > row[name]["mb_per_s"]:
                    row[name] = got
        out[str(n)] = row
    load = subprocess.run(
        [sys.executable, "-c", _LOAD], capture_output=True, text=True, check=True, cwd=here.parent
    )
    out["bundled"] = json.loads(load.stdout)
    return out


_LOAD = """
import json, resource, time
t0 = time.perf_counter()
from monitor.watchlists.load import BUNDLED, load_watchlists
from monitor.match.matcher import Matcher
lists, _ = load_watchlists([BUNDLED])
Matcher(lists)
print(json.dumps({"load_s": round(time.perf_counter() - t0, 3),
                  "aliases": sum(len(e.aliases) for w in lists for e in w.entities),
                  "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


# --- report ---------------------------------------------------------------------------


def _f(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def report(res: dict[str, Any], verbose: bool) -> None:
    print("Written sentences (recall / precision / hits on traps)")
    setups = ("news-monitor", "bundled watchlists", "aliases as written", "trailing *")
    print(f"{'':4} {'sent.':>5} {'traps':>5} " + " ".join(f"{s:>24}" for s in setups))
    for code, w in res["written"].items():
        cells = [
            f"{_f(w[s]['recall'])} / {_f(w[s]['precision'])} / {w[s]['trap_hits']:>2}"
            for s in setups
        ]
        print(
            f"{code:4} {w['sentences']:>5} {w['traps']:>5} " + " ".join(f"{c:>24}" for c in cells)
        )
        if verbose:
            for m in w["news-monitor"]["misses"]:
                print(f"      miss: {m}")
    print("\nReal text, held out (inflected-name recall / precision / false hits)")
    finders = ("news-monitor", "aliases as written", "trailing *", "Snowball stems")
    print(f"{'':4} {'names':>6} {'infl.':>6} " + " ".join(f"{s:>22}" for s in finders))
    for code, r in res["real"].items():
        if r is None:
            print(f"{code:4} no non-test annotated text")
            continue
        h = r["held out"]
        cells = [
            f"{_f(h[s]['inflected_recall'])} / {_f(h[s]['precision'])} / {h[s]['false_hits']:>3}"
            if s in h
            else "-"
            for s in finders
        ]
        nm = h["news-monitor"]
        print(
            f"{code:4} {nm['names']:>6} {nm['inflected']:>6} " + " ".join(f"{c:>22}" for c in cells)
        )
        if verbose:
            print(
                f"      learn half: {_f(r['learn']['news-monitor']['inflected_recall'])} / "
                f"{_f(r['learn']['news-monitor']['precision'])}; from {r['source']}"
            )
            print("      misses: " + "; ".join(nm["misses"][:40]))
            print("      false: " + "; ".join(nm["wrong"][:40]))
    if "cost" in res:
        print("\nCost: every language against English and Russian only (best of the rounds)")
        print(
            f"{'aliases':>8} {'MB/s en+ru / all':>17} {'ratio':>6} {'build s':>14} "
            f"{'matcher MB':>12} {'peak RSS MB':>12}"
        )
        for n, row in res["cost"].items():
            if n == "bundled":
                continue
            a, b = row["en+ru"], row["all"]
            print(
                f"{n:>8} {a['mb_per_s']:>8.2f} / {b['mb_per_s']:<6.2f} "
                f"{b['mb_per_s'] / a['mb_per_s']:>5.2f}x {a['build_s']:>6.2f} / {b['build_s']:<6.2f}"
                f"{a['matcher_mb']:>5.0f} / {b['matcher_mb']:<5.0f} {a['rss_mb']:>5.0f} / {b['rss_mb']:<5.0f}"
            )
        bl = res["cost"]["bundled"]
        print(
            f"bundled watchlists: {bl['aliases']} aliases loaded and compiled in {bl['load_s']:.2f} s"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ud", type=Path, help="folder of treebanks (see benchmarks/treebanks.py)")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--no-cost", action="store_true", help="skip the speed and memory runs")
    ap.add_argument("--verbose", "-v", action="store_true", help="list misses and false hits")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    bundled = _bundled()
    codes = [c for c in ORDER if (FIXTURES / f"{c}.yaml").exists()]
    res: dict[str, Any] = {
        "written": {c: written(c, bundled) for c in codes},
        "real": {c: real(c, args.ud) for c in ORDER if c != "en"},
    }
    if not args.no_cost:
        res["cost"] = cost([int(s) for s in args.sizes.split(",")])
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        report(res, args.verbose)


if __name__ == "__main__":
    main()
