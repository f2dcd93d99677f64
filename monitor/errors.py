"""Errors the user can act on. Each names what is wrong and where."""

from __future__ import annotations


class MonitorError(Exception):
    """Base for errors the CLI reports without a traceback (exit code 1)."""


class ConfigError(MonitorError, ValueError):
    """monitor.yaml is invalid: the message names the file, key and line."""


class YamlFileError(MonitorError, ValueError):
    """A YAML file that cannot be loaded; the message starts with file:line:col."""


class WatchlistError(MonitorError, ValueError):
    """A watchlist file is invalid; `problems` holds file:line:col messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class FetchError(MonitorError):
    """A feed or page could not be fetched; the message is safe to store and show."""


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RetryLater(FetchError):
    """The server asked us to come back later (429/503); `after_s` is its Retry-After."""

    def __init__(self, message: str, after_s: float | None) -> None:
        super().__init__(message)
        self.after_s = after_s


class BlockedAddressError(FetchError):
    """The URL resolves to an address the fetch policy refuses."""


class FeedParseError(MonitorError):
    """Feed bytes that yield no feed at all."""


class SandboxError(MonitorError):
    """A parser task was stopped: over its deadline, over its memory, or its worker died."""


class StoreError(MonitorError):
    """The database refused a write (full disk, lost connection, ...): nothing of it was kept."""


class LeaseLost(StoreError):
    """What a daemon held passed to another while it was cut off: its write is refused."""


class DeliveryError(MonitorError):
    """A digest could not be delivered to one destination; the message says why."""
