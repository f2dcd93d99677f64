"""Plain text (templates/digest.txt): files, and every service apprise serves that
has no channel of its own here."""

from __future__ import annotations

from apprise import NotifyFormat

from monitor.digest.channels.base import Channel, Look, from_template, one_line, safe_url
from monitor.types import Digest, NoticeView


def digest(d: Digest, look: Look) -> str:
    return from_template("digest.txt", d, look)


def notice(n: NoticeView, look: Look) -> str:
    lines = [look.subject, "", one_line(n.head)]
    if n.stories:
        lines.append("")
    for title, outlet, url in n.stories:
        lines += [f"* {one_line(title)} ({one_line(outlet)})", f"  {safe_url(url) or '#'}"]
    lines += [one_line(line) for line in n.lines]
    return "\n".join(lines) + "\n"


CHANNEL = Channel("text", digest, notice, NotifyFormat.TEXT)
