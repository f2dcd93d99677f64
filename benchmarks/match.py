"""Matching speed and memory against the number of aliases, with the naive baseline.

For 10, 1,000, 10,000 and 100,000 aliases (pseudo-names in Latin and Cyrillic
plus real names that occur in the text, two aliases per entity) and up to 1,000
`match:` rules, measures on real text (the corpus pages' ground truth and the
Russian news): build seconds, peak memory, articles/s and MB/s of
normalise + match + rules + snippets, and in the same run the baseline a user
would write: one compiled regex per alias with word boundaries, looped.
Each size runs in its own process so its memory is its own. One core.

With `--languages en,ru` the aliases get the word forms of those languages only
(benchmarks/languages.py compares every language against English and Russian).

    python benchmarks/match.py [--sizes 10,1000,10000,100000] [--languages all|en,ru] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REAL = [
    "Trump",
    "Putin",
    "Russia",
    "China",
    "Apple",
    "Google",
    "Ukraine",
    "Biden",
    "Pelosi",
    "Congress",
    "Hong Kong",
    "Iran",
    "Israel",
    "Amazon",
    "Microsoft",
    "Facebook",
    "Twitter",
    "Tesla",
    "Samsung",
    "Boeing",
    "Netflix",
    "Disney",
    "NATO",
    "EU",
    "UN",
    "Путин",
    "Москва",
    "Россия",
    "Украина",
    "Медведев",
    "Германия",
    "Франция",
    "Китай",
    "США",
    "Лондон",
    "Париж",
    "Ельцин",
    "Горбачёв",
    "Сталин",
    "Ленин",
    "Petersburg",
    "Democrats",
    "Republicans",
    "impeachment",
    "Giuliani",
    "Zelensky",
    "Volker",
    "Sondland",
    "Schiff",
    "Bolton",
]
SYL_LAT = [
    "ka",
    "ra",
    "ba",
    "an",
    "ov",
    "el",
    "mi",
    "zo",
    "ter",
    "vin",
    "dar",
    "los",
    "ny",
    "ush",
    "ge",
    "pol",
]
SYL_CYR = [
    "ка",
    "ра",
    "ба",
    "ан",
    "ов",
    "ел",
    "ми",
    "зо",
    "тер",
    "вин",
    "дар",
    "лос",
    "ны",
    "уш",
    "ге",
    "пол",
]


def texts() -> list[tuple[str, str]]:
    out = []
    for p in sorted((CORPUS / "pages").glob("sh-*.json")):
        d = json.loads(p.read_text(encoding="utf-8"))
        if d.get("text"):
            out.append((d.get("title") or "", d["text"]))
    for p in sorted((CORPUS / "russian-news").glob("*.txt")):
        if p.with_suffix(".coref").exists():
            body = p.read_text(encoding="utf-8")
            title, _, rest = body.partition("\n")
            out.append((title, rest))
    return out


def aliases(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    real = REAL[: min(len(REAL), max(10, n // 200))] if n >= 10 else REAL[:n]
    out = list(dict.fromkeys(real))[:n]
    seen = set(out)
    while len(out) < n:
        syl = SYL_CYR if rng.random() < 0.2 else SYL_LAT
        words = [
            "".join(rng.choice(syl) for _ in range(rng.randint(2, 4))).capitalize()
            for _ in range(rng.choice((1, 1, 2, 2, 3)))
        ]
        a = " ".join(words)
        if a not in seen:
            seen.add(a)
            out.append(a)
    rng.shuffle(out)
    return out


def watchlists(names: list[str], max_rules: int = 1000) -> list:  # type: ignore[type-arg]
    from monitor.watchlists.model import Entity, Watchlist
    from monitor.watchlists.rules import parse_rule

    entities = [
        Entity(f"e{i}", f"e{i}", tuple(names[i * 2 : i * 2 + 2]))
        for i in range((len(names) + 1) // 2)
    ]
    n_lists = max(1, min(max_rules, len(entities)))
    lists = []
    for w in range(n_lists):
        mine = entities[w::n_lists]
        ids = [e.id for e in mine]
        if len(ids) >= 3:
            rule = f'{ids[0]} OR ({ids[1]} NEAR/20 {ids[2]}) OR ({" OR ".join(ids[3:]) or ids[0]}) AND NOT "lorem ipsum"'
        else:
            rule = " OR ".join(ids)
        lists.append(Watchlist(f"w{w}", "", tuple(mine), parse_rule(rule), rule))
    return lists


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def held_mb() -> float:
    """Memory the process holds now: the build's garbage collected and returned to the
    system first, so what is left is the matcher (the peak, rss_mb, counts the build)."""
    import ctypes
    import gc

    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def measure(
    size: int, baseline_budget_s: float, languages: tuple[str, ...] | None = None
) -> dict[str, float]:
    import dataclasses

    from monitor.match.matcher import Matcher

    docs = texts()
    names = aliases(size)
    lists = [dataclasses.replace(wl, languages=languages) for wl in watchlists(names)]
    Matcher(lists[:1]).match("", "Путин")  # the language modules and pymorphy3, loaded alike
    rss0, held0 = rss_mb(), held_mb()
    t0 = time.perf_counter()
    matcher = Matcher(lists)
    build_s = time.perf_counter() - t0
    held = held_mb() - held0
    mb = sum(len((t + "\n\n" + x).encode()) for t, x in docs) / 1e6
    # CPU time, best of 5: on a shared machine wall time also counts other processes.
    best = float("inf")
    hits = 0
    for _ in range(5):
        t0 = time.process_time()
        hits = sum(len(matcher.match(t, x)) for t, x in docs)
        best = min(best, time.process_time() - t0)
    result = {
        "aliases": size,
        "rules": len(lists),
        "build_s": round(build_s, 3),
        "rss_mb": round(rss_mb(), 1),
        "rss_growth_mb": round(rss_mb() - rss0, 1),
        "matcher_mb": round(held, 1),
        "articles_per_s": round(len(docs) / best, 1),
        "mb_per_s": round(mb / best, 2),
        "hits": hits,
    }
    # The baseline: one regex per alias, every alias tried on every article.
    patterns = [re.compile(r"\b" + re.escape(a) + r"\b", re.IGNORECASE) for a in names]
    done_mb, t0 = 0.0, time.process_time()
    for t, x in docs:
        doc = t + "\n\n" + x
        for p in patterns:
            p.search(doc)
        done_mb += len(doc.encode()) / 1e6
        if time.process_time() - t0 > baseline_budget_s:
            break
    result["baseline_mb_per_s"] = round(done_mb / (time.process_time() - t0), 4)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10,1000,10000,100000")
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--baseline-budget", type=float, default=10.0, help="seconds of baseline per size"
    )
    ap.add_argument(
        "--languages", default="all", help="all, or the codes whose word forms aliases get"
    )
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    langs = None if args.languages == "all" else tuple(args.languages.split(","))
    if args.worker is not None:
        print(json.dumps(measure(args.worker, args.baseline_budget, langs)))
        return
    sizes = {}
    for n in (int(s) for s in args.sizes.split(",")):
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            str(n),
            "--baseline-budget",
            str(args.baseline_budget),
            "--languages",
            args.languages,
        ]
        out = subprocess.run(
            ["taskset", "-c", "0", *cmd], capture_output=True, text=True, check=True
        )
        sizes[str(n)] = json.loads(out.stdout)
    if args.json:
        print(json.dumps({"sizes": sizes}))
        return
    print(
        f"{'aliases':>8} {'rules':>6} {'build s':>8} {'RSS MB':>7} {'articles/s':>11} {'MB/s':>7} {'baseline MB/s':>14} {'speed-up':>9}"
    )
    for n, r in sizes.items():
        print(
            f"{n:>8} {r['rules']:>6} {r['build_s']:>8.2f} {r['rss_mb']:>7.0f} {r['articles_per_s']:>11.0f} "
            f"{r['mb_per_s']:>7.2f} {r['baseline_mb_per_s']:>14.4f} {r['mb_per_s'] / max(r['baseline_mb_per_s'], 1e-9):>8.0f}x"
        )
    first, last = sizes[min(sizes, key=int)], sizes[max(sizes, key=int)]
    print(
        f"fall from {min(sizes, key=int)} to {max(sizes, key=int)} aliases: "
        f"{first['mb_per_s'] / last['mb_per_s']:.2f}x (baseline {first['baseline_mb_per_s'] / max(last['baseline_mb_per_s'], 1e-9):.0f}x)"
    )


if __name__ == "__main__":
    main()
