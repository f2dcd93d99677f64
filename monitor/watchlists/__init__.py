"""Watchlist files: loading, validation, the rule language."""

from monitor.watchlists.load import load_watchlist_file, load_watchlists, watchlist_files
from monitor.watchlists.model import Entity, Example, Watchlist

__all__ = [
    "Entity",
    "Example",
    "Watchlist",
    "load_watchlist_file",
    "load_watchlists",
    "watchlist_files",
]
