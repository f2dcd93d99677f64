"""Safe YAML loading that remembers where every key and item was written.

ruamel's round-trip loader keeps line and column for each node, so errors can
name `file:line:col`. Anchors and aliases are refused outright: configs do not
need them and they are the way to a billion-laughs document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent, NodeEvent

from monitor.errors import YamlFileError

MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class YamlDoc:
    path: Path
    data: Any  # plain dicts, lists and scalars

    _root: Any = None

    def where(self, loc: Sequence[str | int]) -> str:
        """`file:line:col` of the deepest node of `loc` that exists."""
        line, col = _locate(self._root, loc)
        return f"{self.path}:{line}:{col}"

    def where_in_value(self, key: str, column: int) -> str:
        """`file:line:col` of a column (1-based) inside the scalar value of a top-level key."""
        root = self._root
        if not isinstance(root, CommentedMap) or key not in root:
            return self.where([key])
        line, col = root.lc.value(key)[:2]
        text = self.path.read_text(encoding="utf-8").splitlines()
        quoted = line < len(text) and text[line][col : col + 1] in ("'", '"')
        return f"{self.path}:{line + 1}:{col + column + (1 if quoted else 0)}"


def load_yaml(path: Path) -> YamlDoc:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise YamlFileError(f"{path}: cannot read: {exc.strerror}") from exc
    if len(raw) > MAX_BYTES:
        raise YamlFileError(f"{path}: larger than {MAX_BYTES // 1024} KB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlFileError(f"{path}: not UTF-8 (byte {exc.start})") from exc
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> YamlDoc:
    yaml = YAML(typ="rt", pure=True)
    try:
        for event in yaml.parse(text):
            anchor = getattr(event, "anchor", None)
            if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and anchor):
                mark = event.start_mark
                raise YamlFileError(
                    f"{path}:{mark.line + 1}:{mark.column + 1}: anchors and aliases are not allowed"
                )
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise YamlFileError(f"{where}: invalid YAML: {exc.problem or exc.context}") from exc
    except YamlFileError:
        raise
    except Exception as exc:  # ruamel raises a few unmarked errors (bad tags, ...)
        raise YamlFileError(f"{path}: invalid YAML: {exc}") from exc
    return YamlDoc(path=path, data=_plain(root, path), _root=root)


def _plain(node: Any, path: Path) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k) if not isinstance(k, str) else k: _plain(v, path) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v, path) for v in node]
    if node is None or isinstance(node, str | int | float | bool):
        # ruamel's scalar subclasses (ScalarFloat, LiteralScalarString, ...) -> plain types
        if isinstance(node, bool) or node is None:
            return node
        for base in (str, int, float):
            if isinstance(node, base):
                return base(node)
    if hasattr(node, "isoformat"):  # timestamps: keep as text, configs want strings
        return str(node)
    raise YamlFileError(f"{path}: unsupported YAML value of type {type(node).__name__}")


def _locate(root: Any, loc: Sequence[str | int]) -> tuple[int, int]:
    line, col = 1, 1
    node = root
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            kl, kc = node.lc.key(part)[:2]
            line, col = kl + 1, kc + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            il, ic = node.lc.item(part)[:2]
            line, col = il + 1, ic + 1
            node = node[part]
        else:
            break
    return line, col
