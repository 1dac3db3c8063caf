"""The generic connector: pushes outbox events as signed JSON to one URL, and pulls jobs and applicants from a
REST endpoint when the HR system cannot call us.

Push body: ``{"type", "timestamp", "data": {... "subject"}}`` (the Standard Webhooks payload shape), sent with
the event's idempotency key as ``webhook-id``. Any 2xx is an acknowledgement; anything else, a timeout or a
refused connection raises, and the outbox retries. Pull: ``GET <pull_url>/jobs?since=<iso>`` (and
``/applicants``) answering ``{"items": [...], "next": "<url of the next page>" | null}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx
from standardwebhooks import Webhook

from candor_plugins.webhooks.signing import signed_headers

MAX_PAGES = 10_000


class DeliveryFailed(Exception):
    """The receiver did not acknowledge; the message names the HTTP status, never the payload."""


class WebhookConnector:
    name = "webhooks"

    def __init__(self, *, url: str, secrets: Sequence[Webhook], region: str | None, timeout: float,
                 pull_url: str = "", pull_token: str = "") -> None:
        self.url = url
        self.secrets = list(secrets)
        self.region = region or None
        self.pull_url = pull_url.rstrip("/")
        headers = {"user-agent": "candor-webhooks/1"}
        if pull_token:
            headers["authorization"] = f"Bearer {pull_token}"
        self._pull_headers = headers
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def push_event(self, event: Mapping[str, Any], idempotency_key: str) -> Mapping[str, Any]:
        payload = {"type": event["type"], "timestamp": event["occurred_at"],
                   "data": {**dict(event.get("data") or {}), "subject": event["subject"]}}
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        headers = {**signed_headers(self.secrets, idempotency_key, body), "content-type": "application/json",
                   "user-agent": "candor-webhooks/1"}
        try:
            response = self._client.post(self.url, content=body.encode("utf-8"), headers=headers)
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(f"the receiver did not answer in time ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise DeliveryFailed(f"the receiver could not be reached ({type(exc).__name__})") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"the receiver answered HTTP {response.status_code}")
        receipt: dict[str, Any] = {"status": response.status_code, "webhook_id": idempotency_key}
        reference = _reference_from(response)
        if reference:
            receipt["reference"] = reference
        return receipt

    def pull_jobs(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        return self._pull("jobs", since)

    def pull_applicants(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        return self._pull("applicants", since)

    def _pull(self, what: str, since: str | None) -> Iterator[Mapping[str, Any]]:
        if not self.pull_url:
            raise DeliveryFailed("pull_url is not set; set plugin_settings.webhooks.pull_url to pull.")
        url: str | None = f"{self.pull_url}/{what}"
        params = {"since": since} if since else {}
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self._client.get(url, params=params, headers=self._pull_headers)
            if response.status_code != 200:
                raise DeliveryFailed(f"pulling {what} answered HTTP {response.status_code}")
            page = response.json()
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise DeliveryFailed(f"pulling {what}: expected {{'items': [...], 'next': ...}}")
            yield from page["items"]
            url, params = page.get("next") or None, {}
        raise DeliveryFailed(f"pulling {what}: more than {MAX_PAGES} pages; is 'next' looping?")

    def close(self) -> None:
        self._client.close()


def _reference_from(response: httpx.Response) -> str | None:
    """The receiver's own id for what it stored, when it says one (kept so that erasure can reach it)."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        value = body.get("reference") or body.get("id")
        return str(value)[:200] if value is not None else None
    return None
