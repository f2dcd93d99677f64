"""Watchlist YAML -> Watchlist, with file:line:col errors.

`${VAR}` is never substituted here: a watchlist is data, not configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitor.basics.normalize import normalize
from monitor.basics.yamlfile import YamlDoc, load_yaml
from monitor.errors import WatchlistError, YamlFileError
from monitor.match.lang import CODES, LanguageCode
from monitor.packagedata import BUNDLED as BUNDLED  # where callers find it
from monitor.packagedata import SCHEMAS
from monitor.watchlists.model import Entity, Example, SpikeRule, Watchlist
from monitor.watchlists.rules import RuleSyntaxError, parse_rule, term_columns, terms

# The watchlists `make run` and the demo use, and the JSON Schema that editors
# validate watchlist files against (its first line names it): package data.
SCHEMA = SCHEMAS / "watchlist.schema.json"

_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_RESERVED = {"and", "or", "not"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _EntitySpec(_Strict):
    label: str | None = None
    aliases: list[str] = Field(min_length=1)
    fuzzy: int = Field(default=0, ge=0, le=1)
    spike: bool = False  # spike alerts for this entity alone (the watchlist's spike rule)
    # the languages whose word forms its aliases get (default: the watchlist's)
    languages: list[LanguageCode] | None = None
    exclude: list[str] = Field(default_factory=list)  # phrases whose words are not this entity


class _SpikeSpec(_Strict):
    factor: float = Field(default=3.0, ge=1.0)
    min: int = Field(default=5, ge=1)


class _ExampleSpec(_Strict):
    text: str
    expect: list[str] = Field(default_factory=list)
    note: str = ""  # why the example is there ("trap: ..."), shown when it fails


class _WatchlistSpec(_Strict):
    name: str | None = Field(default=None, min_length=1)
    description: str = ""
    entities: dict[str, _EntitySpec] = Field(min_length=1)
    match: str | None = None
    exclude: list[str] = Field(default_factory=list)
    priority: Literal["normal", "critical"] = "normal"  # critical: passes quiet hours
    spike: _SpikeSpec | None = None  # alert when the day's stories surge
    # the languages whose word forms aliases get (default: every language their letters fit)
    languages: list[LanguageCode] | None = None
    examples: list[_ExampleSpec] = Field(default_factory=list)


def watchlist_schema() -> dict[str, Any]:
    """The JSON Schema of a watchlist file, as SCHEMA holds it."""
    return _WatchlistSpec.model_json_schema()


def watchlist_files(paths: Iterable[Path]) -> list[Path]:
    """The files of `paths`: a folder's *.yaml and *.yml, a file as it is."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted([*p.glob("*.yaml"), *p.glob("*.yml")]))
        else:
            files.append(p)
    return files


def missing_paths(paths: Iterable[Path]) -> list[str]:
    """A problem for each configured file or folder that does not exist."""
    return [f"{p}: no such file or folder" for p in paths if not p.exists()]


def load_watchlists(paths: Iterable[Path]) -> tuple[list[Watchlist], list[str]]:
    """Every valid watchlist under `paths`, and the problems of the invalid ones."""
    lists: list[Watchlist] = []
    problems: list[str] = []
    names: dict[str, Path] = {}
    for f in watchlist_files(paths):
        if not f.exists():
            problems.extend(missing_paths([f]))
            continue
        try:
            wl = load_watchlist_file(f)
        except WatchlistError as exc:
            problems.extend(exc.problems)
            continue
        if wl.name in names:
            problems.append(
                f"{f}:1:1: watchlist name {wl.name!r} is already used by {names[wl.name]}"
            )
            continue
        names[wl.name] = f
        lists.append(wl)
    return lists, problems


def load_watchlist_file(path: Path) -> Watchlist:
    try:
        doc = load_yaml(path)
    except YamlFileError as exc:
        raise WatchlistError([str(exc)]) from exc
    if not isinstance(doc.data, dict):
        raise WatchlistError([f"{doc.where([])}: a watchlist must be a mapping with 'entities'"])
    try:
        spec = _WatchlistSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise WatchlistError(_describe(doc, exc)) from exc
    return _build(doc, spec)


def _describe(doc: YamlDoc, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = list(err["loc"])
        key = ".".join(map(str, loc)) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}"
        elif err["type"] == "literal_error" and "languages" in loc:
            msg = f"unknown language {err['input']!r}; known: {', '.join(CODES)}"
        out.append(f"{doc.where(loc)}: {key}: {msg}")
    return out


def _build(doc: YamlDoc, spec: _WatchlistSpec) -> Watchlist:
    problems: list[str] = []
    entities: list[Entity] = []
    for eid, e in spec.entities.items():
        if not _ID.match(eid) or eid.lower() in _RESERVED:
            problems.append(
                f"{doc.where(['entities', eid])}: entity id {eid!r} must be letters, digits, "
                "'_' or '-' and not AND/OR/NOT"
            )
        aliases = []
        for i, alias in enumerate(e.aliases):
            if not normalize(alias.rstrip("*")).folded.strip():
                problems.append(
                    f"{doc.where(['entities', eid, 'aliases', i])}: alias {alias!r} can never "
                    "match: it has no letters or digits"
                )
            elif alias.strip() not in aliases:
                aliases.append(alias.strip())
        entities.append(
            Entity(
                id=eid,
                label=e.label or eid,
                aliases=tuple(aliases),
                fuzzy=e.fuzzy,
                spike=e.spike,
                languages=_codes(e.languages),
                exclude=tuple(x.strip() for x in e.exclude if x.strip()),
            )
        )

    ids = {e.id for e in entities}
    rule = None
    if spec.match is not None:
        try:
            rule = parse_rule(spec.match)
        except RuleSyntaxError as exc:
            problems.append(f"{doc.where_in_value('match', exc.column)}: match: {exc}")
        else:
            cols = term_columns(spec.match)
            for t in terms(rule):
                if not t.phrase and t.value not in ids:
                    where = doc.where_in_value("match", cols.get(t.value, 1))
                    problems.append(f"{where}: match: unknown entity id {t.value!r}")
                elif t.phrase and not normalize(t.value).folded.strip():
                    problems.append(f"{doc.where(['match'])}: match: phrase {t.value!r} is empty")

    for i, ex in enumerate(spec.examples):
        for eid in ex.expect:
            if eid not in ids:
                problems.append(
                    f"{doc.where(['examples', i, 'expect'])}: unknown entity id {eid!r} in expect"
                )
    if problems:
        raise WatchlistError(problems)

    return Watchlist(
        name=spec.name or doc.path.stem,
        description=spec.description,
        entities=tuple(entities),
        rule=rule,
        rule_text=spec.match,
        exclude=tuple(x for x in spec.exclude if x.strip()),
        critical=spec.priority == "critical",
        spike=SpikeRule(spec.spike.factor, spec.spike.min) if spec.spike else None,
        examples=tuple(
            Example(ex.text, tuple(ex.expect), doc.where(["examples", i]), ex.note)
            for i, ex in enumerate(spec.examples)
        ),
        path=doc.path,
        languages=_codes(spec.languages),
    )


def _codes(codes: list[LanguageCode] | None) -> tuple[str, ...] | None:
    return None if codes is None else tuple(dict.fromkeys(codes))
