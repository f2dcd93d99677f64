"""Which URLs may be fetched, and the connect-time address check.

http(s) only, checked before a request. The address check happens where the
connection is made: the host is resolved once, every address it resolves to is
checked against the reserved-range table, and the socket is opened to the
checked address. So a redirect hop, a literal IP in an odd form (2130706433,
0x7f.0.0.1, 127.1) and DNS rebinding (public on a first lookup, private on the
next) all meet the same gate, because there is no second lookup.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore

from monitor.errors import BlockedAddressError, FetchError

Resolver = Callable[[str, int], Awaitable[list[str]]]
AddressCheck = Callable[[str], bool]

# Ranges refused on top of what ipaddress does not call global: an explicit
# table, since is_private/is_global have changed between Python releases.
_EXTRA_BLOCKED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/3",
        "::/128",
        "::1/128",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
]


def address_allowed(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return address_allowed(str(mapped))
    if not ip.is_global or ip.is_multicast:
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED)


def check_scheme(url: str) -> None:
    """Refuse what is not plain http(s) before anything is sent."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {parts.scheme or 'none'!r}")
    # A backslash or credentials-like '@' games make URL parsers disagree on the host.
    if not parts.hostname or "\\" in parts.netloc:
        raise FetchError("URL has no valid host")


async def system_resolver(host: str, port: int) -> list[str]:
    try:  # a literal address in standard form needs no lookup (odd forms get one)
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def blocked_message(host: str, addr: str) -> str:
    return (
        f"{host} resolves to {addr}, a private or reserved address "
        "(set fetch.allow_private_networks: true to poll feeds on a LAN)"
    )


async def checked_addresses(
    host: str, port: int, resolver: Resolver, allowed: AddressCheck
) -> list[str]:
    """The addresses `host` resolves to, all of them allowed; refuses the host otherwise."""
    addrs = await resolver(host, port)
    if not addrs:
        raise FetchError(f"cannot resolve {host}")
    for addr in addrs:  # one bad answer is enough to refuse the host
        if not allowed(addr):
            raise BlockedAddressError(blocked_message(host, addr))
    return addrs


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the address check between lookup and connect.

    TLS still verifies and sends SNI for the host name: httpcore takes those from
    the request's origin, not from the address given to connect_tcp.
    """

    def __init__(
        self,
        inner: httpcore.AsyncNetworkBackend,
        resolver: Resolver,
        allowed: AddressCheck,
    ) -> None:
        self.inner = inner
        self.resolver = resolver
        self.allowed = allowed

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addrs = await checked_addresses(host, port, self.resolver, self.allowed)
        last: Exception | None = None
        for addr in addrs:
            try:
                return await self.inner.connect_tcp(
                    addr,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
