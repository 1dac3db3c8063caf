"""Standard Webhooks signatures, through the reference ``standardwebhooks`` library.

Outbound: ``webhook-id`` (the event's idempotency key), ``webhook-timestamp`` (Unix seconds of this attempt)
and ``webhook-signature`` with one ``v1,<base64>`` per active secret, space-separated, so that a receiver
holding either the old or the new secret verifies during a rotation.
Inbound: the same headers checked against each configured secret; the refusal says what was wrong.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
TOLERANCE_SECONDS = 5 * 60  # the specification's window for webhook-timestamp
_SPLIT = re.compile(r"[\s,]+")
_SIGNATURE = re.compile(r"^v1,[A-Za-z0-9+/]+={0,2}$")


class SecretError(ValueError):
    """A configured secret is not a Standard Webhooks secret (``whsec_`` + base64)."""


class InboundRefused(Exception):
    """An inbound webhook is refused; ``status`` is the HTTP answer and the message tells the sender why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def parse_secrets(value: str | Sequence[str] | None) -> list[Webhook]:
    """Secrets from a setting: ``whsec_...`` values separated by spaces or commas, or a list of them."""
    items = _SPLIT.split(value.strip()) if isinstance(value, str) else list(value or [])
    webhooks: list[Webhook] = []
    for position, secret in enumerate(item for item in items if item):
        if not secret.startswith("whsec_"):
            raise SecretError(f"secret {position + 1} does not start with 'whsec_'; give 'whsec_' + base64.")
        try:
            webhooks.append(Webhook(secret))
        except Exception as exc:  # binascii.Error, EmptyWebhookSecretError: the library raises several kinds
            raise SecretError(f"secret {position + 1} is not valid base64 after 'whsec_' "
                              f"({type(exc).__name__}).") from None
    return webhooks


def signed_headers(webhooks: Sequence[Webhook], message_id: str, body: str,
                   timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (the exact text sent)."""
    if not webhooks:
        raise SecretError("no signing secret is configured; set at least one 'whsec_' secret.")
    seconds = int(time.time()) if timestamp is None else int(timestamp)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    signatures = " ".join(webhook.sign(message_id, moment, body) for webhook in webhooks)
    return {"webhook-id": message_id, "webhook-timestamp": str(seconds), "webhook-signature": signatures}


def verify_inbound(webhooks: Sequence[Webhook], body: bytes, headers: Mapping[str, str],
                   now: float | None = None) -> Any:
    """The parsed JSON body of a correctly signed, fresh webhook; otherwise ``InboundRefused``."""
    lowered = {key.lower(): value for key, value in headers.items()}
    missing = [name for name in HEADERS if not lowered.get(name)]
    if missing:
        raise InboundRefused(401, "unsigned", f"Missing header(s) {', '.join(missing)}: sign the request per "
                                              "the Standard Webhooks specification.")
    stamp = lowered["webhook-timestamp"]
    if not stamp.isdigit():
        raise InboundRefused(400, "bad_timestamp", "webhook-timestamp must be Unix time in whole seconds.")
    skew = (time.time() if now is None else now) - int(stamp)
    if abs(skew) > TOLERANCE_SECONDS:
        which = "old" if skew > 0 else "far in the future"
        raise InboundRefused(400, "stale", f"webhook-timestamp is {abs(int(skew))} s {which}; at most "
                                           f"{TOLERANCE_SECONDS} s are accepted. Send it again with a new "
                                           "timestamp and signature.")
    signatures = lowered["webhook-signature"].split(" ")
    if not all(_SIGNATURE.match(part) for part in signatures if part):
        raise InboundRefused(400, "bad_signature_header",
                             "webhook-signature must be space-separated 'v1,<base64>' entries.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InboundRefused(400, "bad_encoding", "The body must be UTF-8 JSON.") from None
    for webhook in webhooks:  # every active secret, so that senders can rotate
        try:
            webhook.verify(text, lowered, json_parse=False)
        except WebhookVerificationError:
            continue
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InboundRefused(400, "malformed",
                                 f"The body is not JSON ({exc.msg} at position {exc.pos}).") from None
    raise InboundRefused(401, "bad_signature", "No signature matches any configured secret; check the secret "
                                               "and that the exact body bytes were signed.")
