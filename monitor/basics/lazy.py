"""A function named by its module, imported where it is called.

The parsers run in worker processes. Handing a worker a function pickles only its
name, yet holding the function itself imports its module: trafilatura and feedparser
would sit in the polling process, tens of megabytes it never runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Lazy:
    module: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(self.module), self.name)(*args, **kwargs)


def lazy(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported at its first call in the process that calls it."""
    return Lazy(module, name)
