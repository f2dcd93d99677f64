"""`monitor feeds import OPML`: add a feed reader's export to monitor.yaml.

monitor.yaml stays the one list of feeds: the import checks the OPML, then adds one
`- opml: PATH` line at the end of `feeds:`, in the indentation the list already
has. Every other byte of the file is kept: comments, layout, quoting. What is
written must load, and the file is replaced atomically with its permissions.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from monitor.config.opml import read_opml
from monitor.config.settings import OpmlEntry, load_settings
from monitor.config.sources import feed_sources
from monitor.errors import ConfigError


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


def with_feed(text: str, entry: str, where: Path) -> str:
    """`text` (monitor.yaml) with `- <entry>` added at the end of `feeds:`; nothing else
    changes. `where` names the file in errors."""
    nl = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    root = YAML(typ="rt", pure=True).load(text)
    if not isinstance(root, CommentedMap) or "feeds" not in root:
        tail = "" if not text or text.endswith(("\n", "\r")) else nl
        return f"{text}{tail}feeds:{nl}  - {entry}{nl}"
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
    lines.insert(at, f"{indent}- {entry}{nl}")
    return "".join(lines)


def _scalar(value: str) -> str:
    """A plain YAML scalar where that is safe, else a double-quoted one."""
    return (
        value if re.fullmatch(r"[\w./@+-]+", value) and value[0] not in "-@" else json.dumps(value)
    )


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
