"""The live set of watchlists and what is compiled from them (the matcher): reloads
edited files, keeping the last good version of a broken one.

A configured file or folder that does not exist is a problem: at start the caller
refuses to run without it (`missing`); at a reload, the watchlists last loaded from
it are kept and the error logged, so a folder moved away never empties the set.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import structlog

from monitor.errors import WatchlistError
from monitor.types import Labels
from monitor.watchlists.load import load_watchlist_file, missing_paths, watchlist_files
from monitor.watchlists.model import Watchlist

log = structlog.get_logger()
C = TypeVar("C")


@dataclass(frozen=True)
class _Loaded:
    mtime: float
    watchlist: Watchlist | None  # the last good version


class LiveSet(Generic[C]):
    def __init__(self, paths: Sequence[Path], compile: Callable[[Sequence[Watchlist]], C]) -> None:
        self.paths = list(paths)
        self._compile = compile
        self._files: dict[Path, _Loaded] = {}
        self._lock = threading.Lock()
        self._gone: set[Path] = set()
        self._started = False
        self._lists: tuple[Watchlist, ...] = ()
        self._compiled = compile(())
        self.problems: list[str] = []
        self.reload()

    @property
    def compiled(self) -> C:
        return self._compiled

    @property
    def watchlists(self) -> tuple[Watchlist, ...]:
        return self._lists

    @property
    def missing(self) -> list[str]:
        """The configured files and folders that do not exist, as problems."""
        return missing_paths(self.paths)

    def labels(self) -> Labels:
        return {w.name: {e.id: e.label for e in w.entities} for w in self._lists}

    def reload(self) -> bool:
        """Reload changed files. A broken file keeps its last good version. True if anything changed."""
        with self._lock:
            gone = [p for p in self.paths if not p.exists()]
            files = watchlist_files([p for p in self.paths if p.exists()])
            # What was loaded from a path that is gone stays until the path is back.
            files += [f for f in self._files if any(f == p or p in f.parents for p in gone)]
            changed = set(self._files) != set(files)
            new: dict[Path, _Loaded] = {}
            problems = missing_paths(gone)
            for p in set(gone) - self._gone:  # once, when it goes
                log.error("watchlist path not found; keeping what was loaded from it", path=str(p))
            self._gone = set(gone)
            for f in files:
                old = self._files.get(f)
                try:
                    mtime = f.stat().st_mtime
                except OSError:  # under a path that is gone: the last good version
                    if old is not None:
                        new[f] = old
                    continue
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
            if self._started:  # the first load is the daemon's start, logged there
                for f in sorted(set(new) - set(self._files)):
                    log.info("watchlist file added", file=str(f))
                for f in sorted(set(self._files) - set(new)):
                    log.info("watchlist file removed", file=str(f))
            self._started = True
            self._files = new
            if problems or changed:
                self.problems = problems
            if changed:
                self._swap(new)
            return changed

    def _swap(self, loaded: dict[Path, _Loaded]) -> None:
        lists: list[Watchlist] = []
        names: set[str] = set()
        for f, entry in sorted(loaded.items()):
            wl = entry.watchlist
            if wl is None:
                continue
            if wl.name in names:
                log.error("duplicate watchlist name; file skipped", file=str(f), name=wl.name)
                continue
            names.add(wl.name)
            lists.append(wl)
        # Compile first, then swap: matching never sees a half-built matcher.
        compiled = self._compile(lists)
        self._lists, self._compiled = tuple(lists), compiled
