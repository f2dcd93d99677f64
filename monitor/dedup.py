"""Article identity: canonical URLs and content fingerprints."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

from monitor.match.normalize import normalize


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, default port, fragment and tracking parameters removed.

    courlan drops utm_*, fbclid, gclid, yclid, mc_cid and similar and sorts the query.
    """
    url = url.strip()
    try:
        norm = normalize_url(url, strict=False)
    except (ValueError, AttributeError):
        norm = url
    parts = urlsplit(norm)
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def content_hash(title: str, text: str) -> str:
    """Exact fingerprint of the normalised text: equal for copies that differ in typography only."""
    folded = normalize(f"{title}\n{text}").folded
    return hashlib.sha256(" ".join(folded.split()).encode()).hexdigest()


def outlet_of(url: str, sitename: str | None = None) -> str:
    """A readable outlet name: the site's own name, else the host without www."""
    if sitename and len(sitename) <= 80:
        return sitename
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")
