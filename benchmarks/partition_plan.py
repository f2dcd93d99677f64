"""A partition of cluster_partition's run: what it was aimed at, when it fell and healed,
and what was seen of its victim; the run's fixed numbers. Shared by the run
(partition_bench.py), its figures (partition_audit.py) and the entry point."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DAEMONS = 3
HOLD_S = 0.5  # the webhook and the SMTP server answer this long after a message came
KINDS = ("poll", "store", "webhook", "mail", "random")


@dataclass
class Partition:
    daemon: int  # 1..3
    kind: str  # what the cut was aimed at
    moment: str  # what was seen when it fell
    cut_at: float  # seconds since the start
    cut_utc: str  # for the daemons' logs
    healed_at: float | None = None
    healed_utc: str | None = None
    held_at_cut: int | None = None  # feeds leased to it at the first look
    stuck_most: int = 0  # its expired leases no other daemon could take, at most
    lock_waiters_most: int = 0  # other sessions waiting on a lock, at most
    open_transaction: str | None = None  # its session in a transaction while cut
    open_transaction_s: float = 0.0
    leases_passed: int = 0  # its feeds claimed by the others while it was cut
    back_polling_s: float | None = None  # from the heal to its next feed fetch
    # its warnings and errors from the cut to 2 minutes after the heal, by event
    victim_log: dict[str, int] = field(default_factory=dict)
    fenced_after_heal: float | None = None  # its counter, soon after the heal
    samples: list[dict[str, Any]] = field(default_factory=list)
