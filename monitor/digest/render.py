"""Digest -> subject, HTML, plain text and Slack text. Untrusted text is escaped per channel."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from monitor.digest.slack import render_slack
from monitor.types import Digest, RenderedDigest, Snippet

_env = Environment(
    loader=PackageLoader("monitor.digest", "templates"),
    autoescape=select_autoescape(["html", "html.j2"], default_for_string=True, default=False),
    trim_blocks=True,
    lstrip_blocks=True,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str) -> str:
    """No CR/LF or other control characters: safe in a subject or a single line."""
    return _CONTROL.sub(" ", text).strip()


def subject(d: Digest, tz: ZoneInfo, part: tuple[int, int, int] | None = None) -> str:
    """`part`: (number, of how many, the whole digest's stories) of a split digest."""
    n = part[2] if part else d.count
    noun = "story" if n == 1 else "stories"
    end = d.period_end.astimezone(tz)
    if d.period_start:
        start = d.period_start.astimezone(tz)
        period = f"{start:%d %b %H:%M} – {end:%d %b %H:%M %Z}"
    else:
        period = f"until {end:%d %b %H:%M %Z}"
    numbered = f" (part {part[0]}/{part[1]})" if part else ""
    return one_line(f"[news-monitor] {d.subscription}: {n} new {noun}, {period}{numbered}")


def _date(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d %b %Y %H:%M %Z") if value else ""


def highlight_html(sn: Snippet) -> Markup:
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


def safe_url(url: str) -> str:
    return url if re.match(r"^https?://", url, re.IGNORECASE) else "#"


def render(
    d: Digest, timezone: str = "UTC", part: tuple[int, int, int] | None = None
) -> RenderedDigest:
    tz = ZoneInfo(timezone)
    title = subject(d, tz, part)
    ctx = {
        "d": d,
        "subject": title,
        "date": lambda v: _date(v, tz),
        "hl_html": highlight_html,
        "hl_text": highlight_text,
        "one_line": one_line,
        "safe_url": safe_url,
    }
    html = _env.get_template("digest.html.j2").render(**ctx)
    text = _env.get_template("digest.txt").render(**ctx)
    return RenderedDigest(subject=title, html=html, text=text, slack=render_slack(d, tz))
