"""A digest rendered for every channel at once, as the tests read it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from monitor.digest.deliver import Render
from monitor.digest.render import render
from monitor.types import Digest


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str  # email's page
    text: str
    slack: str
    telegram: str
    send: Render  # for deliver.send: renders for the destination's channel


def rendered(d: Digest, timezone: str = "UTC") -> Rendered:
    bodies = {c: render(d, timezone, c).body for c in ("email", "text", "slack", "telegram")}
    return Rendered(
        render(d, timezone, "text").subject,
        bodies["email"],
        bodies["text"],
        bodies["slack"],
        bodies["telegram"],
        partial(render, d, timezone),
    )
