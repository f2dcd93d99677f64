"""Deliveries that nothing would send: of a subscription or a destination removed from
monitor.yaml. They are cancelled, not left waiting for ever, kept as the record, shown
by `monitor deliveries --orphaned`; `monitor digest cancel` cancels a digest's by hand.
Store tests run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from monitor.clock import utcnow
from monitor.config.settings import load_settings
from monitor.digest.deliver import destinations
from monitor.digest.service import DigestService
from monitor.store import open_store
from monitor.watchlists.load import BUNDLED
from tests.support.cli import cli
from tests.support.net import WebhookReceiver
from tests.test_outbox import some_hits

CLAIM = timedelta(minutes=5)


def test_orphans_are_found_cancelled_kept_and_can_be_queued_again(db_url: str) -> None:
    store = open_store(db_url)
    hits = some_hits(store, 2)
    desk = store.create_digest("desk", hits[:1], [("a", "json://a"), ("b", "json://b")], utcnow())
    gone = store.create_digest("gone", hits[1:], [("c", "json://c")], utcnow())
    assert desk is not None and gone is not None
    configured = {"desk": {"a"}}  # "b" left the desk; "gone" left monitor.yaml
    orphans = store.orphaned_deliveries(configured)
    assert sorted((d.subscription, d.label) for d in orphans) == [
        ("desk", "json://b"),
        ("gone", "json://c"),
    ]
    assert store.stats().pending_deliveries == 3
    cancelled = store.cancel_deliveries([d.id for d in orphans], "removed")
    assert cancelled == sorted(d.id for d in orphans)
    assert store.orphaned_deliveries(configured) == []
    assert store.stats().pending_deliveries == 1  # the metric counts what will be sent
    kept = store.cancelled_deliveries()
    assert {d.id for d in kept} == set(cancelled) and {d.last_error for d in kept} == {"removed"}
    assert store.dead_untold() == []  # no dead notice for what was cancelled
    assert store.claim_deliveries("d", CLAIM, "gone", due=False) == []
    # a cancelled one can be queued again, as a dead one
    assert store.retry_dead([cancelled[-1]]) == [cancelled[-1]]
    assert [p.id for p in store.claim_deliveries("d", CLAIM, "gone")] == [cancelled[-1]]
    # by hand: a waiting one is cancelled; a cancelled (or sent) one is left as it is
    [waiting] = [
        d.id for d in store.deliveries() if d.status == "pending" and d.digest_id == desk.id
    ]
    assert store.cancel_deliveries([waiting, cancelled[0]], "by hand") == [waiting]
    store.engine.dispose()


def test_the_digest_round_cancels_the_orphans_of_an_edited_config(
    tmp_path: Path, webhook: WebhookReceiver
) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    other = WebhookReceiver()
    cfg = tmp_path / "monitor.yaml"

    def config(*subs: tuple[str, list[str]]) -> DigestService:
        lines = "".join(
            f"  - name: {name}\n    notify: [{', '.join(repr(u) for u in urls)}]\n"
            '    schedule: "0 8 * * *"\n'
            for name, urls in subs
        )
        cfg.write_text(f"database: {db}\nwatchlists: {BUNDLED}\nsubscriptions:\n{lines}")
        settings = load_settings(cfg)
        return DigestService(store, settings, lambda: {})

    store = open_store(db)
    try:
        some_hits(store, 2)
        before = config(("desk", [webhook.url(), other.url()]), ("night", [webhook.url()]))
        for sub in before.settings.subscriptions:
            before.create(sub)  # made, not yet sent
        assert store.stats().pending_deliveries == 3
        # the night desk is removed, and the desk's second destination
        after = config(("desk", [webhook.url()]))
        listed = cli("deliveries", "--orphaned", config=cfg)
        assert listed.returncode == 0
        rows = [line for line in listed.stdout.splitlines() if "pending" in line]
        assert len(rows) == 2 and any("night" in r for r in rows), listed.stdout
        report = after.run()
        assert len(report.cancelled) == 2 and report.failed == 0 and report.dead == []
        assert report.sent == 1 and len(webhook.bodies) == 1 and other.bodies == []
        assert store.stats().pending_deliveries == 0
        listed = cli("deliveries", "--orphaned", config=cfg)
        rows = [line for line in listed.stdout.splitlines() if "cancelled" in line]
        assert len(rows) == 2 and any("no longer in monitor.yaml" in r for r in rows)
        assert any("destination no longer in subscription 'desk'" in r for r in rows)
    finally:
        other.close()
        store.engine.dispose()


def test_digest_cancel_by_hand(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = tmp_path / "monitor.yaml"
    cfg.write_text(f"database: {db}\n")
    store = open_store(db)
    made = store.create_digest("desk", some_hits(store, 1), [("a", "json://a")], utcnow())
    assert made is not None
    [row] = store.deliveries()
    done = cli("digest", "cancel", str(row.id), config=cfg)
    assert done.returncode == 0 and "1 delivery cancelled" in done.stdout
    [row] = store.deliveries()
    assert row.status == "cancelled" and "monitor digest cancel" in (row.last_error or "")
    again = cli("digest", "cancel", str(row.id), "999", config=cfg)
    assert again.returncode == 1 and "not waiting to be sent, or no such delivery" in again.stderr
    assert f"{row.id}, 999" in again.stderr
    listed = cli("deliveries", config=cfg)
    assert "cancelled" in listed.stdout and f" {made.id} " in listed.stdout
    store.engine.dispose()


def test_destination_keys_are_those_the_outbox_holds(tmp_path: Path) -> None:
    """`--orphaned` tells configured from removed by the same key the outbox stores."""
    [d] = destinations(["json://localhost/hook"], tmp_path)
    assert len(d.key) == 64 and d.key != d.label
