"""Watchlists as the matcher sees them: plain frozen data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from monitor.watchlists.rules import Rule


@dataclass(frozen=True)
class SpikeRule:
    """Alert when the last day's stories are at least `factor` times the daily mean of
    the 14 days before, and at least `min`."""

    factor: float = 3.0
    min: int = 5


@dataclass(frozen=True)
class Entity:
    id: str
    label: str
    aliases: tuple[str, ...]
    fuzzy: int = 0
    spike: bool = False  # its own spike alerts, by the watchlist's rule
    languages: tuple[str, ...] | None = None  # whose word forms; None: the watchlist's
    exclude: tuple[str, ...] = ()  # phrases whose words are not this entity (Heydar Aliyev Centre)


@dataclass(frozen=True)
class Example:
    text: str
    expect: tuple[str, ...]
    where: str = ""  # file:line:col of the example
    note: str = ""  # why it is there ("trap: the woman's surname")


@dataclass(frozen=True)
class Watchlist:
    name: str
    description: str
    entities: tuple[Entity, ...]
    rule: Rule | None = None  # None: any entity
    rule_text: str | None = None
    exclude: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    path: Path | None = None
    critical: bool = False  # priority: critical: its alerts pass quiet hours
    spike: SpikeRule | None = None  # spike alerts for this watchlist; None: none
    languages: tuple[str, ...] | None = None  # whose word forms; None: as the letters say

    def label(self, entity_id: str) -> str:
        for e in self.entities:
            if e.id == entity_id:
                return e.label
        return entity_id


def unknown_watchlist(name: str, loaded: Iterable[str]) -> str:
    """What is said of a watchlist named where none by that name is loaded: the names
    that are, so a typo shows itself."""
    known = ", ".join(sorted(loaded)) or "none"
    return f"no watchlist named {name!r} (loaded: {known})"
