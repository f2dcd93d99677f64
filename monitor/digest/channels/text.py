"""Plain text (templates/digest.txt): files, and every service apprise serves that
has no channel of its own here."""

from __future__ import annotations

from apprise import NotifyFormat

from monitor.digest.channels.base import Channel, Look, from_template, notice_from_template
from monitor.types import Digest, NoticeView


def digest(d: Digest, look: Look) -> str:
    return from_template("digest.txt", d, look)


def notice(n: NoticeView, look: Look) -> str:
    return notice_from_template("notice.txt", n, look)


CHANNEL = Channel("text", digest, notice, NotifyFormat.TEXT)
