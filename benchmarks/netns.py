"""Network namespaces for the cluster benchmarks: each its own link to the host, which
can be cut and healed. Needs root (`ip` of iproute2).

Namespace i (1..N) is `nm-<pid>-<i>`, joined to the host by a veth pair: the host's end
`nm<pid>h<i>` holds 10.231.<i>.1/24, the namespace's end 10.231.<i>.2/24, and `lo` is
up inside. The host's services listen on SERVICE (10.231.0.1, an address of the
host's `lo` labelled `lo:nm<pid>`): every namespace reaches it through its own link
(a route to 10.231.0.0/24 via 10.231.<i>.1), so all of them are given the same URLs
and cutting one link cuts that namespace alone. No default route inside, and on the
host a blackhole route for 10.231.0.0/16 (its metric this run's pid): what the host
sends to a namespace whose link is down is dropped, not sent to the default gateway.
Nothing leaves the machine. `cut(i)` sets the host's end down (packets are dropped, as in a partition,
not refused), `heal(i)` up again.

Everything goes at the end of the `with` block, at exit, and on SIGTERM or SIGINT
(the processes still inside first); what a run killed -9 left behind goes when the
next starts, or with

    python benchmarks/netns.py --cleanup     # every nm-* namespace and link, any run's
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from types import FrameType

SERVICE = "10.231.0.1"
NET = "10.231.0.0/16"
_NS = re.compile(r"^nm-(\d+)-\d+$")
_LINK = re.compile(r"^nm(\d+)[hn]\d+$")
_LABEL = re.compile(r"^lo:nm(\d+)$")


def ip(*args: str, check: bool = True) -> str:
    out = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and out.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


class Namespaces:
    def __init__(self, n: int) -> None:
        self.n = n
        self.pid = os.getpid()
        self.names = [f"nm-{self.pid}-{i}" for i in range(1, n + 1)]
        self.label = f"lo:nm{self.pid}"  # SERVICE's, on lo
        self.made = False
        self._signals: dict[int, object] = {}

    def host_addr(self, i: int) -> str:
        """The host's end of namespace i's link (i from 1)."""
        return f"10.231.{i}.1"

    def addr(self, i: int) -> str:
        """Namespace i's own address: what the host reaches it on."""
        return f"10.231.{i}.2"

    def name(self, i: int) -> str:
        return self.names[i - 1]

    def _veth(self, i: int) -> str:
        return f"nm{self.pid}h{i}"

    def prefix(self, i: int) -> list[str]:
        """A command run through this is run inside namespace i."""
        return ["ip", "netns", "exec", self.name(i)]

    def create(self) -> Namespaces:
        cleanup(stale_only=True)
        routes = ip("route", "show", "match", NET).splitlines()
        used = [r for r in routes if not r.startswith("default")]
        if " 10.231." in ip("-o", "-4", "addr", "show") or used:
            raise RuntimeError(f"{NET} is in use on this machine already: {used}")
        self.made = True  # from the first step on, whatever exists goes at the end
        atexit.register(self.teardown)
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._signals[sig] = signal.signal(sig, _interrupt)
        ip("addr", "add", f"{SERVICE}/32", "dev", "lo", "label", self.label)
        ip("route", "add", "blackhole", NET, "metric", str(self.pid))
        for i in range(1, self.n + 1):
            ns, veth, peer = self.name(i), self._veth(i), f"nm{self.pid}n{i}"
            ip("netns", "add", ns)
            ip("link", "add", veth, "type", "veth", "peer", "name", peer, "netns", ns)
            ip("addr", "add", f"{self.host_addr(i)}/24", "dev", veth)
            ip("link", "set", veth, "up")
            inside = ["-n", ns]
            ip(*inside, "link", "set", "lo", "up")
            ip(*inside, "addr", "add", f"{self.addr(i)}/24", "dev", peer)
            ip(*inside, "link", "set", peer, "up")
            ip(*inside, "route", "add", "10.231.0.0/24", "via", self.host_addr(i))
        return self

    def cut(self, i: int) -> None:
        ip("link", "set", self._veth(i), "down")

    def heal(self, i: int) -> None:
        ip("link", "set", self._veth(i), "up")
        # The namespace's neighbour entry of the host failed while cut: without this,
        # new connections are refused (no route to host) until it is probed again.
        ip("-n", self.name(i), "neigh", "flush", "dev", f"nm{self.pid}n{i}", check=False)

    def teardown(self) -> None:
        """Kill what still runs inside, delete the namespaces, the links and SERVICE."""
        if not self.made:
            return
        self.made = False
        for ns in self.names:
            _empty(ns)
            ip("netns", "del", ns, check=False)
        for i in range(1, self.n + 1):
            ip("link", "del", self._veth(i), check=False)
        if self.label in _labels():
            ip("addr", "del", f"{SERVICE}/32", "dev", "lo", check=False)
        if self.pid in _blackholes():
            ip("route", "del", "blackhole", NET, "metric", str(self.pid), check=False)
        for sig, old in self._signals.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(sig, old)  # type: ignore[arg-type]
        self._signals.clear()

    def left(self) -> list[str]:
        """This run's namespaces and links that still exist."""
        mine = {*self.names, self.label, *(self._veth(i) for i in range(1, self.n + 1))}
        left = sorted(mine & set(_namespaces() + _links() + _labels()))
        return left + ([f"blackhole {NET} metric {self.pid}"] if self.pid in _blackholes() else [])

    def __enter__(self) -> Namespaces:
        return self.create()

    def __exit__(self, *exc: object) -> None:
        self.teardown()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # The main thread unwinds through its `with` and `finally` blocks: teardown runs.
    raise KeyboardInterrupt(f"signal {signum}")


def _empty(ns: str) -> None:
    """Kill the processes left inside a namespace (they were started there by this run)."""
    for pid in ip("netns", "pids", ns, check=False).split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def _namespaces() -> list[str]:
    return [line.split()[0] for line in ip("netns", "list", check=False).splitlines() if line]


def _links() -> list[str]:
    out = []
    for line in ip("-o", "link", "show", check=False).splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        out.append(name)
    return out


def _labels() -> list[str]:
    """The labels of lo's IPv4 addresses."""
    out = json.loads(ip("-j", "-4", "addr", "show", "dev", "lo", check=False) or "[]")
    return [a.get("label", "") for link in out for a in link.get("addr_info", [])]


def _blackholes() -> list[int]:
    """The metrics (runs' pids) of the blackhole routes for NET."""
    out = json.loads(ip("-j", "route", "show", "type", "blackhole", check=False) or "[]")
    return [int(r.get("metric", 0)) for r in out if r.get("dst") == NET]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup(stale_only: bool = False) -> list[str]:
    """Delete nm-* namespaces and links: those of runs no longer alive, or all."""
    gone = []
    for ns in _namespaces():
        m = _NS.match(ns)
        if m and not (stale_only and _alive(int(m.group(1)))):
            _empty(ns)
            ip("netns", "del", ns, check=False)
            gone.append(ns)
    for link in _links():
        m = _LINK.match(link)
        if m and not (stale_only and _alive(int(m.group(1)))):
            ip("link", "del", link, check=False)
            gone.append(link)
    for label in _labels():
        m = _LABEL.match(label)
        if m and not (stale_only and _alive(int(m.group(1)))):
            ip("addr", "del", f"{SERVICE}/32", "dev", "lo", check=False)
            gone.append(label)
    for pid in _blackholes():
        if not (stale_only and _alive(pid)):
            ip("route", "del", "blackhole", NET, "metric", str(pid), check=False)
            gone.append(f"blackhole {NET} metric {pid}")
    return gone


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cleanup", action="store_true", help="delete every nm-* namespace and link")
    args = ap.parse_args()
    if args.cleanup:
        print("\n".join(cleanup()) or "nothing to clean up")
        return
    ap.print_help()
    sys.exit(2)


if __name__ == "__main__":
    main()
