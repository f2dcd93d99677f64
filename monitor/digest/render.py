"""Digest -> subject, HTML, plain text and Slack text. Untrusted text is escaped per channel."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from monitor.types import Digest, RenderedDigest, Snippet

_env = Environment(
    loader=PackageLoader("monitor.digest", "templates"),
    autoescape=select_autoescape(["html", "html.j2"], default_for_string=True, default=False),
    trim_blocks=True,
    lstrip_blocks=True,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
# CommonMark lets any ASCII punctuation be escaped with a backslash; apprise turns the
# escapes into Slack's own (&lt; &gt; &amp;), so no <!channel> or <@U123> survives.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&@:\"'=^$%;?/,])")


def one_line(text: str) -> str:
    """No CR/LF or other control characters: safe in a subject or a single line."""
    return _CONTROL.sub(" ", text).strip()


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def subject(d: Digest, tz: ZoneInfo) -> str:
    n = d.count
    noun = "story" if n == 1 else "stories"
    end = d.period_end.astimezone(tz)
    if d.period_start:
        start = d.period_start.astimezone(tz)
        period = f"{start:%d %b %H:%M} – {end:%d %b %H:%M %Z}"
    else:
        period = f"until {end:%d %b %H:%M %Z}"
    return one_line(f"[news-monitor] {d.subscription}: {n} new {noun}, {period}")


def _date(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d %b %Y %H:%M") if value else ""


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


def highlight_md(sn: Snippet) -> str:
    out, pos = [], 0
    for a, b in sn.highlights:
        out += [md_escape(sn.text[pos:a]), "*", md_escape(sn.text[a:b]), "*"]
        pos = b
    out.append(md_escape(sn.text[pos:]))
    return "".join(out)


def safe_url(url: str) -> str:
    return url if re.match(r"^https?://", url, re.IGNORECASE) else "#"


def render(d: Digest, timezone: str = "UTC") -> RenderedDigest:
    tz = ZoneInfo(timezone)
    ctx = {
        "d": d,
        "subject": subject(d, tz),
        "date": lambda v: _date(v, tz),
        "hl_html": highlight_html,
        "hl_text": highlight_text,
        "one_line": one_line,
        "safe_url": safe_url,
    }
    html = _env.get_template("digest.html.j2").render(**ctx)
    text = _env.get_template("digest.txt").render(**ctx)
    return RenderedDigest(subject=ctx["subject"], html=html, text=text, slack=_slack(d, tz))  # type: ignore[arg-type]


def _slack(d: Digest, tz: ZoneInfo) -> str:
    lines = []
    for g in d.groups:
        lines.append(f"*{md_escape(g.watchlist)}*")
        for it in g.items:
            h = it.hit
            lines.append(
                f"• [{md_escape(h.title)}]({safe_url(h.url)}) — {md_escape(h.outlet)}, "
                f"{md_escape(_date(h.published or h.found_at, tz))}"
            )
            lines.append(f"    {md_escape(', '.join(h.entity_labels))}")
            for sn in h.snippets[:2]:
                lines.append(f"    > {highlight_md(sn)}")
            if h.source == "feed":
                lines.append("    _matched in the feed summary: the page could not be read_")
            if it.also:
                others = ", ".join(f"[{md_escape(o)}]({safe_url(u)})" for o, u in it.also)
                lines.append(f"    also reported by {others}")
        if g.more:
            lines.append("_More outlets on stories sent earlier:_")
        for it in g.more:
            outlets = [(it.hit.outlet, it.hit.url), *it.also]
            links = ", ".join(f"[{md_escape(o)}]({safe_url(u)})" for o, u in outlets)
            noun = "outlet" if len(outlets) == 1 else "outlets"
            lines.append(f"• {md_escape(it.hit.title)}: {len(outlets)} more {noun}: {links}")
        lines.append("")
    return "\n".join(lines).strip() + "\n"
