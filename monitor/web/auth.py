"""The optional access token: `Authorization: Bearer TOKEN`, or basic auth with the token
as the password (what a browser asks for). Pure."""

from __future__ import annotations

import base64
import binascii
import hmac

OPEN_PATHS = frozenset({"/healthz", "/readyz"})  # container and load-balancer checks
# WebSub hubs cannot hold the token: the callback's own secret token and the pushes'
# signatures guard these (monitor.web.websub).
OPEN_PREFIXES = ("/websub/",)


def authorized(path: str, authorization: str | None, token: str | None) -> bool:
    if token is None or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return True
    if not authorization:
        return False
    scheme, _, value = authorization.partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    return hmac.compare_digest(given.encode(), token.encode())
