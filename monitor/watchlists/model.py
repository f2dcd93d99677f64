"""Watchlists as the matcher sees them: plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from monitor.watchlists.rules import Rule


@dataclass(frozen=True)
class Entity:
    id: str
    label: str
    aliases: tuple[str, ...]
    fuzzy: int = 0


@dataclass(frozen=True)
class Example:
    text: str
    expect: tuple[str, ...]
    where: str = ""  # file:line:col of the example


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

    def label(self, entity_id: str) -> str:
        for e in self.entities:
            if e.id == entity_id:
                return e.label
        return entity_id
