"""Article identity by address: canonical URLs, the same-site check, outlet names. Pure."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from courlan import extract_domain, normalize_url

from monitor.identity.fingerprint import key_hash

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
    da, db = _domain(_origin(a)), _domain(_origin(b))
    if da is not None and db is not None:
        return da == db
    return _site_host(a) == _site_host(b) != ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


@lru_cache(maxsize=4096)  # a page's site is looked up once a host, not once a page
def _domain(origin: str) -> str | None:
    found = extract_domain(origin)
    return str(found) if found is not None else None


def _site_host(url: str) -> str:
    return _without_edition((urlsplit(url).hostname or "").lower())


def _without_edition(host: str) -> str:
    """example.com for www./m./mobile./amp.example.com; a two-label host stays whole."""
    for prefix in _EDITION_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def outlet_of(url: str, sitename: str | None = None) -> str:
    """A readable outlet name: the site's own name, else the host without www."""
    if sitename and len(sitename) <= 80:
        return sitename
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def entry_url(feed_url: str, link: str | None, key: str) -> str:
    """The identity of a feed entry's article: its link's canonical URL; for an entry
    without a usable link, the entry itself, under its feed's address."""
    if link:
        try:
            return canonical_url(link)
        except ValueError:  # a link no URL parser takes ("http://[::1"): the entry itself
            pass
    return f"{canonical_url(feed_url)}#entry-{key_hash(key)[:16]}"


def page_url(url: str, declared: str | None) -> str:
    """A page's identity: the canonical URL it declares when that is on the same site
    (a page cannot take over another site's article), else the feed's `url` for it."""
    if not declared:
        return url
    try:
        own = canonical_url(declared)
    except ValueError:
        return url
    return own if same_site(own, url) else url
