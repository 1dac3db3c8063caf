"""E-mail over SMTP, shipped as a built-in plugin of the notifier hook.

Sends each ``Message`` with the standard library's ``smtplib``: STARTTLS when configured (required before a
password is sent unless ``allow_plain_auth`` says otherwise), login when a username is set, one connection per
message so a broken connection never holds a message back. It offers its notifier only once ``host`` and
``sender`` are set. Addresses and bodies never reach the logs; errors name the server and the SMTP code.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.interfaces import Message, Notifier


class SmtpError(RuntimeError):
    """The SMTP server refused or could not be reached; the message names the server and code only."""


class SmtpNotifier:
    name = "smtp"
    channel = "email"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.host = str(settings["host"])
        self.port = int(settings["port"])
        self.starttls = bool(settings["starttls"])
        self.username = str(settings["username"] or "")
        self.password = str(settings["password"] or "")
        self.sender = str(settings["sender"])
        self.timeout = float(settings["timeout_seconds"])
        self.allow_plain_auth = bool(settings["allow_plain_auth"])

    def build(self, message: Message) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.body, charset="utf-8")
        if message.html:
            email.add_alternative(message.html, subtype="html", charset="utf-8")
        for name, value in message.headers.items():  # after the content, which resets Content-* headers
            del email[name]
            email[name] = value
        if "Message-ID" not in email:
            email["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].rstrip(">") or None)
        return email

    def send(self, message: Message) -> str:
        """Send one message; returns its Message-ID. Raises ``SmtpError`` so the caller's work retries."""
        if not message.to or "@" not in message.to:
            raise SmtpError("The message has no valid recipient address.")
        email = self.build(message)
        where = f"{self.host}:{self.port}"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
                client.ehlo()
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if self.username:
                    if not self.starttls and not self.allow_plain_auth:
                        raise SmtpError(
                            f"Refusing to send the SMTP password to {where} without STARTTLS; "
                            "enable starttls (or allow_plain_auth for a local relay)."
                        )
                    client.login(self.username, self.password)
                refused = client.send_message(email)
        except smtplib.SMTPResponseException as exc:
            raise SmtpError(f"SMTP server {where} refused the message with code {exc.smtp_code}.") from None
        except smtplib.SMTPRecipientsRefused:
            raise SmtpError(f"SMTP server {where} refused the recipient.") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(
                f"SMTP server {where} could not be reached or failed ({type(exc).__name__}); "
                "check host, port and starttls."
            ) from None
        if refused:
            raise SmtpError(f"SMTP server {where} refused the recipient.")
        return str(email["Message-ID"])


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="smtp_mail",
        title="E-mail over SMTP",
        description="Sends invitations, reminders and notices to candidates and staff through your SMTP "
        "server.",
        capabilities=frozenset({"notification"}),
        data_categories=frozenset({DataCategory.CONTACT}),
        purposes=frozenset({Purpose.RECRUITMENT, Purpose.OPERATIONS}),
        settings=(
            Setting("host", "", "SMTP server host; e-mail is off while empty."),
            Setting("port", 587, "SMTP server port (587 submission with STARTTLS, 25 for a local relay)."),
            Setting("starttls", True, "Upgrade the connection with STARTTLS before anything else."),
            Setting("username", "", "Login name; no login when empty."),
            Setting("password", "", "Login password.", secret=True),
            Setting("sender", "", "The From address, e.g. 'Acme Recruiting <jobs@acme.example>'."),
            Setting("timeout_seconds", 30.0, "How long to wait for the server."),
            Setting(
                "allow_plain_auth", False, "Allow a login without STARTTLS (a relay on this machine only)."
            ),
        ),
        limits=("One connection per message; no bounce handling.",),
    )


@hookimpl
def candor_register_notifiers(settings: Mapping[str, Any]) -> Sequence[Notifier]:
    if not settings["host"] or not settings["sender"]:
        return []
    return [SmtpNotifier(settings)]
