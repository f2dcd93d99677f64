"""The channels a digest or a notice goes out on, one module each; this is their one
registry. A new channel is a module (its rendering, its apprise format, how its
service counts a body) and a line in CHANNELS."""

from __future__ import annotations

import apprise

from monitor.digest.channels import mail, slack, telegram, text
from monitor.digest.channels.base import Channel, Look, Message

__all__ = ["CHANNELS", "Channel", "Look", "Message", "by_name", "for_url"]

# The last is for every other apprise service, and for files.
CHANNELS: tuple[Channel, ...] = (mail.CHANNEL, slack.CHANNEL, telegram.CHANNEL, text.CHANNEL)


def by_name(name: str) -> Channel:
    for c in CHANNELS:
        if c.name == name:
            return c
    raise KeyError(name)


def for_url(url: str | None) -> Channel:
    """The channel whose apprise plugin serves the URL; plain text for the rest."""
    plugin = apprise.Apprise.instantiate(url) if url else None
    for c in CHANNELS:
        if plugin is not None and c.plugin and c.plugin in _classes(type(plugin)):
            return c
    return CHANNELS[-1]


def _classes(cls: type) -> set[str]:
    """The names of a plugin's class and those it derives from (email's are several)."""
    return {k.__name__ for k in cls.__mro__}
