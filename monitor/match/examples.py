"""A watchlist's `examples:`, run through the matcher (`monitor watchlists test`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.match.matcher import Matcher
from monitor.watchlists.model import Example, Watchlist


@dataclass(frozen=True)
class ExampleResult:
    watchlist: Watchlist
    example: Example
    found: tuple[str, ...]  # entity ids, sorted

    @property
    def passed(self) -> bool:
        return self.found == tuple(sorted(self.example.expect))


def run_examples(lists: Sequence[Watchlist]) -> list[ExampleResult]:
    """Each example of each watchlist, matched against its own watchlist alone."""
    out = []
    for wl in lists:
        matcher = Matcher([wl])
        for ex in wl.examples:
            found = matcher.match("", ex.text)
            out.append(ExampleResult(wl, ex, tuple(sorted(found[0].entities)) if found else ()))
    return out
