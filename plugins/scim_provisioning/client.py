"""SCIM 2.0 over HTTP (RFC 7644) as far as provisioning needs it: bearer token, retries and SCIM errors.

Owns the protocol rules: every call carries ``Authorization: Bearer`` and ``application/scim+json``; 5xx
answers, 429, timeouts and dropped connections are retried with exponential backoff and full jitter (a 429's
``Retry-After`` is honoured up to the cap) and end in ``ScimUnavailable`` when they persist; any other 4xx
ends at once in ``ScimError`` carrying the status and the SCIM ``scimType`` from the error schema
(``urn:ietf:params:scim:api:messages:2.0:Error``). Messages name the method, the resource type and the
status, never a request body (it holds names and contact details), and e-mail addresses or phone numbers a
server quotes in its ``detail`` are masked.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ()-]{8,}\d")

#: What an operator can do about each refusal (RFC 7644 §3.12).
HINTS = {
    400: "the SCIM server refused the request's content",
    401: "check the plugin's token setting (a valid Bearer token for the SCIM server)",
    403: "the token is valid but may not do this; grant it user provisioning rights",
    404: "the account no longer exists in the SCIM server",
    409: "an account with this userName already exists",
    412: "the account changed in the SCIM server meanwhile",
    413: "the request is larger than the SCIM server accepts",
}


def _masked(text: str) -> str:
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


def resource_kind(path: str) -> str:
    """``/Users/abc`` -> ``Users``: messages name the resource type, never an id that might be an e-mail."""
    return path.strip("/").split("/")[0] or "/"


class ScimError(RuntimeError):
    """The SCIM server refused a call (4xx); retrying the same call would be refused again."""

    def __init__(self, method: str, path: str, status: int, scim_type: str | None, detail: str) -> None:
        self.status, self.scim_type, self.detail = status, scim_type, _masked(detail)[:200]
        kind = f" ({scim_type})" if scim_type else ""
        hint = HINTS.get(status, "see the SCIM server's answer")
        super().__init__(f"SCIM {method} {resource_kind(path)} answered {status}{kind}: {self.detail or 'no detail'}"
                         f"; {hint}.")


class ScimUnavailable(RuntimeError):
    """The SCIM server did not answer usefully after the retries (5xx, 429, timeouts, dropped connections);
    the caller retries later."""


class ScimClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0, retries: int = 3,
                 backoff: float = 0.5, backoff_cap: float = 30.0) -> None:
        headers = {"Accept": MEDIA_TYPE, "Content-Type": MEDIA_TYPE}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers)
        self.retries, self.backoff, self.backoff_cap = retries, backoff, backoff_cap
        self.attempts = 0  # calls sent, retries included; the tests read it

    def close(self) -> None:
        self._http.close()

    def _wait(self, attempt: int, retry_after: str | None = None) -> None:
        if retry_after and retry_after.isdigit():
            time.sleep(min(float(retry_after), self.backoff_cap))
            return
        time.sleep(random.uniform(0, min(self.backoff_cap, self.backoff * 2 ** attempt)))  # noqa: S311

    def request(self, method: str, path: str, *, json: Mapping[str, Any] | None = None,
                params: Mapping[str, str] | None = None) -> dict[str, Any] | None:
        """Send one call; returns the JSON answer (``None`` for 204) or raises ``ScimError``/``ScimUnavailable``."""
        problem, retry_after = "", None
        for attempt in range(self.retries + 1):
            if attempt:
                self._wait(attempt - 1, retry_after)
            retry_after = None
            self.attempts += 1
            try:
                answer = self._http.request(method, path, json=dict(json) if json is not None else None,
                                            params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = type(exc).__name__
                continue
            if answer.status_code >= 500 or answer.status_code == 429:
                problem = f"HTTP {answer.status_code}"
                retry_after = answer.headers.get("Retry-After")
                continue
            if answer.status_code >= 400:
                raise _error(method, path, answer)
            if answer.status_code == 204 or not answer.content:
                return None
            try:
                return dict(answer.json())
            except ValueError:
                raise ScimError(method, path, answer.status_code, None,
                                "the answer is not JSON; is base_url the SCIM endpoint (…/scim/v2)?") from None
        raise ScimUnavailable(f"SCIM {method} {resource_kind(path)} failed {self.retries + 1} times ({problem}); "
                              "the SCIM server is down or overloaded, retried later.")


def _error(method: str, path: str, answer: httpx.Response) -> ScimError:
    scim_type, detail = None, ""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (ERROR_SCHEMA in (body.get("schemas") or []) or "detail" in body):
        scim_type = str(body["scimType"]) if body.get("scimType") else None
        detail = str(body.get("detail") or "")
    return ScimError(method, path, answer.status_code, scim_type, detail)
