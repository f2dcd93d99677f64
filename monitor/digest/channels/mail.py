"""Email: the digest as an HTML page (templates/digest.html.j2); email keeps one
message however long."""

from __future__ import annotations

from apprise import NotifyFormat

from monitor.digest.channels.base import Channel, Look, from_template, notice_from_template
from monitor.types import Digest, NoticeView


def digest(d: Digest, look: Look) -> str:
    return from_template("digest.html.j2", d, look)


def notice(n: NoticeView, look: Look) -> str:
    return notice_from_template("notice.html.j2", n, look)


CHANNEL = Channel("email", digest, notice, NotifyFormat.HTML, plugin="NotifyEmail")
