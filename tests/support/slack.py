"""Slack, played locally: a webhook receiver apprise's Slack plugin posts to, and the
way Slack's clients render mrkdwn, in brief HTML, to assert on what a reader sees."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

from apprise.plugins.slack import NotifySlack

from tests.support.net import WebhookReceiver

URL = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"


@contextmanager
def slack_webhook() -> Iterator[WebhookReceiver]:
    """apprise's Slack webhook URL pointed at a local receiver for the block."""
    receiver = WebhookReceiver(reply=b"ok")
    saved = NotifySlack.webhook_url
    NotifySlack.webhook_url = f"http://127.0.0.1:{receiver.port}/services"
    try:
        yield receiver
    finally:
        NotifySlack.webhook_url = saved
        receiver.close()


_ANGLE = re.compile(r"<([^<>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")


def render_mrkdwn(text: str) -> str:
    """Links, mentions, bold and italic as Slack shows them; everything else as text."""

    def angle(m: re.Match[str]) -> str:
        inner = m.group(1)
        if inner.startswith(("!", "@", "#")):
            return f"[MENTION {html.unescape(inner)}]"
        target, _, label = inner.partition("|")
        return f'<a href="{html.unescape(target)}">{label or target}</a>'

    out = _ANGLE.sub(angle, text)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _ITALIC.sub(r"<i>\1</i>", out)
    return html.unescape(out)
