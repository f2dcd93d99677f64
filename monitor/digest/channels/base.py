"""What a channel is: how a digest and a notice read on it, what apprise is told of
the body's format, and how its service counts a body's length. Each channel is one
module beside this one; the registry (channels/__init__.py) lists them.

Untrusted text (titles, outlets, sentences) is escaped by each channel for its own
markup; a link goes out only to an http(s) address (`safe_url`, the one check)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apprise import NotifyFormat
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from monitor.types import Digest, NoticeView, Snippet

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_HTTP = re.compile(r"^https?://", re.IGNORECASE)

# Templates ending .html.j2 or .tg.j2 escape what they are given; .txt ones do not.
templates = Environment(
    loader=PackageLoader("monitor.digest", "templates"),
    autoescape=select_autoescape(["html", "html.j2", "tg.j2"], default=False),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    # The same as data (monitor.digest.data), for a json:// webhook and the digest folder.
    data: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Look:
    """What a rendering is given beside the digest or the notice."""

    subject: str
    tz: ZoneInfo

    def date(self, value: datetime | None) -> str:
        return value.astimezone(self.tz).strftime("%d %b %Y %H:%M %Z") if value else ""


@dataclass(frozen=True)
class Channel:
    name: str
    digest: Callable[[Digest, Look], str]
    notice: Callable[[NoticeView, Look], str]
    body_format: NotifyFormat | None  # None: sent as written (apprise passes it through)
    plugin: str | None = None  # apprise's plugin class for the URLs it serves
    measure: Callable[[str], int] = len  # a body's length as the service counts it


def one_line(text: str) -> str:
    """No CR/LF or other control characters: safe in a subject or a single line."""
    return _CONTROL.sub(" ", text).strip()


def safe_url(url: str) -> str:
    """An http(s) address as it is, anything else (javascript:, data:, ...) none."""
    return url if _HTTP.match(url) else ""


def highlight_html(sn: Snippet) -> Markup:
    """The sentence, escaped, with each matched alias in bold on a mark."""
    out, pos = [], 0
    for a, b in sn.highlights:
        out.append(escape(sn.text[pos:a]))
        out.append(Markup("<mark><b>") + escape(sn.text[a:b]) + Markup("</b></mark>"))
        pos = b
    out.append(escape(sn.text[pos:]))
    return Markup("").join(out)


def highlight_text(sn: Snippet, mark: str = "**") -> str:
    out, pos = [], 0
    for a, b in sn.highlights:
        out += [sn.text[pos:a], mark, sn.text[a:b], mark]
        pos = b
    out.append(sn.text[pos:])
    return one_line("".join(out))


def from_template(name: str, d: Digest, look: Look, **extra: Any) -> str:
    """A digest through one of the templates, with the helpers they share."""
    return templates.get_template(name).render(
        d=d,
        subject=look.subject,
        date=look.date,
        hl_html=highlight_html,
        hl_text=highlight_text,
        one_line=one_line,
        safe_url=lambda u: safe_url(u) or "#",
        **extra,
    )


def notice_from_template(name: str, n: NoticeView, look: Look, **extra: Any) -> str:
    """A notice through one of the templates."""
    return templates.get_template(name).render(
        n=n,
        subject=look.subject,
        safe_url=lambda u: safe_url(u) or "#",
        one_line=one_line,
        **extra,
    )
