"""Fuzzy matching: typos found, and false hits per 1,000 real articles.

Every entity of the bundled watchlists gets `fuzzy: 1`. False hits: hits on the
corpus articles (English pages with ground-truth text, and Russian news) that
exist only because of fuzzy matching; none of these articles is about the region,
so any such hit is false. Recall: sentences with one random typo in an alias word
of 6+ letters. The baseline, in the same run, is the fuzzy matching a user would
write first: one edit anywhere (first letter included) in words of 4+ letters.

    python benchmarks/fuzzy.py [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.match import texts
from monitor.match import fuzzy as fz
from monitor.match.matcher import Matcher
from monitor.watchlists.load import BUNDLED, load_watchlists


def naive_variants(key: str) -> frozenset[str]:
    words = key.split(" ")
    out: set[str] = set()
    for i, w in enumerate(words):
        if len(w) >= 4 and w.isalpha():
            out |= {
                " ".join([*words[:i], v, *words[i + 1 :]]) for v in fz._edits(w, fz.alphabet(w), 0)
            }
    out.discard(key)
    return frozenset(out)


def typo(word: str, rng: random.Random, keep_first: bool) -> str:
    alphabet = fz.alphabet(word.lower())
    lo = 1 if keep_first else 0
    i = rng.randrange(lo, len(word))
    op = rng.choice(("drop", "swap", "replace", "add"))
    if op == "drop":
        return word[:i] + word[i + 1 :]
    if op == "swap" and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == "add":
        return word[:i] + rng.choice(alphabet) + word[i:]
    return word[:i] + rng.choice(alphabet.replace(word[i].lower(), "")) + word[i + 1 :]


def measure(variants: object) -> dict[str, float]:
    lists, _ = load_watchlists([BUNDLED])
    fuzzy_lists = [
        dataclasses.replace(
            w, entities=tuple(dataclasses.replace(e, fuzzy=1) for e in w.entities), rule=None
        )
        for w in lists
    ]
    exact_lists = [dataclasses.replace(w, rule=None) for w in lists]
    with mock.patch("monitor.match.keys.typo_variants", variants):
        fuzzy = Matcher(fuzzy_lists)
    exact = Matcher(exact_lists)
    docs = texts()
    false_hits = 0
    for title, text in docs:
        got = {(m.watchlist, e) for m in fuzzy.match(title, text) for e in m.entities}
        base = {(m.watchlist, e) for m in exact.match(title, text) for e in m.entities}
        false_hits += len(got - base)
    rng = random.Random(5)
    tried = found = 0
    for w in fuzzy_lists:
        for e in w.entities:
            for alias in e.aliases:
                words = alias.split()
                for k, word in enumerate(words):
                    if len(word) < fz.MIN_LETTERS or not word.isalpha():
                        continue
                    for _ in range(10):
                        bad = typo(word, rng, keep_first=len(words) == 1)
                        sentence = (
                            "Officials said "
                            + " ".join([*words[:k], bad, *words[k + 1 :]])
                            + " on Monday."
                        )
                        tried += 1
                        found += any(e.id in m.entities for m in fuzzy.match("", sentence))
    return {
        "false_hits_per_1000_articles": round(1000 * false_hits / len(docs), 2),
        "articles": len(docs),
        "typo_recall": round(found / tried, 4),
        "typos": tried,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {"fuzzy": measure(fz.typo_variants), "baseline_naive": measure(naive_variants)}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'':22} {'false hits/1000 articles':>25} {'typo recall':>12}")
    for name, r in result.items():
        print(f"{name:22} {r['false_hits_per_1000_articles']:>25.2f} {r['typo_recall']:>12.3f}")
    print(f"({result['fuzzy']['articles']} articles, {result['fuzzy']['typos']} typos)")


if __name__ == "__main__":
    main()
