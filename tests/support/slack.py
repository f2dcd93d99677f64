"""Slack, played locally: a webhook receiver apprise's Slack plugin posts to, and the
way Slack's clients render mrkdwn, in brief HTML, to assert on what a reader sees."""

from __future__ import annotations

import html
import re
from contextlib import AbstractContextManager

from apprise.plugins.slack import NotifySlack

from tests.support.net import WebhookReceiver, plugin_pointed_here

URL = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"


def slack_webhook() -> AbstractContextManager[WebhookReceiver]:
    """apprise's Slack webhook URL pointed at a local receiver for the block."""
    return plugin_pointed_here(NotifySlack, "webhook_url", "/services", b"ok")


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
