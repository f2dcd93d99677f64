"""`monitor feeds import OPML`: add a feed reader's export to monitor.yaml.

monitor.yaml stays the one list of feeds: the import checks the OPML, then adds
an `- opml: PATH` entry under `feeds:` with ruamel's round-trip writer, so the
user's comments and layout are kept. The file is replaced atomically.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from monitor.config.opml import read_opml
from monitor.config.settings import load_settings
from monitor.config.sources import feed_sources
from monitor.errors import ConfigError


@dataclass(frozen=True)
class ImportReport:
    opml: str  # as written into monitor.yaml
    feeds: int
    new: int  # not configured before
    added: bool  # False: this OPML was already in monitor.yaml


def import_opml(config: Path, opml: Path) -> ImportReport:
    feeds = read_opml(opml)  # a bad file stops here, before monitor.yaml is touched
    if not feeds:
        raise ConfigError(f"{opml}: no feed outlines (outline elements with an xmlUrl)")
    settings = load_settings(config)
    known = {s.url for s in feed_sources(settings)}
    base = config.parent.resolve()
    target = opml.resolve()
    try:
        written = str(target.relative_to(base))
    except ValueError:
        written = str(target)
    new = len({u for u, _ in feeds} - known)

    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    doc = yaml.load(config.read_text(encoding="utf-8")) or CommentedMap()
    entries = doc.get("feeds")
    if entries is None:
        entries = doc["feeds"] = CommentedSeq()
    for e in entries:
        if (
            isinstance(e, dict)
            and "opml" in e
            and settings.path(str(e["opml"])).resolve() == target
        ):
            return ImportReport(written, len(feeds), new, added=False)
    entries.append(CommentedMap([("opml", written)]))
    _write_atomically(config, yaml, doc)
    load_settings(config)  # what was written must load
    return ImportReport(written, len(feeds), new, added=True)


def _write_atomically(path: Path, yaml: YAML, doc: object) -> None:
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yaml.dump(doc, out)
        os.chmod(tmp, mode)  # a config holding secrets keeps its permissions
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
