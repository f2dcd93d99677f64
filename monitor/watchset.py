"""The live set of watchlists and its matcher; reloads edited files, keeping the last good version."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

from monitor.digest.build import Labels
from monitor.errors import WatchlistError
from monitor.match import Matcher
from monitor.watchlists import Watchlist, load_watchlist_file, watchlist_files

log = structlog.get_logger()


@dataclass(frozen=True)
class _Loaded:
    mtime: float
    watchlist: Watchlist | None  # the last good version


class WatchSet:
    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = list(paths)
        self._files: dict[Path, _Loaded] = {}
        self._lock = threading.Lock()
        self._matcher = Matcher(())
        self.problems: list[str] = []
        self.reload()

    @property
    def matcher(self) -> Matcher:
        return self._matcher

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self._matcher.watchlists

    def labels(self) -> Labels:
        return {w.name: {e.id: e.label for e in w.entities} for w in self.watchlists}

    def reload(self) -> bool:
        """Reload changed files. A broken file keeps its last good version. True if anything changed."""
        with self._lock:
            files = watchlist_files(self.paths)
            changed = set(self._files) != set(files)
            new: dict[Path, _Loaded] = {}
            problems: list[str] = []
            for f in files:
                try:
                    mtime = f.stat().st_mtime
                except OSError:
                    continue
                old = self._files.get(f)
                if old is not None and old.mtime == mtime:
                    new[f] = old
                    continue
                changed = True
                wl: Watchlist | None
                try:
                    wl = load_watchlist_file(f)
                    if old is not None:
                        log.info("watchlist reloaded", file=str(f))
                except WatchlistError as exc:
                    problems.extend(exc.problems)
                    wl = old.watchlist if old else None
                    log.error(
                        "watchlist has errors; keeping the last good version"
                        if wl
                        else "watchlist has errors; not loaded",
                        file=str(f),
                        errors=exc.problems,
                    )
                new[f] = _Loaded(mtime, wl)
            self._files = new
            if problems or changed:
                self.problems = problems
            if changed:
                lists: list[Watchlist] = []
                names: set[str] = set()
                for f, loaded in sorted(new.items()):
                    wl = loaded.watchlist
                    if wl is None:
                        continue
                    if wl.name in names:
                        log.error(
                            "duplicate watchlist name; file skipped", file=str(f), name=wl.name
                        )
                        continue
                    names.add(wl.name)
                    lists.append(wl)
                # Build first, then swap: matching never sees a half-built matcher.
                self._matcher = Matcher(lists)
            return changed
