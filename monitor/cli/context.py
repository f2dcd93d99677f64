"""What every command shares: the config file the root options chose, and the way a
user's mistake is reported (one line, exit 1) rather than a traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from monitor.basics.units import parse_duration
from monitor.config.settings import Settings, load_settings
from monitor.errors import MonitorError
from monitor.watchlists.model import unknown_watchlist

if TYPE_CHECKING:
    from monitor.app import App


# The root's options, also accepted after the command (`monitor run --config x.yaml`).
ROOT_OPTIONS = ("--config", "-c", "--log-level")


def hoist_root_options(args: list[str]) -> list[str]:
    """`args` with the root's options (and their values) moved before the command."""
    front: list[str] = []
    rest: list[str] = []
    it = iter(args)
    for a in it:
        if a in ROOT_OPTIONS:
            front += [a, next(it, "")]
        elif a.startswith(tuple(o + "=" for o in ROOT_OPTIONS if o.startswith("--"))):
            front.append(a)
        else:
            rest.append(a)
    return front + rest


class MonitorGroup(typer.core.TyperGroup):
    """The root command: a MonitorError raised by any command is a user's mistake, said
    in one line (`error: <what and where>`) with exit code 1, not a traceback."""

    def main(self, args: Any = None, *more: Any, **kw: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        return super().main(hoist_root_options(argv), *more, **kw)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MonitorError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc


# Options more than one command takes.
WatchlistOption = Annotated[str | None, typer.Option(metavar="NAME", help="Only this watchlist.")]


def known_watchlist(name: str | None, loaded: Sequence[str]) -> None:
    """`--watchlist NAME` names a loaded watchlist: a typo is an error, not an empty list."""
    if name is not None and name not in loaded:
        raise MonitorError(f"--watchlist: {unknown_watchlist(name, loaded)}")


class State:
    config: Path = Path("monitor.yaml")

    def settings(self) -> Settings:
        return load_settings(self.config)

    def app(self) -> App:
        from monitor.app import App  # the whole pipeline: only for the commands that run it

        return App(self.settings())


state = State()


def check_subscription(settings: Settings, name: str | None) -> None:
    if name is not None and name not in {s.name for s in settings.subscriptions}:
        known = ", ".join(s.name for s in settings.subscriptions) or "none"
        raise MonitorError(f"{state.config}: no subscription named {name!r} (configured: {known})")


def duration_option(value: str, option: str) -> timedelta:
    """A duration given on the command line; a bad one is a usage error naming the option."""
    try:
        return timedelta(seconds=parse_duration(value))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from exc
