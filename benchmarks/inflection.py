"""Recall of Russian names in their inflected forms, on real news text.

Corpus: factRuEval-2016 test set (../shared/corpus/russian-news): Russian news
with every mention of a person, place and organisation annotated, and each
entity's normal form ("Путин", "Москва"). Each normal form becomes an alias; a
mention counts as found when the matcher reports that alias over it. The
baseline is the same matcher without generated word forms (exact aliases only),
measured in the same run.

    python benchmarks/inflection.py [--corpus DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.basics.normalize import normalize
from monitor.match.engine import ENTITY, Engine
from monitor.watchlists.model import Entity, Watchlist

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "russian-news"


def load(doc: Path) -> tuple[str, list[tuple[str, list[str], list[tuple[int, int, str]]]]]:
    """The text and its entities: (kind, aliases, mentions as (start, end, surface))."""
    text = doc.read_text(encoding="utf-8")
    spans = {}
    for line in doc.with_suffix(".spans").read_text(encoding="utf-8").splitlines():
        p = line.split()
        if len(p) >= 4:
            spans[p[0]] = (p[1], int(p[2]), int(p[3]))
    objects = {}
    for line in doc.with_suffix(".objects").read_text(encoding="utf-8").splitlines():
        head = line.split("#")[0].split()
        if len(head) >= 2:
            objects[head[0]] = (head[1], head[2:])
    entities = []
    for block in doc.with_suffix(".coref").read_text(encoding="utf-8").split("\n\n"):
        lines = [ln for ln in block.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        ids = lines[0].split()[1:]
        attrs = defaultdict(list)
        for ln in lines[1:]:
            k, _, v = ln.partition(" ")
            attrs[k].append(v.strip())
        kinds = {objects[i][0] for i in ids if i in objects}
        if "Person" in kinds:
            aliases, span_type, kind = attrs.get("lastname", []), "surname", "person"
        else:
            aliases, span_type, kind = attrs.get("name", []), None, "place/org"
        aliases = [a for a in aliases if a and not a.isupper()]  # acronyms do not decline
        if not aliases:
            continue
        mentions = []
        for i in ids:
            if i not in objects:
                continue
            parts = [spans[s] for s in objects[i][1] if s in spans]
            if span_type:
                parts = [s for s in parts if s[0] == span_type]
            if not parts:
                continue
            start = min(s[1] for s in parts)
            end = max(s[1] + s[2] for s in parts)
            mentions.append((start, end, text[start:end]))
        if mentions:
            entities.append((kind, aliases, mentions))
    return text, entities


def same_lemmas(surface: str, alias: str) -> bool:
    """True when `surface` is `alias` in another grammatical form, word by word."""
    import pymorphy3

    morph = _MORPH or _MORPH.append(pymorphy3.MorphAnalyzer()) or _MORPH
    a, b = surface.split(), alias.split()
    if len(a) != len(b):
        return False
    return all(
        {p.normal_form for p in morph[0].parse(x)} & {p.normal_form for p in morph[0].parse(y)}
        for x, y in zip(a, b, strict=True)
    )


_MORPH: list[object] = []


def run(corpus: Path, inflect: bool) -> dict[str, dict[str, float]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # kind -> [found, total]
    for doc in sorted(corpus.glob("*.txt")):
        if not doc.with_suffix(".coref").exists():
            continue
        text, entities = load(doc)
        wl = Watchlist(
            "ru",
            "",
            tuple(
                # the baseline: no language, so the aliases match as written only
                Entity(f"e{k}", f"e{k}", tuple(al), languages=None if inflect else ())
                for k, (_, al, _) in enumerate(entities)
            ),
        )
        norm = normalize(text)
        found: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for m in Engine([wl]).scan(norm):
            if m.pattern.kind == ENTITY:
                found[m.pattern.ref].append(norm.orig_span(m.start, m.end))
        for k, (kind, aliases, mentions) in enumerate(entities):
            for start, end, surface in mentions:
                inflected = normalize(surface).folded not in {normalize(a).folded for a in aliases}
                hit = any(a < end and start < b for a, b in found[f"e{k}"])
                keys = [kind, "all", "inflected" if inflected else "as written"]
                if inflected and any(same_lemmas(surface, a) for a in aliases):
                    keys.append("case forms")  # the alias itself in another case
                for key in keys:
                    counts[key][1] += 1
                    counts[key][0] += hit
    return {k: {"recall": round(f / t, 4), "mentions": t} for k, (f, t) in sorted(counts.items())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {"with_forms": run(args.corpus, True), "baseline_exact": run(args.corpus, False)}
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'mentions':<12} {'count':>6} {'baseline (exact)':>17} {'with word forms':>16}")
    order = ["all", "as written", "inflected", "case forms", "person", "place/org"]
    for key in order:
        row = result["with_forms"][key]
        base = result["baseline_exact"][key]["recall"]
        print(f"{key:<12} {row['mentions']:>6} {base:>17.3f} {row['recall']:>16.3f}")


if __name__ == "__main__":
    main()
