"""What the environment gives the settings: one monitor.yaml pointed at a container's or
a unit's own database and listener without editing it (README, "Operating").

MONITOR_DATABASE replaces `database`; MONITOR_DATABASE_PASSWORD is its password, passed
apart so that @ : / in it need no escaping; MONITOR_LISTEN replaces `http.listen`;
MONITOR_TOKEN is `http.token` where the file sets none. deploy/env.example's
placeholders are refused: a container must not start with a known secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.errors import ConfigError

DATABASE_ENV = "MONITOR_DATABASE"
PASSWORD_ENV = "MONITOR_DATABASE_PASSWORD"
LISTEN_ENV = "MONITOR_LISTEN"
TOKEN_ENV = "MONITOR_TOKEN"
PLACEHOLDER = "change-me"  # deploy/env.example's values, never a real secret


def from_environment(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment gives (see the module's docstring)."""
    out = dict(data)
    if env.get(DATABASE_ENV):
        out["database"] = env[DATABASE_ENV]
    if env.get(PASSWORD_ENV):
        try:
            url = make_url(str(out.get("database") or ""))
        except ArgumentError as exc:
            raise ConfigError(f"{PASSWORD_ENV} is set, but the database URL is not one") from exc
        # Set on the URL, not pasted into it: SQLAlchemy escapes @ : / and the rest.
        out["database"] = url.set(password=env[PASSWORD_ENV]).render_as_string(False)
    http = dict(out.get("http") or {})
    if env.get(LISTEN_ENV):
        http["listen"] = env[LISTEN_ENV]
    if env.get(TOKEN_ENV) and not http.get("token"):
        http["token"] = env[TOKEN_ENV]
    if http:
        out["http"] = http
    for name in (DATABASE_ENV, PASSWORD_ENV, TOKEN_ENV):
        if PLACEHOLDER in str(env.get(name) or ""):
            raise ConfigError(
                f"{name} holds deploy/env.example's placeholder ({PLACEHOLDER}...): "
                "set a real secret in deploy/.env"
            )
    return out
