"""`monitor feeds import OPML` and `monitor feeds add URL`: add a source to monitor.yaml.

monitor.yaml stays the one list of feeds: the import checks the OPML, then adds one
`- opml: PATH` line at the end of `feeds:`, in the indentation the list already
has; `feeds add` adds `- url: URL` (with its `name:`), `- sitemap: URL` or
`- page: URL` there the same way. Every other byte of the file is kept: comments,
layout, quoting. What is written must load, and the file is replaced atomically with
its permissions.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from monitor.config.feeds import OpmlEntry
from monitor.config.opml import read_opml
from monitor.config.settings import load_settings
from monitor.config.sources import feed_sources
from monitor.errors import ConfigError
from monitor.feeds.discover import url_key


@dataclass(frozen=True)
class ImportReport:
    opml: str  # as written into monitor.yaml
    feeds: int
    new: int  # not configured before
    added: bool  # False: this OPML was already in monitor.yaml


def import_opml(config: Path, opml: Path) -> ImportReport:
    feeds = read_opml(opml, required=True)  # a bad file stops here, before monitor.yaml
    settings = load_settings(config)
    known = {s.url for s in feed_sources(settings)}
    target = opml.resolve()
    try:
        written = str(target.relative_to(config.parent.resolve()))
    except ValueError:
        written = str(target)
    new = len({u for u, _ in feeds} - known)
    if any(
        isinstance(e, OpmlEntry) and settings.path(e.opml).resolve() == target
        for e in settings.feeds
    ):
        return ImportReport(written, len(feeds), new, added=False)
    text = config.read_text(encoding="utf-8")
    _replace_checked(config, with_feed(text, f"opml: {_scalar(written)}", config))
    return ImportReport(written, len(feeds), new, added=True)


@dataclass(frozen=True)
class AddReport:
    entry: str  # as written: `url: https://example.org/rss`
    added: bool  # False: the URL was already configured (an entry, or in an OPML file)


# The key each kind of source `feeds add` writes is written under.
AddedKind = Literal["feed", "sitemap", "page"]
SOURCE_KEYS: dict[AddedKind, str] = {"feed": "url", "sitemap": "sitemap", "page": "page"}


def add_source(config: Path, kind: AddedKind, url: str, name: str | None = None) -> AddReport:
    """Add `- <key>: URL` (and `name:`) at the end of `feeds:`, unless some entry, or
    an OPML file the config imports, already has that URL."""
    key = SOURCE_KEYS[kind]
    entry = f"{key}: {url_scalar(url)}"
    settings = load_settings(config)
    if url_key(url) in {url_key(s.url) for s in feed_sources(settings)}:
        return AddReport(entry, added=False)
    more = [f"name: {text_scalar(name)}"] if name else []
    text = config.read_text(encoding="utf-8")
    _replace_checked(config, with_feed(text, entry, config, more))
    return AddReport(entry, added=True)


def with_feed(text: str, entry: str, where: Path, more: Sequence[str] = ()) -> str:
    """`text` (monitor.yaml) with `- <entry>` added at the end of `feeds:`, and each of
    `more` (`name: X`) on a line of its own below it; nothing else changes. `where`
    names the file in errors."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    root = YAML(typ="rt", pure=True).load(text)
    if not isinstance(root, CommentedMap) or "feeds" not in root:
        tail = "" if not text or text.endswith(("\n", "\r")) else nl
        return f"{text}{tail}feeds:{nl}" + _item("  ", entry, more, nl)
    key_line = root.lc.key("feeds")[0]
    seq = root["feeds"]
    if seq is None or (isinstance(seq, CommentedSeq) and not seq):
        if isinstance(seq, CommentedSeq) and seq.fa.flow_style():
            raise ConfigError(f"{where}:{key_line + 1}: feeds: is `[]`; write it as a list first")
        at, indent = key_line + 1, "  "
    elif isinstance(seq, CommentedSeq) and not seq.fa.flow_style():
        first = lines[seq.lc.item(0)[0]]
        m = re.match(r"[ \t]*", first)
        indent = m.group(0) if m else "  "
        after = [root.lc.key(k)[0] for k in root if root.lc.key(k)[0] > key_line]
        at = min(after, default=len(lines))
        # The list ends at its last line of content: comments and blank lines just
        # before the next key belong to that key.
        while at > key_line + 1 and (
            not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")
        ):
            at -= 1
    else:
        raise ConfigError(
            f"{where}:{key_line + 1}: feeds: is not a block list; add `- {entry}` to it by hand"
        )
    if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
        lines[at - 1] += nl
    lines.insert(at, _item(indent, entry, more, nl))
    return "".join(lines)


def _item(indent: str, entry: str, more: Sequence[str], nl: str) -> str:
    return "".join(
        f"{indent}{'- ' if i == 0 else '  '}{line}{nl}" for i, line in enumerate([entry, *more])
    )


def _scalar(value: str) -> str:
    """A plain YAML scalar where that is safe, else a double-quoted one."""
    return (
        value if re.fullmatch(r"[\w./@+-]+", value) and value[0] not in "-@" else json.dumps(value)
    )


# A URL written as it is: http(s) and the characters of RFC 3986, none of which can
# start a comment (no space) or end the scalar (": " needs a space) in block context.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", re.IGNORECASE)
# A title written as it is: words, spaces and harmless punctuation, not starting
# with what YAML would read as something else.
_PLAIN_TEXT = re.compile(r"[^\W\d_][\w .,'()/&+-]*[\w.)]|[^\W\d_]", re.UNICODE)
# Plain words YAML (1.1 or 1.2) reads as booleans or null, not as text.
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def url_scalar(url: str) -> str:
    return url if _PLAIN_URL.fullmatch(url) and not url.endswith(":") else quoted(url)


def text_scalar(text: str) -> str:
    plain = _PLAIN_TEXT.fullmatch(text) and text.lower() not in _YAML_WORDS
    return text if plain and "  " not in text else quoted(text)


def quoted(text: str) -> str:
    """A double-quoted YAML scalar of any text: escapes for quotes, backslashes, line
    breaks (YAML's too: NEL, LS, PS) and every character YAML does not allow raw."""
    out = []
    for c in text:
        code = ord(c)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\t" or (
            code >= 0x20
            and code != 0x7F
            and not 0x80 <= code <= 0x9F
            and c not in "\u2028\u2029"
            and not 0xD800 <= code <= 0xDFFF
            and code not in (0xFEFF, 0xFFFE, 0xFFFF)
        ):
            out.append(c)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _replace_checked(path: Path, text: str) -> None:
    """Write `text` beside `path`, check that it loads, then put it in its place."""
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".yaml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(tmp, mode)  # a config holding secrets keeps its permissions
        load_settings(Path(tmp))  # what is written must load
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
