"""Deliver digests through apprise, with one outbox row per digest and destination.

A digest is created (its hits claimed) in one transaction, then each destination
is sent on its own: a failure is retried with backoff and never resends to the
destinations that already got it. With no `notify` URL, digests are written to
data/digests/ and summarised in the log.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import apprise
import apprise.plugins.email.base as apprise_email
import structlog
from apprise.plugins.custom_json import NotifyJSON

from monitor.digest.channels import Channel, Message, by_name, for_url
from monitor.errors import DeliveryError

log = structlog.get_logger()

FILE_DESTINATION = "file"
# A message as a channel shows it: rendered only for the channel it goes out on.
Render = Callable[[Channel], Message]
RETRY_DELAYS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)
# A webhook that apprise lets us give headers (json://, xml://, form://) gets the
# delivery's identity in this one: a repeat after a crash carries the same key.
IDEMPOTENCY_HEADER = "Idempotency-Key"
DATA_KEY = "data"  # a json:// webhook's body carries the message as data under this key
MESSAGE_ID_DOMAIN = "news-monitor"

# apprise stamps every email with a fresh Message-ID and has no way to pass one in.
# A delivery sent again after a crash must carry the same one, so a receiver can drop
# the repeat: apprise's stamp reads ours while a send holds the lock (apprise may send
# from its own threads, so a thread-local would not do). Every send through apprise in
# this process takes the lock, so none gets another's Message-ID.
_STAMP_LOCK = threading.Lock()
_stamp: dict[str, str | None] = {"id": None}


def _make_msgid(idstring: str | None = None, domain: str | None = None) -> str:
    return _stamp["id"] or email.utils.make_msgid(idstring, domain)


setattr(apprise_email, "make_msgid", _make_msgid)  # noqa: B010  (see above)


@contextmanager
def stamped(message_id: str | None) -> Iterator[None]:
    """One send through apprise at a time; email gets `message_id` (None: a fresh one)."""
    with _STAMP_LOCK:
        _stamp["id"] = message_id
        try:
            yield
        finally:
            _stamp["id"] = None


@dataclass(frozen=True)
class Destination:
    key: str  # stored: a hash, never the URL with its secrets
    label: str  # for logs and the operator: apprise's privacy-mode URL
    url: str | None  # None: write files under the digest folder


def destinations(notify: Sequence[str], digest_dir: Path) -> list[Destination]:
    if not notify:
        return [Destination(FILE_DESTINATION, str(digest_dir), None)]
    out = []
    for url in notify:
        inst = apprise.Apprise.instantiate(url)
        label = _plain(inst.url(privacy=True)) if inst else _redact(url)
        out.append(Destination(hashlib.sha256(url.encode()).hexdigest(), label, url))
    return out


def _plain(url: str) -> str:
    """apprise's URL with secrets hidden, without the query of its own defaults
    (overflow=upstream&retry=0&wait=0.5&...) that it writes into every one."""
    return url.split("?")[0].rstrip("/")


def _redact(url: str) -> str:
    return re.sub(r"//[^/]*@", "//***@", url.split("?")[0])


def retry_delay(attempts: int) -> timedelta | None:
    """Delay before the next try after `attempts` failures; None once we give up."""
    if attempts >= len(RETRY_DELAYS):
        return None
    return timedelta(seconds=RETRY_DELAYS[attempts])


def body_limit(dest: Destination) -> int | None:
    """The longest body the destination's service takes (apprise's body_maxlen, less
    the title where the service puts it in the body); None: no limit we split for
    (email keeps one message, files have none)."""
    if dest.url is None or for_url(dest.url).name == "email":
        return None
    plugin = apprise.Apprise.instantiate(dest.url)
    if plugin is None:
        return None
    room = int(plugin.body_maxlen)
    if not plugin.title_maxlen:  # the title is sent as the body's first line
        room -= 300
    return max(room, 500)


def identity(digest_key: str, dest: Destination) -> str:
    """The same for every attempt of one delivery, unique across deliveries."""
    return f"{digest_key}.{dest.key[:12]}"


def send(
    dest: Destination,
    render: Render,
    digest_id: int,
    digest_dir: Path,
    ident: str | None = None,
) -> None:
    """Send one digest to one destination; raises DeliveryError saying why it failed.

    `ident` (see identity) becomes the email's Message-ID and a webhook's
    Idempotency-Key, so a receiver can drop a repeat.
    """
    if dest.url is None:
        try:
            write_files(render(by_name("email")), render(by_name("text")), digest_id, digest_dir)
        except OSError as exc:
            raise DeliveryError(f"cannot write the digest: {exc.strerror}") from exc
        return
    channel = for_url(dest.url)
    message = render(channel)
    plugin = apprise.Apprise.instantiate(dest.url)
    if plugin is None:
        raise DeliveryError("apprise does not understand the URL")
    headers = getattr(plugin, "headers", None)
    if ident and isinstance(headers, dict):
        headers[IDEMPOTENCY_HEADER] = ident
    if isinstance(plugin, NotifyJSON) and message.data is not None:
        # Beside apprise's title and text: the message as data, for programs (README).
        plugin.payload_extras[DATA_KEY] = message.data
    a = apprise.Apprise()
    a.add(plugin)
    msgid = f"<{ident}@{MESSAGE_ID_DOMAIN}>" if ident else None
    with (
        stamped(msgid),
        apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as output,
    ):
        ok = a.notify(title=message.subject, body=message.body, body_format=channel.body_format)
    if not ok:
        detail = " ".join(output.getvalue().split())[-500:] or "no detail from apprise"
        raise DeliveryError(detail)  # the destination is said beside it, where it is shown


def write_files(page: Message, text: Message, digest_id: int, digest_dir: Path) -> Path:
    """The HTML page (email's), the plain text, the data (.json), and latest.html."""
    digest_dir.mkdir(parents=True, exist_ok=True)
    stem = digest_dir / f"digest-{digest_id:06d}"
    stem.with_suffix(".txt").write_text(text.body, encoding="utf-8")
    if text.data is not None:
        data = json.dumps(text.data, ensure_ascii=False, indent=1)
        stem.with_suffix(".json").write_text(data + "\n", encoding="utf-8")
    html = stem.with_suffix(".html")
    html.write_text(page.body, encoding="utf-8")
    latest = digest_dir / "latest.html"
    latest.write_text(page.body, encoding="utf-8")
    log.info("digest written", subject=page.subject, path=str(html))
    return html


def prune_digest_files(digest_dir: Path, before: datetime, dry_run: bool = False) -> int:
    """Remove the digest folder's files last written before `before`; returns how many.
    latest.html stays: it is the newest digest, whatever its age."""
    gone = 0
    for f in digest_dir.glob("digest-*.*") if digest_dir.is_dir() else ():
        try:
            if f.stat().st_mtime < before.timestamp():
                if not dry_run:
                    f.unlink()
                gone += 1
        except FileNotFoundError:  # another daemon's prune took it
            continue
    return gone
