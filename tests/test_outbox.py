"""The outbox with several daemons: a delivery claimed before it is sent, settled only
by its claimer, sent again after a crash with the same identity; a digest made once
per window; a dead delivery told to the operator once. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from functools import partial
from pathlib import Path

from sqlalchemy import text

from monitor.cli.output import short_time
from monitor.clock import utcnow
from monitor.digest.build import build_digest
from monitor.digest.deliver import RETRY_DELAYS, destinations, identity, retry_delay, send
from monitor.digest.notices import Notifier, announce_dead
from monitor.digest.render import render
from monitor.store import Store, open_store
from monitor.types import Article, Snippet, WatchlistMatch
from monitor.watchlists.load import BUNDLED
from tests.conftest import REPO
from tests.support.cli import cli
from tests.support.mail import SmtpSink
from tests.support.net import WebhookReceiver
from tests.support.store import save_article
from tests.support.threads import at_once
from tests.test_digest import LABELS, NOW, hit

CLAIM = timedelta(minutes=5)


def some_hits(store: Store, n: int = 3) -> list[int]:
    out = []
    for i in range(n):
        a = Article(
            f"https://n.example/{i}", f"https://n.example/{i}", f"T{i}", f"Text {i}.", "N",
            None, utcnow(), "en", "page", f"{i:064d}",
        )  # fmt: skip
        m = WatchlistMatch("csto", ("csto",), (Snippet(f"Text {i}.", (), ("csto",)),))
        out += save_article(store, a, [m]).new_hits
    return out


def test_two_daemons_never_claim_one_delivery(db_url: str) -> None:
    stores = [open_store(db_url) for _ in range(3)]
    made = stores[0].create_digest(
        "desk", some_hits(stores[0]), [(f"k{i}", f"dest {i}") for i in range(30)], utcnow()
    )
    assert made is not None
    got = at_once(
        lambda i: [p.id for p in stores[i].claim_deliveries(f"d{i}", CLAIM, "desk")], len(stores)
    )
    claimed = [i for ids in got for i in ids]
    assert len(claimed) == len(set(claimed)) == 30
    assert stores[1].claim_deliveries("d9", CLAIM, "desk") == []  # all held
    for s in stores:
        s.engine.dispose()


def test_a_delivery_is_settled_only_by_its_claimer(db_url: str) -> None:
    now = [utcnow()]
    store = open_store(db_url, clock=lambda: now[0])
    assert store.create_digest("desk", some_hits(store, 1), [("k", "dest")], now[0])
    [p] = store.claim_deliveries("dead", CLAIM, "desk")
    now[0] += CLAIM + timedelta(seconds=1)  # "dead" was killed after sending
    [again] = store.claim_deliveries("alive", CLAIM, "desk")
    assert again.id == p.id and again.claim == "alive"
    assert store.delivery_done(p.id, p.claim) is False  # too late: no longer its own
    assert store.delivery_done(again.id, again.claim) is True
    assert store.claim_deliveries("other", CLAIM, "desk", due=False) == []  # sent
    store.engine.dispose()


def test_a_digest_is_made_once_for_its_window_by_daemons_at_once(db_url: str) -> None:
    stores = [open_store(db_url) for _ in range(4)]
    ids = some_hits(stores[0], 5)
    made = at_once(
        lambda i: stores[i].create_digest("desk", ids, [("k", "dest")], utcnow()), len(stores)
    )
    digests = [d for d in made if d is not None]
    assert len(digests) == 1 and sorted(digests[0].hit_ids) == sorted(ids)
    for s in stores:
        s.engine.dispose()


def test_a_repeat_carries_the_same_message_id_and_idempotency_key(
    smtp: SmtpSink, webhook: WebhookReceiver
) -> None:
    r = partial(render, build_digest("desk", [hit(1)], LABELS, None, NOW), "UTC")
    mail, hook = destinations([smtp.url(), webhook.url()], Path("/x"))
    for dest in (mail, hook, mail, hook):  # sent, then sent again after a crash
        send(dest, r, 1, Path("/x"), identity("d1key", dest))
    send(mail, r, 2, Path("/x"), identity("d2key", mail))  # another digest
    ids = [message_from_bytes(m)["Message-ID"] for m in smtp.messages]
    assert ids[0] == ids[1] == f"<d1key.{mail.key[:12]}@news-monitor>"
    assert ids[2] != ids[0]
    keys = [h.get("idempotency-key") for h in webhook.headers]
    assert keys == [f"d1key.{hook.key[:12]}"] * 2


def test_other_email_keeps_fresh_message_ids(smtp: SmtpSink) -> None:
    for _ in range(2):
        assert Notifier([smtp.url()]).send("Feed down", "x")
    first, second = (message_from_bytes(m)["Message-ID"] for m in smtp.messages)
    assert first and second and first != second


def test_a_dead_delivery_is_told_once_by_one_of_several_daemons(db_url: str) -> None:
    store = open_store(db_url)
    assert store.create_digest("desk", some_hits(store, 1), [("k", "mailto://desk")], utcnow())
    [p] = store.claim_deliveries("d1", CLAIM, "desk")
    store.delivery_failed(p.id, "550 no such user", None, p.claim)
    told: list[str] = []

    class Recorder(Notifier):
        def send(self, title: str, body: str) -> bool:
            told.append(title + "\n" + body)
            return True

    counts = at_once(lambda _: announce_dead(store, Recorder([])), 4)
    assert sum(counts) == 1 and len(told) == 1
    assert "Delivery dead: desk to mailto://desk" in told[0] and "550 no such user" in told[0]
    assert announce_dead(store, Recorder([])) == 0
    store.engine.dispose()


def test_deliveries_lists_the_outbox_and_retry_queues_the_dead(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: {db}\n")
    store = open_store(db)
    assert store.create_digest(
        "desk", some_hits(store, 1), [("a", "json://a"), ("b", "json://b")], utcnow()
    )
    first, second = store.claim_deliveries("d1", CLAIM, "desk")
    store.delivery_done(first.id, first.claim)
    store.delivery_failed(second.id, "HTTP 503", None, second.claim)
    out = cli("deliveries", config=cfg)
    assert out.returncode == 0 and "json://a" in out.stdout and "sent" in out.stdout
    dead = cli("deliveries", "--dead", config=cfg)
    assert "json://b" in dead.stdout and "HTTP 503" in dead.stdout and "json://a" not in dead.stdout
    assert cli("digest", "retry", str(first.id), config=cfg).returncode == 1  # not dead
    again = cli("digest", "retry", "--dead", config=cfg)
    assert again.returncode == 0 and "1 delivery queued again" in again.stdout
    assert [p.id for p in store.claim_deliveries("d2", CLAIM, "desk")] == [second.id]
    assert cli("digest", "retry", config=cfg).returncode == 2  # nothing named
    store.engine.dispose()


def test_the_operator_sees_the_error_the_tries_and_the_next_try_and_send_says_it_failed(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    down = WebhookReceiver()
    down.status = 503
    db = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(
        f"database: {db}\nwatchlists: {BUNDLED}\nsubscriptions:\n  - name: desk\n"
        f'    notify: ["{webhook.url()}", "{down.url()}"]\n    schedule: "0 8 * * *"\n'
    )
    store = open_store(db)
    some_hits(store, 1)
    try:
        sent = cli("digest", "send", config=cfg)
        # one destination got it, the other failed: a cron job must see the failure
        assert sent.returncode == 1 and "1 delivery sent, 1 failed" in sent.stdout
        [failure] = [line for line in sent.stderr.splitlines() if line.startswith("  ")]
        label = down.url().split("?")[0]  # apprise keeps the path, drops its query
        assert failure.startswith(f"  {label}: ") and "503" in failure
        assert failure.count(label) == 1  # not the destination again as its error
        listed = cli("deliveries", config=cfg)
        assert "next try" in listed.stdout and "overflow=" not in listed.stdout
        [row] = [line for line in listed.stdout.splitlines() if "pending" in line]
        assert label in row and row.count(label) == 1 and "Failed to send JSON" in row
        [next_try] = [d.next_attempt_at for d in store.deliveries() if d.status == "pending"]
        assert next_try is not None and short_time(next_try) in row

        # its retries used up: the next failure is its last, and send says so
        with store.engine.begin() as c:
            c.execute(text("UPDATE delivery SET attempts = :n"), {"n": len(RETRY_DELAYS)})
        last = cli("digest", "send", config=cfg)
        assert last.returncode == 1
        assert "gone dead, no more retries: delivery " in last.stderr and label in last.stderr
        assert [d.status for d in store.deliveries(dead=True)] == ["dead"]
    finally:
        down.close()
        store.engine.dispose()


def test_the_readme_states_the_tries_the_code_makes() -> None:
    """A delivery is retried once after each delay, then dead at the failure after."""
    delays = [retry_delay(n) for n in range(len(RETRY_DELAYS) + 1)]
    assert delays[-1] is None and all(d is not None for d in delays[:-1])
    tries = len(RETRY_DELAYS) + 1
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"is marked dead after {tries} failed tries" in readme


def test_what_was_sent_is_known_with_when(db_url: str) -> None:
    """An immediate alert's story, sent at its digest's time: the morning digest knows."""
    now = [utcnow()]
    store = open_store(db_url, clock=lambda: now[0])
    ids = some_hits(store, 2)
    [story] = {h.story for h in store.hits(ids=ids[:1])}
    made = store.create_digest("desk", ids[:1], [("k", "dest")], now[0])
    assert made is not None
    sent = store.stories_sent("desk", [story])
    [(pair, at)] = sent.items()
    assert pair == ("csto", story) and abs((at - now[0]).total_seconds()) < 5
    assert store.stories_sent("desk", [story], before_digest=made.id) == {}
    assert store.stories_sent("other", [story]) == {}
    store.engine.dispose()
