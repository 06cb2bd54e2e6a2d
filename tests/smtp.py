"""A real SMTP server on 127.0.0.1 (aiosmtpd) for tests that send email the way production does."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content()


@dataclass
class SmtpHandler:
    """Stores what it accepts. `reply` may answer a message with an SMTP code instead (given the
    count of messages seen so far), `refuse` likewise given the parsed message; `delay` slows
    every answer down, as a busy server does."""

    received: list[Received] = field(default_factory=list)
    reply: Callable[[int], str | None] = lambda n: None
    refuse: Callable[[EmailMessage], str | None] = lambda message: None
    seen: int = 0
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.seen += 1
            answer = self.reply(self.seen)
            if answer:
                return answer
            parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            answer = self.refuse(parsed)
            if answer:
                return answer
            self.received.append(Received(envelope_to=list(envelope.rcpt_tos), message=parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.handler = SmtpHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
