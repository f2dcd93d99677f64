"""Telegram (apprise's tgram://): the HTML Telegram reads (b, i, a, blockquote; a new
line is a line break), at most 4,096 characters a message as Telegram counts them:
the text once its tags are read, in UTF-16 code units. A longer digest goes in parts."""

from __future__ import annotations

import html
import re

from apprise import NotifyFormat
from markupsafe import Markup, escape

from monitor.digest.channels.base import (
    Channel,
    Look,
    from_template,
    notice_from_template,
    one_line,
    safe_url,
)
from monitor.types import Digest, NoticeView, Snippet

_TAG = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def highlighted(sn: Snippet) -> Markup:
    """The sentence on one line, escaped, with each matched alias in bold."""
    text = _CONTROL.sub(" ", sn.text)  # one for one: the highlights' offsets hold
    out, pos = [], 0
    for a, b in sn.highlights:
        out += [escape(text[pos:a]), Markup("<b>") + escape(text[a:b]) + Markup("</b>")]
        pos = b
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def link(url: str, label: str) -> Markup:
    """A link to an http(s) address; the label alone for any other."""
    href, shown = safe_url(url), escape(one_line(label))
    return Markup('<a href="{}">{}</a>').format(href, shown) if href else shown


def digest(d: Digest, look: Look) -> str:
    return _tidy(from_template("digest.tg.j2", d, look, hl_tg=highlighted, link=link))


def notice(n: NoticeView, look: Look) -> str:
    return _tidy(notice_from_template("notice.tg.j2", n, look, link=link))


def measure(body: str) -> int:
    """The body's length as Telegram counts it: the text its tags mark up."""
    return len(html.unescape(_TAG.sub("", body)).encode("utf-16-le")) // 2


def _tidy(body: str) -> str:
    """No run of blank lines, none at either end."""
    return re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"


CHANNEL = Channel("telegram", digest, notice, NotifyFormat.HTML, "NotifyTelegram", measure)
