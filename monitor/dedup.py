"""Article identity: canonical URLs and content fingerprints."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from courlan import extract_domain, normalize_url

from monitor.match.normalize import normalize

_WORDS = re.compile(r"\w+")
# Host labels that name a mobile or AMP edition (or the plain www. alias) of a site.
_EDITION_PREFIXES = ("www.", "m.", "mobile.", "amp.")
# Query parameters that only ask for the AMP edition.
_AMP_PARAMS = {"amp", "_amp", "outputtype", "amp_js_v", "usqp"}
_AMP_PATH = (  # (pattern, replacement): /a/amp, /a/amp/, /amp/a, /a.amp.html, /a.amp
    (re.compile(r"/amp/?$", re.IGNORECASE), ""),
    (re.compile(r"^/amp/(?=.)", re.IGNORECASE), "/"),
    (re.compile(r"\.amp(\.html?)?$", re.IGNORECASE), r"\1"),
)


@lru_cache(maxsize=4096)  # an entry's link is cleaned for its identity and again for its link
def clean_url(url: str) -> str:
    """The link as a reader should get it: tracking parameters and fragment removed.

    courlan lower-cases scheme and host, drops default ports, fragments and
    tracking parameters (utm_*, fbclid, gclid, yclid, mc_cid, ...) and sorts the query.
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


def canonical_url(url: str) -> str:
    """The identity of an article: equal for every address of the same page.

    On top of clean_url: http and https, www., mobile and AMP editions (m., amp.
    hosts, /amp paths, .amp.html, ?amp=1) are one article.
    """
    parts = urlsplit(clean_url(url))
    host = _without_edition(parts.netloc)
    path = parts.path
    for pattern, repl in _AMP_PATH:
        path = pattern.sub(repl, path)
    path = path or "/"
    query = "&".join(
        p for p in parts.query.split("&") if p and p.split("=")[0].lower() not in _AMP_PARAMS
    )
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, host, path, query, ""))


def same_site(a: str, b: str) -> bool:
    """Both URLs on one site: one registrable domain (news.bbc.co.uk and www.bbc.co.uk),
    or, for hosts outside the public suffix list, one host up to www./m./amp."""
    da, db = extract_domain(a), extract_domain(b)
    if da is not None and db is not None:
        return bool(da == db)
    return _site_host(a) == _site_host(b) != ""


def _site_host(url: str) -> str:
    return _without_edition((urlsplit(url).hostname or "").lower())


def _without_edition(host: str) -> str:
    """example.com for www./m./mobile./amp.example.com; a two-label host stays whole."""
    for prefix in _EDITION_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def content_hash(title: str, text: str) -> str:
    """Exact fingerprint of the normalised text: its words, folded. Copies that differ
    in case, accents, typography or punctuation only have the same fingerprint."""
    folded = normalize(f"{title}\n{text}").folded
    return hashlib.sha256(" ".join(_WORDS.findall(folded)).encode()).hexdigest()


def outlet_of(url: str, sitename: str | None = None) -> str:
    """A readable outlet name: the site's own name, else the host without www."""
    if sitename and len(sitename) <= 80:
        return sitename
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")
