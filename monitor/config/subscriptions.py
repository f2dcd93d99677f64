"""Which watchlists the subscriptions of monitor.yaml name that are not loaded: a typo
would silently send nothing. Pure: the names loaded are passed in."""

from __future__ import annotations

from collections.abc import Collection

from monitor.config.settings import Settings
from monitor.watchlists.model import unknown_watchlist


def subscription_problems(settings: Settings, loaded: Collection[str]) -> list[str]:
    """One `file:line:col: ...` line per name a subscription gives that is not loaded
    (or, under `immediate:`, not one of its own watchlists)."""
    names = set(loaded)
    return [
        f"{settings.where(['subscriptions', i, 'watchlists', j])}: "
        f"subscriptions.{i}.watchlists: {unknown_watchlist(name, names)}"
        for i, sub in enumerate(settings.subscriptions)
        for j, name in enumerate(sub.watchlists or ())
        if name not in names
    ] + [
        f"{settings.where(['subscriptions', i, 'immediate', j])}: "
        f"subscriptions.{i}.immediate: {name!r} is not one of its watchlists "
        f"({', '.join(sub.watchlists or sorted(names)) or 'none'})"
        for i, sub in enumerate(settings.subscriptions)
        for j, name in enumerate(sub.immediate or ())
        if name not in (sub.watchlists or names)
    ]
