"""monitor.yaml -> Settings.

Unknown keys are errors; every error names the file, the key and its line.
`${VAR}` is substituted only in `notify` (of subscriptions and `admin`), `database` and
`http.token`. The environment may replace the database and the listener
(config/environment.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.basics.quiet import Quiet
from monitor.basics.units import Duration, Size
from monitor.basics.yamlfile import YamlDoc, load_yaml
from monitor.config.environment import from_environment
from monitor.config.feeds import KIND_KEYS, FeedOrOpml, kinds_named
from monitor.errors import ConfigError, YamlFileError

DEFAULT_CONFIG = "monitor.yaml"
DEFAULT_USER_AGENT = (
    "news-monitor/0.1 (self-hosted news monitor; set fetch.user_agent to add your contact)"
)

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FetchSettings(_Strict):
    allow_private_networks: bool = False
    timeout: Duration = 20
    max_bytes: Size = 10 * 1024 * 1024
    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = Field(default=16, ge=1, le=256)
    per_host: int = Field(default=2, ge=1, le=32)
    respect_robots: bool = True  # robots.txt of article pages (RFC 9309); feeds are polled anyway
    proxy: str | None = None  # the only proxy used; HTTP_PROXY and friends are ignored
    parse_timeout: Duration = 15  # a feed or page parsed longer than this is stopped
    parse_memory: Size = 1024 * 1024 * 1024  # address-space limit of each parser worker
    parse_workers: int | None = Field(default=None, ge=1, le=64)  # default: one per core


class Defaults(_Strict):
    poll_every: Duration = 15 * 60


class Subscription(_Strict):
    name: str = Field(min_length=1)
    notify: list[str] = Field(default_factory=list)
    watchlists: list[str] | None = None  # None: all watchlists
    schedule: str = "0 8 * * *"
    timezone: str = "UTC"
    # "22:00-07:00": held till the end, but critical watchlists
    quiet: Quiet | None = Field(default=None, title="Quiet")
    immediate: list[str] | None = None  # these watchlists at once, the rest on schedule
    immediate_window: Duration | None = None  # immediate hits found within it: one message
    heartbeat: Duration | None = None  # "all quiet" after this long without a message

    def quiet_at(self, now: datetime) -> bool:
        """Whether `now` is in its quiet hours, on its time zone's clock."""
        return self.quiet is not None and self.quiet.covers(now, self.timezone)

    @field_validator("notify", mode="before")
    @classmethod
    def _empty_notify(cls, v: Any) -> Any:
        return [] if v is None else v  # `notify:` with nothing under it: no channels

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        if v.strip().lower() == "immediate":
            return "immediate"
        try:
            CronTrigger.from_crontab(v)
        except ValueError as exc:
            raise ValueError(f"{v!r} is not a cron expression or 'immediate': {exc}") from exc
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return _zone(v)


class AdminSettings(_Strict):
    """Notices to the operator: a feed down for longer than `feed_down_after`, and
    its recovery. Without `notify` they go to the log only."""

    notify: list[str] = Field(default_factory=list)
    feed_down_after: Duration = 6 * 3600

    @field_validator("notify", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        if v is None:
            return []
        return [v] if isinstance(v, str) else v


def _zone(v: str) -> str:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {v!r}") from exc
    return v


class HttpSettings(_Strict):
    """The daemon's HTTP listener: /healthz, /readyz, /metrics, the web page, and the
    WebSub callbacks when `public_url` says where hubs reach it."""

    listen: str | None = "127.0.0.1:8089"  # host:port; None: no listener
    token: str | None = None  # asked of every page but the health checks, when set
    public_url: str | None = None  # this listener as the world reaches it: WebSub hubs push here
    # the zone the page shows times in; None: the first subscription's, else UTC
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        return None if v is None else _zone(v)

    @field_validator("public_url")
    @classmethod
    def _public_http(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not re.match(r"^https?://[^/\s]+", v.strip(), re.IGNORECASE):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v.strip().rstrip("/")

    @field_validator("listen", mode="before")
    @classmethod
    def _host_port(cls, v: Any) -> str | None:
        if v is None:
            return None
        text = str(v).strip()  # a bare port is read as a number
        host, sep, port = text.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"{v!r} is not host:port (for example 127.0.0.1:8089)")
        return text

    @field_validator("token")
    @classmethod
    def _no_empty_token(cls, v: str | None) -> str | None:
        if v is not None and len(v.strip()) < 8:
            raise ValueError("the token is empty or shorter than 8 characters")
        return v

    @model_validator(mode="after")
    def _pushes_need_a_listener(self) -> HttpSettings:
        if self.public_url is not None and self.listen is None:
            raise ValueError(
                "public_url is set but listen is null: WebSub hubs push to the listener"
            )
        return self

    def exposed(self) -> bool:
        """Listening beyond loopback: anyone on the network could read the page."""
        if self.listen is None:
            return False
        if self.host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(self.host).is_loopback
        except ValueError:  # a host name: it may resolve to anything
            return True

    @property
    def host(self) -> str:
        host = (self.listen or "").rpartition(":")[0]
        return host.strip("[]")  # [::1]:8089

    @property
    def port(self) -> int:
        return int((self.listen or ":0").rpartition(":")[2])


class RetentionSettings(_Strict):
    """How long stored data is kept. Older article texts go (an article with hits keeps
    its title, link and outlet, its hits their snippets); older hits go too, while the
    records of delivered digests stay."""

    articles: Duration = 90 * 86400
    hits: Duration = 365 * 86400
    digest_files: Duration = 90 * 86400  # the digest folder's files (no notify URL)

    @field_validator("articles")
    @classmethod
    def _not_inside_story_window(cls, v: int) -> int:
        # Story clustering compares each new article with the texts of this window.
        from monitor.identity.minhash import WINDOW_DAYS  # numpy: only when the key is set

        if v < WINDOW_DAYS * 86400:
            raise ValueError(f"must be at least {WINDOW_DAYS}d: stories are found over that window")
        return v


class Settings(_Strict):
    database: str = "sqlite:///data/monitor.db"
    watchlists: str | list[str] = "watchlists/"
    fetch: FetchSettings = FetchSettings()
    defaults: Defaults = Defaults()
    feeds: list[FeedOrOpml] = Field(default_factory=list)
    subscriptions: list[Subscription] = Field(default_factory=list)
    admin: AdminSettings = AdminSettings()
    http: HttpSettings = HttpSettings()
    retention: RetentionSettings = RetentionSettings()

    # Not read from the file: where the file is, so relative paths resolve against it.
    base_dir: Path = Field(default=Path("."), exclude=True)
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("subscriptions")
    @classmethod
    def _unique_names(cls, subs: list[Subscription]) -> list[Subscription]:
        seen: set[str] = set()
        for s in subs:
            if s.name in seen:
                raise ValueError(f"subscription name {s.name!r} is used twice")
            seen.add(s.name)
        return subs

    def path(self, value: str | Path) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def page_timezone(self) -> str:
        """The zone the web page shows times in: `http.timezone`, else the first
        subscription's (the desk reads its digests in it), else UTC."""
        if self.http.timezone:
            return self.http.timezone
        return self.subscriptions[0].timezone if self.subscriptions else "UTC"

    def where(self, loc: list[str | int]) -> str:
        """`file:line:col` of a key of the file these settings came from."""
        if self.source is None:
            return DEFAULT_CONFIG
        try:
            return load_yaml(self.source).where(loc)
        except YamlFileError:  # changed or gone since: the file alone
            return str(self.source)

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the config file."""
        prefix = "sqlite:///"
        if self.database.startswith(prefix) and not self.database.startswith(prefix + "/"):
            rest = self.database[len(prefix) :]
            if rest and rest != ":memory:":
                return prefix + str(self.path(rest).resolve())
        return self.database

    @property
    def watchlist_paths(self) -> list[Path]:
        items = [self.watchlists] if isinstance(self.watchlists, str) else self.watchlists
        return [self.path(p) for p in items]

    @property
    def data_dir(self) -> Path:
        return self.path("data")


def config_path(explicit: str | Path | None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("MONITOR_CONFIG") or DEFAULT_CONFIG)


def load_settings(path: Path, environ: dict[str, str] | None = None) -> Settings:
    try:
        doc = load_yaml(path)
    except YamlFileError as exc:
        raise ConfigError(str(exc)) from exc
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{doc.where([])}: the config must be a mapping of keys")
    env = os.environ if environ is None else environ
    data = _substitute(doc, data, env)
    data = from_environment(data, env)
    for i, entry in enumerate(data.get("feeds") or []):
        if len(named := kinds_named(entry)) > 1:
            raise ConfigError(
                f"{doc.where(['feeds', i])}: feeds.{i}: an entry names one source "
                f"({', '.join(k + ':' for k in KIND_KEYS)}), not "
                f"{' and '.join(k + ':' for k in named)}"
            )
    try:
        settings = Settings.model_validate(
            {**data, "base_dir": path.parent.resolve(), "source": path.resolve()}
        )
    except ValidationError as exc:
        raise ConfigError(_describe(doc, exc)) from exc
    for i, sub in enumerate(settings.subscriptions):
        for j, url in enumerate(sub.notify):
            if not url.strip():
                raise ConfigError(f"{doc.where(['subscriptions', i, 'notify', j])}: empty URL")
    return settings


def _substitute(doc: YamlDoc, data: dict[str, Any], env: Any) -> dict[str, Any]:
    def sub(value: Any, loc: list[str | int]) -> Any:
        if not isinstance(value, str):
            return value

        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in env:
                raise ConfigError(
                    f"{doc.where(loc)}: environment variable {name} is not set "
                    f"(used in {'.'.join(map(str, loc))})"
                )
            return str(env[name])

        return _VAR.sub(repl, value)

    out = dict(data)
    if "database" in out:
        out["database"] = sub(out["database"], ["database"])
    subs = out.get("subscriptions")
    if isinstance(subs, list):
        new_subs = []
        for i, s in enumerate(subs):
            if isinstance(s, dict) and isinstance(s.get("notify"), list):
                s = {
                    **s,
                    "notify": [
                        sub(u, ["subscriptions", i, "notify", j]) for j, u in enumerate(s["notify"])
                    ],
                }
            new_subs.append(s)
        out["subscriptions"] = new_subs
    admin = out.get("admin")
    if isinstance(admin, dict):
        urls = admin.get("notify")
        if isinstance(urls, str):
            admin = {**admin, "notify": sub(urls, ["admin", "notify"])}
        elif isinstance(urls, list):
            admin = {
                **admin,
                "notify": [sub(u, ["admin", "notify", j]) for j, u in enumerate(urls)],
            }
        out["admin"] = admin
    http = out.get("http")
    if isinstance(http, dict) and "token" in http:
        out["http"] = {**http, "token": sub(http["token"], ["http", "token"])}
    return out


def _describe(doc: YamlDoc, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = _without_union_tag(list(err["loc"]))
        key = ".".join(str(p) for p in loc) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}" if loc else "unknown key"
        msg = msg.removeprefix("Value error, ")
        lines.append(f"{doc.where(loc)}: {key}: {msg}")
    return "\n".join(lines)


def _without_union_tag(loc: list[str | int]) -> list[str | int]:
    # pydantic puts the union branch tag after the list index: feeds.0.url.every
    if len(loc) >= 3 and loc[0] == "feeds" and loc[2] in KIND_KEYS:
        return loc[:2] + loc[3:]
    return loc
