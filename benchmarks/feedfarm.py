"""A feed server for many feeds and many polls a second, with little CPU: a raw asyncio
protocol (keep-alive, no framework) in a process of its own, so its CPU is measured
apart from the daemons'.

Feed i is /f/<i> on one port of HOSTS loopback addresses (127.0.1.1, 127.0.1.2, …, then
127.0.2.1, …): the fetcher's per-host limit keys on the host name, so many addresses
are many hosts. Each feed is a small RSS with the ETag "e<i>"; a request whose
If-None-Match names it gets 304 Not Modified. Every feed request is logged: the feed,
the time (time.time(), at the request's arrival) and the status.

Control, on the first address: GET /_count (JSON: requests by status), /_reset (the log
emptied), /_dump?to=<path> (the log written to <path>: three arrays, see read_log).

    python benchmarks/feedfarm.py --port-file F [--hosts 250]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parent.parent


def host(h: int) -> str:
    """The h-th loopback address the feeds are spread over (0-based)."""
    return f"127.0.{1 + h // 250}.{1 + h % 250}"


class Log:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.ids = array("i")
        self.times = array("d")
        self.status = array("h")

    def add(self, i: int, status: int) -> None:
        self.ids.append(i)
        self.times.append(time.time())
        self.status.append(status)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.status:
            out[str(s)] = out.get(str(s), 0) + 1
        out["total"] = len(self.status)
        return out

    def dump(self, path: str) -> None:
        with open(path, "wb") as f:
            f.write(len(self.ids).to_bytes(8, "little"))
            self.ids.tofile(f)
            self.times.tofile(f)
            self.status.tofile(f)


def read_log(path: Path) -> tuple[array[int], array[float], array[int]]:
    """(feed ids, arrival times, statuses) of a dumped log."""
    with path.open("rb") as f:
        n = int.from_bytes(f.read(8), "little")
        ids, times, status = array("i"), array("d"), array("h")
        ids.fromfile(f, n)
        times.fromfile(f, n)
        status.fromfile(f, n)
    return ids, times, status


LOG = Log()
_HEAD_304 = b"HTTP/1.1 304 Not Modified\r\nETag: %s\r\n\r\n"
_HEAD_200 = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: %s\r\n"
    b"Content-Length: %d\r\n\r\n"
)
_PLAIN = b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"


def feed_body(i: int) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {i}</title>'
        "<link>http://example.org/</link><description>d</description>"
        f"<item><title>Story {i}</title><link>http://example.org/s/{i}</link>"
        f"<guid>s-{i}</guid><description>Nothing new.</description></item>"
        "</channel></rss>"
    ).encode()


class Farm(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        while (end := buf.find(b"\r\n\r\n")) >= 0:
            head, buf = buf[:end], buf[end + 4 :]
            self.transport.write(self.answer(head))
        self.buf = buf

    def answer(self, head: bytes) -> bytes:
        sp = head.find(b" ", 4)
        path = head[head.find(b" ") + 1 : sp]
        if path.startswith(b"/f/"):
            i = int(path[3:])
            etag = b'"e%d"' % i
            at = head.lower().find(b"\r\nif-none-match:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                if head[at + 16 : stop if stop >= 0 else len(head)].strip() == etag:
                    LOG.add(i, 304)
                    return _HEAD_304 % etag
            LOG.add(i, 200)
            body = feed_body(i)
            return _HEAD_200 % (etag, len(body)) + body
        return self.control(path.decode("latin-1"))

    def control(self, path: str) -> bytes:
        url = urlsplit(path)
        body = b""
        if url.path == "/_count":
            body = json.dumps(LOG.counts()).encode()
        elif url.path == "/_reset":
            LOG.reset()
        elif url.path == "/_dump":
            LOG.dump(parse_qs(url.query)["to"][0])
        else:
            return _PLAIN % (404, b"Not Found", b"text/plain", 0)
        return _PLAIN % (200, b"OK", b"application/json", len(body)) + body


def serve(port_file: str, hosts: int) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        for _ in range(20):  # one port free on every address
            with socket.socket() as s:
                s.bind((host(0), 0))
                port = s.getsockname()[1]
            try:
                server = await loop.create_server(
                    Farm, [host(h) for h in range(hosts)], port, backlog=4096, reuse_address=True
                )
                break
            except OSError:
                continue
        else:
            raise SystemExit("no port free on every address")
        Path(port_file).write_text(str(port))
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        async with server:
            await stop.wait()

    asyncio.run(main())


class FeedFarm:
    """The farm as a process of its own; `url(i)` is feed i's address."""

    def __init__(self, hosts: int = 250) -> None:
        self.hosts = hosts
        self.tmp = Path(tempfile.mkdtemp(prefix="feedfarm-"))
        port_file = self.tmp / "port"
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--port-file", str(port_file),
             "--hosts", str(hosts)],
            cwd=REPO,
        )  # fmt: skip
        for _ in range(400):
            if port_file.exists() and port_file.read_text():
                break
            if self.proc.poll() is not None:
                raise RuntimeError("the feed farm did not start")
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self._open = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def url(self, i: int) -> str:
        return f"http://{host(i % self.hosts)}:{self.port}/f/{i}"

    def _get(self, path: str) -> bytes:
        with self._open.open(f"http://{host(0)}:{self.port}{path}", timeout=60) as r:
            return bytes(r.read())

    def counts(self) -> dict[str, int]:
        return dict(json.loads(self._get("/_count")))

    def reset(self) -> None:
        self._get("/_reset")

    def log(self) -> tuple[array[int], array[float], array[int]]:
        path = self.tmp / "log"
        self._get(f"/_dump?to={path}")
        out = read_log(path)
        path.unlink()
        return out

    @property
    def pid(self) -> int:
        return self.proc.pid

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for p in self.tmp.iterdir():
            p.unlink()
        os.rmdir(self.tmp)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--hosts", type=int, default=250)
    a = ap.parse_args()
    serve(a.port_file, a.hosts)
