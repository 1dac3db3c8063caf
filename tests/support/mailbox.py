"""A local SMTP server (aiosmtpd) that keeps every message it receives, for tests of e-mail delivery."""

from __future__ import annotations

import email
from email.message import Message as EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from support.live import free_port


class _Keep:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_next = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"


class Mailbox:
    """``Mailbox().start()``; ``messages`` holds parsed ``email.message.EmailMessage`` objects."""

    def __init__(self) -> None:
        self.handler = _Keep()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def settings(self) -> dict[str, Any]:
        """``plugin_settings.smtp_mail`` for an app that sends here."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "starttls": False,
            "sender": "Acme Jobs <jobs@acme.example>",
            "timeout_seconds": 5.0,
        }
