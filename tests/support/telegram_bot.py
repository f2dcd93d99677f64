"""Telegram's Bot API, played locally: apprise's tgram:// plugin posts sendMessage
here; and the text a Telegram client shows for the HTML it was sent."""

from __future__ import annotations

import html
from contextlib import AbstractContextManager
from html.parser import HTMLParser

from apprise.plugins.telegram import NotifyTelegram

from tests.support.net import WebhookReceiver, plugin_pointed_here

URL = "tgram://123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr/-1001234567890"
# The tags Telegram's HTML parse mode reads (core.telegram.org/bots/api#html-style)
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "blockquote", "tg-spoiler", "span", "tg-emoji"}  # fmt: skip


def telegram_bot() -> AbstractContextManager[WebhookReceiver]:
    """apprise's Bot API address pointed at a local receiver for the block."""
    reply = b'{"ok": true, "result": {"message_id": 1}}'
    return plugin_pointed_here(NotifyTelegram, "notify_url", "/bot", reply)


class Shown(HTMLParser):
    """The text a message shows, its links, and any tag Telegram would refuse or
    find unclosed."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, label)
        self.refused: list[str] = []
        self._open: list[str] = []
        self._href: str | None = None
        self._label: list[str] = []
        self.feed(body)
        self.close()
        self.refused += [f"unclosed <{t}>" for t in self._open]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.refused.append(f"<{tag}>")
        self._open.append(tag)
        if tag == "a":
            self._href, self._label = dict(attrs).get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1] != tag:
            self.refused.append(f"</{tag}> out of order")
            return
        self._open.pop()
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._label)))
            self._href = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._href is not None:
            self._label.append(data)

    @property
    def shown(self) -> str:
        return html.unescape("".join(self.text))
