"""The web page and /metrics at 100,000 stored articles, on SQLite and PostgreSQL.

Fills a database with N articles (default 100,000: texts of the corpus pages and
the Russian news fixtures, 1-6 copies per story, a hit on one article in five, over
90 days), then serves it with the real listener (uvicorn, Starlette) and asks each
page R times (default 60) over loopback:

  stories     the story list, all time
  filter      the list narrowed to a watchlist, and to an entity
  search      a full-text search (SQLite FTS5 / PostgreSQL tsvector): a plain word, an
              inflected word, two entities (@karabakh, @csto) and a five-term
              boolean query
              (then the index's build time, the database's size against the
              search before, and the share of a replay's matches search finds)
  story       one story's page with every copy
  metrics     /metrics, its database figures read at every scrape (no cache)
  healthz     the baseline: the same stack, no database

and prints p50/p95 in ms and p95 as a multiple of healthz's. Then the memory of a
daemon (no feeds) with the listener on and off, after 200 requests to the page.

    python benchmarks/web.py [--articles 100000] [--repeat 60] [--db sqlite|postgres|both] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor import metrics as metrics_module
from monitor.app import App
from monitor.clock import utcnow
from monitor.config.settings import load_settings
from monitor.logs import setup_logging
from monitor.store.tables import ArticleRow, HitRow
from tests.support.web import serving, site_of

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = REPO / "tests" / "fixtures"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
OUTLETS = [f"Outlet {i}" for i in range(40)]
ENTITIES = {
    "csto": ["csto", "collective-security-treaty", "tasmagambetov"],
    "karabakh": ["karabakh", "stepanakert", "lachin", "armenia", "azerbaijan"],
    "officials": ["putin", "peskov", "pashinyan", "aliyev", "lavrov"],
}
BATCH = 2000
# One article in fifty names the CSTO, in one of the region's languages: the texts of
# the corpus do not, and the entity query must find something to be measured.
CSTO_EVERY = 50
CSTO_SENTENCES = [
    "The Collective Security Treaty Organization met in Moscow.",
    "Генеральный секретарь ОДКБ провёл встречу в Москве.",
    "ՀԱՊԿ գագաթնաժողովը տեղի ունեցավ Մոսկվայում։",
    "KTMT sammiti Moskvada keçirildi.",
    "კუხო მოსკოვში შეიკრიბა.",
    "ҰҚШҰ саммиті Мәскеуде өтті.",
]
# Queries measured beside the plain word: an inflected word, two entities of about
# twenty aliases in nine languages (one named often in the texts, one seldom: the first
# is read newest first, the second at once), and a boolean query of five terms.
SEARCHES = {
    "inflected word": "России",
    "entity": "@karabakh",
    "entity @csto": "@csto",
    "five-term boolean": "России AND (Армении OR Украины) AND NOT Москве AND президент",
}
AGREEMENT_UP_TO = 200_000  # articles: a replay of a million takes too long to compare
OLD_VECTOR = "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(text, ''))"
# PostgreSQL's index and ranked lead, as the migration makes them
MIGRATION = importlib.import_module("migrations.versions.0014_search_indexed_after_storing")


def texts() -> list[str]:
    found = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*.txt"))]
    found += [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.txt"))]
    found = [t for t in found if len(t) > 400]
    if not found:
        sys.exit(f"no texts found under {CORPUS} or {FIXTURES}")
    return found


def fill(app: App, n: int, rnd: random.Random, built: dict[str, float]) -> tuple[str, str]:
    """N articles and their hits; returns a story with several copies and a search word.
    PostgreSQL's search index is made once they are in (its time in `built`), as
    migrations 0010 and 0014 make it for a stored archive, the ranked leads first."""
    pool = texts()
    if app.store.postgres:
        with app.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("DROP INDEX ix_article_search")
    now = utcnow()
    articles: list[dict[str, Any]] = []
    hits: list[dict[str, Any]] = []
    story, copies_left, busy_story = "", 0, ""
    next_id = 1
    for i in range(n):
        if copies_left == 0:
            story, copies_left = hashlib.sha1(f"s{i}".encode()).hexdigest()[:16], rnd.randint(1, 6)
            base = rnd.choice(pool)
            if copies_left >= 4:
                busy_story = story
        copies_left -= 1
        seen = now - timedelta(seconds=rnd.uniform(0, 90 * 86400))
        body = f"Report {i}. " + base
        if i % CSTO_EVERY == 7:
            body += " " + CSTO_SENTENCES[i // CSTO_EVERY % len(CSTO_SENTENCES)]
        articles.append(
            {
                "id": next_id,
                "url": f"https://n{i % 40}.example/{i}",
                "link": f"https://n{i % 40}.example/{i}",
                "title": " ".join(base.split()[:12]),
                "text": body,
                "outlet": OUTLETS[i % len(OUTLETS)],
                "published": seen,
                "language": "en",
                "source": "page",
                "content_hash": hashlib.sha256(body.encode()).hexdigest(),
                "story": story,
                "first_seen_at": seen,
                "updated_at": seen,
                "shingles": 0,
                "banded": False,
            }
        )
        if rnd.random() < 0.2:
            wl = rnd.choice(list(ENTITIES))
            ents = rnd.sample(ENTITIES[wl], rnd.randint(1, 2))
            sentence = " ".join(body.split()[:30])
            hits.append(
                {
                    "article_id": next_id,
                    "watchlist": wl,
                    "entities": ents,
                    "snippets": [{"text": sentence, "highlights": [[0, 6]], "entities": ents}],
                    "found_at": seen,
                }
            )
        next_id += 1
        if len(articles) == BATCH or i == n - 1:
            with app.store.writing() as s:
                s.execute(insert(ArticleRow), articles)
                if hits:
                    s.execute(insert(HitRow), hits)
            articles, hits = [], []
    if app.store.postgres:
        with app.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("SET maintenance_work_mem = '256MB'")  # as the migration
            t = time.perf_counter()
            c.exec_driver_sql(f"UPDATE article SET search_lead = {MIGRATION.LEAD}")
            c.exec_driver_sql(
                f"CREATE INDEX ix_article_search ON article USING gin ({MIGRATION.SLICED}) "
                "WHERE searchable"
            )
            built["build_s"] = time.perf_counter() - t
            # What autovacuum does on a normal server (this one runs with it off): the
            # visibility map lets counts use index-only scans, and the planner has stats.
            c.exec_driver_sql("VACUUM ANALYZE")
    word = max(set(pool[0].split()[:40]), key=len).strip(".,;:«»\"'()")
    return busy_story, word


def timed(client: httpx.Client, path: str, repeat: int) -> list[float]:
    client.get(path).raise_for_status()  # warm
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[18] if len(xs) >= 20 else max(xs)


@contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'web.db'}"
        return
    name = f"monitor_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def config(tmp: Path, db: str, listen: str | None) -> Path:
    cfg = tmp / f"monitor-{listen is not None}.yaml"
    http = f"http:\n  listen: {listen}\n" if listen else "http:\n  listen: null\n"
    cfg.write_text(f"database: {db}\nwatchlists: {REPO / 'watchlists'}\n{http}")
    return cfg


def pages(kind: str, n: int, repeat: int, tmp: Path) -> dict[str, Any]:
    metrics_module.STATS_TTL_S = 0.0  # every scrape reads the database
    with database(kind, tmp) as db:
        app = App(load_settings(config(tmp, db, None)))
        t = time.perf_counter()
        built: dict[str, float] = {}
        story, word = fill(app, n, random.Random(7), built)
        filled_s = time.perf_counter() - t
        unmerged: dict[str, float] = {}
        if not app.store.postgres:
            # the index as a day of writes leaves it, then as the daemon's daily merge
            with serving(site_of(app)) as base, httpx.Client(base_url=base, timeout=60) as c:
                xs = timed(c, "/search?" + urlencode({"q": SEARCHES["entity"]}), repeat)
            unmerged = {"p50_ms": statistics.median(xs), "p95_ms": p95(xs)}
            t = time.perf_counter()
            app.store.merge_search_index()
            unmerged["merge_s"] = time.perf_counter() - t
        paths = {
            "stories": "/?period=all",
            "filter (watchlist)": "/?period=all&watchlist=csto",
            "filter (entity)": "/?period=all&entity=lachin",
            "filter (outlet, 30d)": "/?period=30d&outlet=Outlet%207",
            "search": f"/search?q={word}",
            **{f"search: {name}": "/search?" + urlencode({"q": q}) for name, q in SEARCHES.items()},
            "search: inflected, page 3": "/search?"
            + urlencode({"q": SEARCHES["inflected word"], "page": 3}),
            "story": f"/story/{story}",
            "metrics": "/metrics",
            "healthz": "/healthz",
        }
        rows = {}
        with serving(site_of(app)) as base, httpx.Client(base_url=base, timeout=60) as client:
            for name, path in paths.items():
                xs = timed(client, path, repeat)
                rows[name] = {"p50_ms": statistics.median(xs), "p95_ms": p95(xs)}
        floor = rows["healthz"]["p95_ms"]
        for r in rows.values():
            r["p95_x_healthz"] = r["p95_ms"] / floor
        # a million articles' rebuilds take long: their time per 100,000 is the same
        index = {**index_figures(app), **built} if n <= AGREEMENT_UP_TO else built
        agreement = agreement_with_replay(app) if n <= AGREEMENT_UP_TO else {}
        app.store.engine.dispose()
    return {
        "database": kind,
        "articles": n,
        "fill_s": filled_s,
        "pages": rows,
        "index": index,
        "unmerged": unmerged,
        "agreement": agreement,
    }


def index_figures(app: App) -> dict[str, float]:
    """The full-text index's build time, and the database's size against the one the
    search before made (PostgreSQL: its index on the plain text, and no ranked lead;
    SQLite: the same FTS5 table, unchanged)."""
    from sqlalchemy import text

    with app.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        if not app.store.postgres:
            t = time.perf_counter()
            c.exec_driver_sql("INSERT INTO article_fts(article_fts) VALUES ('rebuild')")
            build = time.perf_counter() - t
            return {"build_s": build, "size_x_before": 1.0}
        size = "SELECT pg_database_size(current_database())"
        new = c.execute(text("SELECT pg_relation_size('ix_article_search')")).scalar() or 0
        lead = c.execute(text("SELECT sum(pg_column_size(search_lead)) FROM article")).scalar()
        # as migrations 0010 and 0014 leave it: the index dropped, the leads made (by
        # the indexer since 0014), the index made
        c.exec_driver_sql("DROP INDEX ix_article_search")
        c.exec_driver_sql("ALTER TABLE article DROP COLUMN search_lead")
        c.exec_driver_sql("ALTER TABLE article ADD COLUMN search_lead tsvector")
        t = time.perf_counter()
        c.exec_driver_sql(f"UPDATE article SET search_lead = {MIGRATION.LEAD}")
        lead_s = time.perf_counter() - t
        c.exec_driver_sql(
            f"CREATE INDEX ix_article_search ON article USING gin ({MIGRATION.SLICED}) "
            "WHERE searchable"
        )
        c.exec_driver_sql(f"CREATE INDEX ix_old_search ON article USING gin ({OLD_VECTOR})")
        old = c.execute(text("SELECT pg_relation_size('ix_old_search')")).scalar() or 0
        c.exec_driver_sql("DROP INDEX ix_old_search")
        c.exec_driver_sql("VACUUM FULL article")  # the leads written a second time
        total = c.execute(text(size)).scalar() or 0
    before = total - new - int(lead or 0) + old
    return {"lead_s": lead_s, "size_x_before": total / before}


def agreement_with_replay(app: App) -> dict[str, dict[str, float]]:
    """Of the articles a replay of each query's watchlist matches, the share search finds."""
    from monitor.pipeline.replay import matching
    from monitor.search.query import parse_query
    from monitor.search.service import search

    lists = app.watch.watchlists
    out = {}
    for name, q in SEARCHES.items():
        query = parse_query(q, lists)
        replayed = set(matching(app.store, query.watchlist, utcnow() - timedelta(days=3650)))
        page = search(app.store, lists, q, everything=True)
        found = {c.article_id for r in page.results for c in (r.best, *r.also)}
        out[name] = {
            "share": len(replayed & found) / len(replayed) if replayed else 1.0,
            "replay_articles": len(replayed),
        }
    return out


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def daemon_memory(tmp: Path) -> dict[str, float]:
    """RSS of `monitor run` with no feeds, listener off, then on after 200 page loads."""
    out = {}
    for listen in (None, "127.0.0.1:0"):
        db = f"sqlite:///{tmp / 'mem.db'}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "--config", str(config(tmp, db, listen)), "run"],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stderr is not None
        url = None
        for line in proc.stderr:
            if "daemon started" in line and listen is None:
                break
            if "listening" in line:
                url = json.loads(line)["url"]
                break
        time.sleep(3)
        if url:
            with httpx.Client(base_url=url, timeout=60) as client:
                for i in range(200):
                    client.get(["/", "/feeds", "/metrics", "/search?q=CSTO"][i % 4])
        time.sleep(1)
        out["listener on" if listen else "listener off"] = rss_mb(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    out["added by the listener"] = out["listener on"] - out["listener off"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=60)
    ap.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    setup_logging("WARNING")  # on stderr: --json's stdout is the figures alone
    tmp = Path(tempfile.mkdtemp(prefix="web-bench-"))
    try:
        kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        runs = []
        for k in kinds:  # each run's figures kept as it ends: a later one may fail
            runs.append(pages(k, args.articles, args.repeat, tmp))
            (tmp.parent / f"web-bench-{k}-{args.articles}.json").write_text(json.dumps(runs[-1]))
        memory = daemon_memory(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps({"runs": runs, "memory_mb": memory}, indent=2))
        return
    for run in runs:
        print(
            f"\n{run['database']}: {run['articles']:,} articles (filled in {run['fill_s']:.0f} s)"
        )
        print(f"{'page':<30}{'p50 ms':>9}{'p95 ms':>9}{'p95 / healthz':>15}")
        for name, r in run["pages"].items():
            print(f"{name:<30}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['p95_x_healthz']:>15.1f}")
        idx = run["index"]
        if "build_s" in idx:
            per = idx["build_s"] * 100_000 / run["articles"]
            print(f"index build {idx['build_s']:.1f} s ({per:.1f} s per 100k articles)")
        if "size_x_before" in idx:
            print(f"database size {idx['size_x_before']:.2f}x the search before")
        if "lead_s" in idx:
            print(f"ranked lead generated in {idx['lead_s']:.1f} s")
        if un := run["unmerged"]:
            print(f"search: entity before the daily merge: p50 {un['p50_ms']:.1f} ms, "
                  f"p95 {un['p95_ms']:.1f} ms; the merge took {un['merge_s']:.1f} s")  # fmt: skip
        for name, a in run["agreement"].items():
            print(
                f"agreement with replay, {name}: {a['share']:.3f} "
                f"of {a['replay_articles']:.0f} articles replay matches"
            )
    print("\ndaemon memory (RSS MB, no feeds)")
    for name, mb in memory.items():
        print(f"{name:<24}{mb:>8.1f}")


if __name__ == "__main__":
    main()
