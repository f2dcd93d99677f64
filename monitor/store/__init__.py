"""The database: tables, engine and migrations, repository functions."""

from monitor.store.db import make_engine, upgrade
from monitor.store.repo import Store, utcnow

__all__ = ["Store", "make_engine", "open_store", "upgrade", "utcnow"]


def open_store(url: str, migrate: bool = True) -> Store:
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return Store(engine)
