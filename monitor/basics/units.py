"""Durations (`30s`, `15m`, `2h`, `1d`) and sizes (`500KB`, `10MB`) as written in configs."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)\s*$", re.IGNORECASE)
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def parse_duration(value: object) -> int:
    """Seconds in a duration. A bare number is refused: 15 could mean seconds or minutes."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 15m, 2h or 1d")
    if isinstance(value, int | float):
        raise ValueError(f"{value} has no unit: write {value}s, {value}m, {value}h or {value}d")
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a duration such as 30s, 15m, 2h or 1d")
    seconds = float(m.group(1)) * _DURATION_UNITS[m.group(2)]
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    return int(seconds)


def parse_size(value: object) -> int:
    """Bytes in a size; KB, MB and GB are powers of 1024. A bare number is refused."""
    if isinstance(value, bool):
        raise ValueError("expected a size such as 500KB or 10MB")
    if isinstance(value, int | float):
        raise ValueError(f"{value} has no unit: write {value}B, {value}KB or {value}MB")
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a size such as 500KB or 10MB")
    size = float(m.group(1)) * _SIZE_UNITS[m.group(2).upper()]
    if size <= 0:
        raise ValueError("a size must be greater than zero")
    return int(size)


def format_duration(seconds: float) -> str:
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length and seconds % length == 0:
            return f"{int(seconds // length)}{unit}"
    return f"{int(seconds)}s"


# Config fields: written with a unit, held as seconds or bytes.
Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": _DURATION.pattern, "examples": ["15m"]}),
]
_SIZE_SCHEMA = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*([KMGkmg]?[Bb])\s*$"}
Size = Annotated[
    int,
    BeforeValidator(parse_size),
    WithJsonSchema({**_SIZE_SCHEMA, "examples": ["10MB"]}),
]
