"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent."""

from __future__ import annotations

from aiosmtpd.controller import Controller

from tests.support.net import free_port


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.port = free_port()
        self.refuse = False
        sink = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
                if sink.refuse:
                    return "554 rejected"
                sink.messages.append(envelope.content)  # type: ignore[attr-defined]
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def url(self, to: str = "desk@example.org") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=monitor@example.org&to={to}&mode=insecure"
