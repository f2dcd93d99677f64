"""Story clustering: index many articles, then query perturbed copies of some of them.

The index holds N articles (default 100,000): the corpus pages' ground-truth text
and the Russian news texts, plus synthetic articles from a word chain trained on
them. Then for 400 originals it stores perturbed copies, each the way the daemon
stores a feed's articles (`Store.save_feeds`, 100 at a time):

  exact      the same text under another headline and URL
  boiler     the outlet's boilerplate added above and below
  edit5      5% of words deleted, replaced or inserted
  edit20     20% of words deleted, replaced or inserted
  trunc      the first half only
  trunc_bp   the first half, with boilerplate

and 400 unrelated articles (held-out corpus texts and fresh synthetic ones).
PostgreSQL's search indexing runs after the storing transactions (migration 0014), as
the daemon runs it: its time is shown apart, beside the hashing.
A copy is found when it joins its original's story; an unrelated article is a
false positive when it joins any existing story. The baseline is an exact hash
of the normalised text (the article's content_hash), measured on the same copies.

    python benchmarks/dedup.py [--articles 100000] [--db sqlite:///...] [--json]
                               [--fold-0009]   (PostgreSQL: the search index's old folding)
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.identity.fingerprint import content_hash
from monitor.identity.minhash import signature
from monitor.store import Store, open_store
from monitor.types import Article, FeedBatch, NewEntry, SavedArticle

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
PERTURBATIONS = ("exact", "boiler", "edit5", "edit20", "trunc", "trunc_bp")
BATCH = 100

BOILERPLATE = [
    (
        "Subscribe to our newsletter to get the day's top stories from the region in your "
        "inbox every morning. Follow us on Telegram, X and Facebook.",
        "© 2026 {o}. All rights reserved. Republication without written permission is "
        "prohibited. Advertising | Contacts | Privacy policy | Terms of use",
    ),
    (
        "Подписывайтесь на наш канал в Telegram и читайте главные новости дня первыми.",
        "© 2026 {o}. Все права защищены. При полном или частичном использовании материалов "
        "ссылка на источник обязательна. Реклама на сайте | Контакты | Политика конфиденциальности",
    ),
    (
        "Breaking news, analysis and opinion from {o}. Sign up for alerts.",
        "Read more: Latest news | Most read | Editor's picks. Share this article on social "
        "media. Report an error. {o} is not responsible for external sites.",
    ),
]
OUTLETS = ["Caucasus Wire", "News.am", "Interpress", "Турan", "Sputnik Армения", "APA"]


def real_texts() -> list[str]:
    """Article bodies with at least 80 words: corpus pages and Russian news."""
    pages = sorted((CORPUS / "pages").glob("*.json")) or sorted((FIXTURES / "pages").glob("*.json"))
    texts = [json.loads(p.read_text()).get("text") or "" for p in pages]
    texts += [p.read_text() for p in sorted((CORPUS / "russian-news").glob("book_*.txt"))]
    texts += [p.read_text() for p in sorted((FIXTURES / "russian-news").glob("book_*.txt"))]
    return [t for t in dict.fromkeys(texts) if len(t.split()) >= 80]


class WordChain:
    """A first-order word chain: synthetic articles with the corpus's words and phrases."""

    def __init__(self, texts: list[str], seed: int) -> None:
        words = [w for t in texts for w in t.split()]
        vocab, ids = np.unique(np.array(words, dtype=object), return_inverse=True)
        self.vocab = vocab
        order = np.argsort(ids[:-1], kind="stable")
        self.succ = ids[1:][order]
        counts = np.bincount(ids[:-1], minlength=len(vocab))
        self.start = np.concatenate(([0], np.cumsum(counts)[:-1]))
        self.count = counts
        self.rng = np.random.default_rng(seed)

    def texts(self, n: int) -> list[str]:
        lengths = self.rng.integers(150, 900, n)
        cur = self.rng.integers(0, len(self.vocab), n)
        out = np.empty((lengths.max(), n), dtype=np.int64)
        for step in range(lengths.max()):
            dead = self.count[cur] == 0
            cur = np.where(dead, self.rng.integers(0, len(self.vocab), n), cur)
            out[step] = cur
            pick = (self.rng.random(n) * self.count[cur]).astype(np.int64)
            cur = self.succ[np.minimum(self.start[cur] + pick, len(self.succ) - 1)]
        return [" ".join(self.vocab[out[: lengths[i], i]]) for i in range(n)]


def perturb(kind: str, text: str, rnd: random.Random, vocab: list[str]) -> str:
    bp_head, bp_tail = rnd.choice(BOILERPLATE)
    outlet = rnd.choice(OUTLETS)
    words = text.split()
    half = " ".join(words[: len(words) // 2])
    if kind == "exact":
        return text
    if kind == "boiler":
        return f"{bp_head.format(o=outlet)}\n{text}\n{bp_tail.format(o=outlet)}"
    if kind in ("edit5", "edit20"):
        rate = 0.05 if kind == "edit5" else 0.20
        out: list[str] = []
        for w in words:
            r = rnd.random()
            if r < rate / 3:
                continue  # deleted
            if r < 2 * rate / 3:
                out.append(rnd.choice(vocab))  # replaced
            elif r < rate:
                out.extend((w, rnd.choice(vocab)))  # a word inserted
            else:
                out.append(w)
        return " ".join(out)
    if kind == "trunc":
        return half
    if kind == "trunc_bp":
        return f"{bp_head.format(o=outlet)}\n{half}\n{bp_tail.format(o=outlet)}"
    raise ValueError(kind)


def save(store: Store, articles: list[Article]) -> list[SavedArticle]:
    """Store articles the way the daemon stores one feed's, in one transaction."""
    [result] = store.save_feeds([FeedBatch(None, [NewEntry(a, ()) for a in articles])])
    if isinstance(result, Exception):
        raise result
    return result


def make_article(i: str, text: str, title: str) -> Article:
    return Article(
        url=f"https://outlet{hash(i) % 50}.example/news/{i}",
        link=f"https://outlet{hash(i) % 50}.example/news/{i}",
        title=title,
        text=text,
        outlet="Outlet",
        author=None,
        published=None,
        language=None,
        source="page",
        content_hash=content_hash(title, text),
        signature=signature(text),
    )


def use_fold_0009(store: Store) -> None:
    """Put back migration 0009's monitor_fold: the same output, in up to seven passes."""
    import importlib

    from sqlalchemy import text

    m = importlib.import_module("migrations.versions.0009_search_by_the_matchers_folding")
    with store.engine.begin() as c:
        c.execute(text(m.fold_function()))


class Indexer:
    """PostgreSQL: its search indexing of what was stored so far, in transactions of
    its own after the storing ones, as the daemon runs it (SQLite's index is written
    by the storing transaction: nothing to do). Marking an article searchable leaves
    its old row version to vacuum: on a server whose autovacuum is off (this machine's
    CI settings), the indexer's vacuum is run here by autovacuum's default rule (dead
    rows over a fifth of the table), and timed with the indexing."""

    def __init__(self, store: Store) -> None:
        self.store, self.seconds, self.dead = store, 0.0, 0
        self.vacuums = store.postgres and _autovacuum_off(store)

    def __call__(self, stored: int) -> None:
        t = time.perf_counter()
        while n := self.store.index_search():
            self.dead += n
        if self.vacuums and self.dead > 50 + 0.2 * stored:
            with self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM article")
            self.dead = 0
        self.seconds += time.perf_counter() - t


def _autovacuum_off(store: Store) -> bool:
    with store.engine.connect() as c:
        return c.exec_driver_sql("SHOW autovacuum").scalar() == "off"


def batches(items: list[Article]) -> Iterator[list[Article]]:
    for i in range(0, len(items), BATCH):
        yield items[i : i + BATCH]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--originals", type=int, default=400)
    ap.add_argument("--unrelated", type=int, default=400)
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--fold-0009",
        action="store_true",
        help="PostgreSQL: fold for the search index as migration 0009 did (the baseline)",
    )
    args = ap.parse_args()
    import structlog

    # The store's notes (the clock offset to PostgreSQL) on stderr: stdout is the figures.
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))
    rnd = random.Random(args.seed)
    tmp = tempfile.mkdtemp()
    store = open_store(args.db or f"sqlite:///{tmp}/dedup.db")
    if args.fold_0009:
        use_fold_0009(store)
    try:
        real = real_texts()
        rnd.shuffle(real)
        held_out = real[: min(len(real) // 5, args.unrelated)]
        real_originals = real[len(held_out) :][: args.originals]
        chain = WordChain(real, args.seed)
        vocab = sorted({w for t in real for w in t.split()})
        synthetic_originals = chain.texts(args.originals - len(real_originals))
        originals = real_originals + synthetic_originals
        unrelated = held_out + WordChain(real, args.seed + 1).texts(args.unrelated - len(held_out))
        # Originals are spread through the index, between synthetic fillers.
        slots = set(rnd.sample(range(args.articles), len(originals)))
        story_of: dict[int, str] = {}
        hash_of: dict[int, str] = {}
        insert_s = hash_s = 0.0
        index = Indexer(store)
        done = 0
        orig_iter = iter(enumerate(originals))
        while done < args.articles:
            n = min(1000, args.articles - done)
            fill = iter(chain.texts(n))
            texts, which = [], []
            for k in range(done, done + n):
                if k in slots:
                    j, text = next(orig_iter)
                    which.append(j)
                else:
                    text = next(fill)
                    which.append(-1)
                texts.append(text)
            # The hashes and the signature are made in the daemon's parser workers: timed
            # apart from storing, which is the polling process's story assignment.
            t0 = time.perf_counter()
            articles = [
                make_article(f"a{done + m}", t, f"Headline {done + m}") for m, t in enumerate(texts)
            ]
            t1 = time.perf_counter()
            saved = []
            for b in batches(articles):
                saved += save(store, b)
            insert_s += time.perf_counter() - t1
            hash_s += t1 - t0
            index(done + n)
            for j, a, sv in zip(which, articles, saved, strict=True):
                if j >= 0:
                    story_of[j] = sv.story
                    hash_of[j] = content_hash("", a.text)
            done += n
        # The queries: perturbed copies and unrelated articles, stored as the daemon would.
        queries: list[tuple[str, int, str]] = [
            (kind, j, perturb(kind, text, rnd, vocab))
            for j, text in enumerate(originals)
            for kind in PERTURBATIONS
        ]
        queries += [("unrelated", -1, text) for text in unrelated]
        rnd.shuffle(queries)
        known_stories = set(story_of.values())
        found: dict[str, list[bool]] = {k: [] for k in PERTURBATIONS}
        base_found: dict[str, list[bool]] = {k: [] for k in PERTURBATIONS}
        false_pos = base_fp = 0
        query_s = 0.0
        base_hashes = set(hash_of.values())
        base_s = 0.0
        for start in range(0, len(queries), BATCH):
            chunk = queries[start : start + BATCH]
            t0 = time.perf_counter()
            arts = [
                make_article(f"q{start + m}", text, f"Another headline {start + m}")
                for m, (_, _, text) in enumerate(chunk)
            ]
            t1 = time.perf_counter()
            saved = save(store, arts)
            query_s += time.perf_counter() - t1
            hash_s += t1 - t0
            index(args.articles + start + len(chunk))
            t0 = time.perf_counter()
            hashes = [content_hash("", text) for _, _, text in chunk]
            base_s += time.perf_counter() - t0
            for (kind, j, _), sv, h in zip(chunk, saved, hashes, strict=True):
                if kind == "unrelated":
                    false_pos += sv.story in known_stories
                    base_fp += h in base_hashes
                else:
                    found[kind].append(sv.story == story_of[j])
                    base_found[kind].append(h == hash_of[j])
        peak = rss_mb()
    finally:
        store.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    n_q = len(queries)
    out = {
        "articles": args.articles,
        "insert_ms": round(insert_s * 1000 / args.articles, 3),
        "query_ms": round(query_s * 1000 / n_q, 3),
        "hash_ms": round(hash_s * 1000 / (args.articles + n_q), 3),
        "search_index_ms": round(index.seconds * 1000 / (args.articles + n_q), 3),
        "rss_mb": round(peak, 1),
        "recall": {k: round(sum(v) / len(v), 3) for k, v in found.items()},
        "false_positive_rate": round(false_pos / len(unrelated), 4),
        "baseline": {
            "query_ms": round(base_s * 1000 / n_q, 4),
            "recall": {k: round(sum(v) / len(v), 3) for k, v in base_found.items()},
            "false_positive_rate": round(base_fp / len(unrelated), 4),
        },
        "originals": {"real": len(real_originals), "synthetic": len(synthetic_originals)},
        "unrelated": {"real": len(held_out), "synthetic": len(unrelated) - len(held_out)},
    }
    if args.json:
        print(json.dumps(out))
        return
    print(
        f"{args.articles} articles indexed; {len(originals)} originals "
        f"({len(real_originals)} real), {len(unrelated)} unrelated ({len(held_out)} real)"
    )
    print(f"{'':<22} {'news-monitor':>13} {'exact hash':>11}")
    for k in PERTURBATIONS:
        print(f"recall {k:<15} {out['recall'][k]:>13} {out['baseline']['recall'][k]:>11}")
    print(
        f"{'false positive rate':<22} {out['false_positive_rate']:>13} "
        f"{out['baseline']['false_positive_rate']:>11}"
    )
    print(f"{'insert ms/article':<22} {out['insert_ms']:>13}")
    print(f"{'query ms/article':<22} {out['query_ms']:>13} {out['baseline']['query_ms']:>11}")
    print(f"{'hashing ms/article':<22} {out['hash_ms']:>13}  (parser workers)")
    print(f"{'search index ms/art.':<22} {out['search_index_ms']:>13}  (after storing)")
    print(f"{'peak RSS MB':<22} {out['rss_mb']:>13}")


if __name__ == "__main__":
    main()
