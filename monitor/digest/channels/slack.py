"""Digest -> Slack mrkdwn, as Slack renders it.

The text goes to apprise undeclared (passthrough): apprise escapes `&`, `<` and `>`
as Slack asks, then turns `<url|text>` back into links and `!x>`, `@x>`, `@x|y>`
(with or without the `<`) back into mentions. So our own links are written
`<url|text >` (the space keeps a name at the end of the text from taking our `>`),
link targets have `@ ! | < >` percent-encoded, and untrusted text gets `<`, `>` and
`|` as look-alikes (‹ › ¦): every link or mention pattern needs one of them, so no
article can ping a channel or hide a link. Nothing else is escaped: Slack shows
backslashes literally.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.digest.channels.base import Channel, Look, safe_url
from monitor.types import Digest, DigestItem, NoticeView, Snippet

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_UNSAFE_IN_URL = {"|": "%7C", "<": "%3C", ">": "%3E", " ": "%20", "@": "%40", "!": "%21"}
_LOOKALIKE = str.maketrans({"<": "‹", ">": "›", "|": "¦"})


def text(value: str) -> str:
    """Untrusted text on one line, with nothing to build a link or mention from."""
    return _CONTROL.sub(" ", value).translate(_LOOKALIKE)


def url(value: str) -> str:
    """An http(s) link target Slack keeps whole, else none."""
    return "".join(_UNSAFE_IN_URL.get(c, c) for c in safe_url(value))


def link(target: str, label: str) -> str:
    href = url(target)
    shown = " ".join(text(label).split()) or href
    return f"<{href}|{shown} >" if href else shown


def highlighted(sn: Snippet) -> str:
    """The sentence with each matched alias in bold; the spaces around it kept."""
    out, pos = [], 0
    for a, b in sn.highlights:
        out += [text(sn.text[pos:a]), "*", text(sn.text[a:b]).strip(), "*"]
        pos = b
    out.append(text(sn.text[pos:]))
    return " ".join("".join(out).split())


def _when(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%d %b %Y %H:%M %Z")


def _item(it: DigestItem, tz: ZoneInfo) -> list[str]:
    h = it.hit
    lines = [
        f"• {link(h.url, h.title)} — {text(h.outlet)}, {_when(h.published or h.found_at, tz)}",
        f"{text(', '.join(h.entity_labels))}",
    ]
    lines += [f"> {highlighted(sn)}" for sn in h.snippets[:2]]
    if h.source == "feed":
        lines.append("_matched in the feed summary: the page could not be read_")
    if it.sent_at:
        lines.append(f"_sent earlier, at {_when(it.sent_at, tz)}, under another watchlist_")
    for m in it.elsewhere:
        lines.append(f"also _{text(m.watchlist)}_: {text(', '.join(m.entity_labels))}")
        lines += [f"> {highlighted(sn)}" for sn in m.snippets[:1]]
    if it.also:
        lines.append("also reported by " + ", ".join(link(u, o) for o, u in it.also))
    return lines


def digest(d: Digest, look: Look) -> str:
    tz = look.tz
    lines: list[str] = []
    for g in d.groups:
        lines.append(f"*{text(g.watchlist)}*")
        for it in g.items:
            lines += _item(it, tz)
        for title, under in g.above:
            lines.append(f"_also: {text(title)} (above, under {text(under)})_")
        lines.append("")
    if d.more:
        lines.append("_More outlets on stories sent earlier:_")
    for it in d.more:
        outlets = [(it.hit.outlet, it.hit.url), *it.also]
        noun = "outlet" if len(outlets) == 1 else "outlets"
        links = ", ".join(link(u, o) for o, u in outlets)
        lines.append(f"• {text(it.hit.title)}: {len(outlets)} more {noun}: {links}")
    return "\n".join(lines).strip() + "\n"


def notice(n: NoticeView, look: Look) -> str:
    lines = [f"*{text(n.heading)}*", text(n.head)]
    lines += [f"• {link(u, title)} — {text(outlet)}" for title, outlet, u in n.stories]
    lines += [text(line) for line in n.lines]
    return "\n".join(lines) + "\n"


# Slack's mrkdwn goes undeclared, so that apprise passes it through (see above).
CHANNEL = Channel("slack", digest, notice, None, "NotifySlack")
