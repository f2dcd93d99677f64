"""Which URLs may be fetched: http(s) only, and by default only public addresses.

Every hop of a redirect goes through `check_url`, and literal IPs in odd forms
(2130706433, 0x7f.0.0.1, 127.1) are resolved by the system resolver before the
check, so they are judged as the address they become.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from monitor.errors import BlockedAddressError, FetchError

# Ranges refused on top of what ipaddress does not call global.
_EXTRA_BLOCKED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "198.18.0.0/15",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
    )
]


def address_allowed(addr: str) -> bool:
    ip = ipaddress.ip_address(addr)
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return address_allowed(str(mapped))
    if not ip.is_global or ip.is_multicast:
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED)


async def check_url(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {parts.scheme or 'none'!r}")
    host = parts.hostname
    if not host or "\\" in parts.netloc:
        raise FetchError("URL has no valid host")
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror}") from exc
    for info in infos:
        addr = str(info[4][0])
        if not address_allowed(addr):
            raise BlockedAddressError(
                f"{host} resolves to {addr}, a private or reserved address "
                "(set fetch.allow_private_networks: true to poll feeds on a LAN)"
            )
