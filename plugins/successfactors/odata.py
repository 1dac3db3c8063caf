"""A small OData v2 client for SAP SuccessFactors: authentication, paging, dates, errors and rate limits.

Owns the wire rules: ``$format=json``; server-side paging by following ``__next`` until a page has none;
``/Date(ms)/`` dates; error payloads ``{"error": {"code", "message": {"value"}}}`` turned into
``SuccessFactorsError`` with the code; HTTP 429 waited out (``Retry-After`` or the configured pause, SAP says
300 s) a bounded number of times; upsert answers checked row by row, since SAP answers 200 even when a row
failed. Authentication is Basic (``user@companyId``) or an OAuth 2.0 SAML-bearer token, fetched once and
renewed before it expires or when the server says it is invalid.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
SAML_BEARER = "urn:ietf:params:oauth:grant-type:saml2-bearer"


class SuccessFactorsError(RuntimeError):
    """SuccessFactors refused or failed a request. ``code`` is SAP's error code (``COE_...``, ``LGN...``) or
    ours (``HTTP_500``, ``MALFORMED``, ``RATE_LIMITED``, ``UNREACHABLE``)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"SuccessFactors {code}: {message}")
        self.code = code
        self.status = status


def parse_date(value: Any) -> datetime | None:
    """``/Date(1608073188000)/`` (ms since the epoch, UTC, optional offset) as an aware datetime."""
    if value in (None, ""):
        return None
    match = DATE.match(str(value))
    if not match:
        raise SuccessFactorsError("MALFORMED", f"{value!r} is not an OData /Date(ms)/ value")
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)


def format_since(moment: datetime) -> str:
    """The literal SuccessFactors expects in ``datetimeoffset'...'``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class ODataClient:
    def __init__(self, settings: Mapping[str, Any], *, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = str(settings["base_url"]).rstrip("/")
        self.settings = settings
        self.rate_limit_wait = float(settings["rate_limit_wait_seconds"])
        self.rate_limit_retries = int(settings["rate_limit_retries"])
        self.http = httpx.Client(
            timeout=httpx.Timeout(float(settings["timeout_seconds"])),
            transport=transport,
            headers={"Accept": "application/json"},
        )
        self._token: str | None = None
        self._token_until = datetime.min.replace(tzinfo=UTC)

    # --- authentication ---------------------------------------------------------------------------------

    def _auth_header(self) -> str:
        settings = self.settings
        if settings["auth"] == "basic":
            login = f"{settings['username']}@{settings['company_id']}"
            return "Basic " + base64.b64encode(f"{login}:{settings['password']}".encode()).decode()
        if self._token is None or datetime.now(UTC) >= self._token_until:
            self._fetch_token()
        return f"Bearer {self._token}"

    def _fetch_token(self) -> None:
        settings = self.settings
        url = str(settings["token_url"] or f"{self.base_url}/oauth/token")
        form = {
            "client_id": settings["client_id"],
            "company_id": settings["company_id"],
            "grant_type": SAML_BEARER,
            "assertion": settings["assertion"],
        }
        answer = self._send("POST", url, data=form, authenticate=False)
        try:
            body = answer.json()
            self._token = str(body["access_token"])
            lifetime = int(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise SuccessFactorsError(
                "MALFORMED", "the token endpoint answered without an access_token"
            ) from None
        self._token_until = datetime.now(UTC) + timedelta(seconds=max(lifetime - 60, 1))

    # --- requests ---------------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, authenticate: bool = True, **kwargs: Any) -> httpx.Response:
        waited = 0
        renewed = False
        while True:
            headers = dict(kwargs.pop("headers", None) or {})
            if authenticate:
                headers["Authorization"] = self._auth_header()
            try:
                answer = self.http.request(method, url, headers=headers, **kwargs)
            except httpx.TimeoutException:
                raise SuccessFactorsError("TIMEOUT", f"no answer from {self.base_url} in time") from None
            except httpx.TransportError as exc:
                raise SuccessFactorsError(
                    "UNREACHABLE", f"{self.base_url} cannot be reached ({type(exc).__name__})"
                ) from None
            if answer.status_code == 429 and waited < self.rate_limit_retries:
                waited += 1
                time.sleep(self._retry_after(answer))
                continue
            if (
                answer.status_code == 401
                and authenticate
                and self.settings["auth"] == "oauth"
                and not renewed
            ):
                renewed, self._token = True, None  # the token was revoked or expired early: renew once
                continue
            if answer.status_code >= 400:
                raise self._error(answer)
            return answer

    def _retry_after(self, answer: httpx.Response) -> float:
        header = answer.headers.get("Retry-After", "")
        return min(float(header), self.rate_limit_wait) if header.isdigit() else self.rate_limit_wait

    @staticmethod
    def _error(answer: httpx.Response) -> SuccessFactorsError:
        code, message = f"HTTP_{answer.status_code}", answer.reason_phrase or "error"
        if answer.status_code == 429:
            code = "RATE_LIMITED"
        try:
            error = answer.json()["error"]
            code = str(error.get("code") or code)
            message = str((error.get("message") or {}).get("value") or message)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        return SuccessFactorsError(code, message[:300], answer.status_code)

    @staticmethod
    def _json(answer: httpx.Response) -> Any:
        try:
            return answer.json()
        except ValueError:
            raise SuccessFactorsError(
                "MALFORMED", f"the answer is not JSON (HTTP {answer.status_code})", answer.status_code
            ) from None

    def get_all(self, entity: str, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Every row of ``entity`` matching ``params``, following ``__next`` page after page."""
        url: str | None = f"{self.base_url}/odata/v2/{entity}"
        query: dict[str, str] | None = {**params, "$format": "json"}
        while url:
            body = self._json(self._send("GET", url, params=query))
            data = body.get("d") if isinstance(body, dict) else None
            rows = data.get("results") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise SuccessFactorsError("MALFORMED", f"the {entity} answer has no d.results list")
            yield from rows
            url, query = data.get("__next"), None  # the next link carries the whole query and $skiptoken

    def get_one(self, entity: str, key: str, select: str) -> dict[str, Any]:
        answer = self._send(
            "GET", f"{self.base_url}/odata/v2/{entity}({key}L)", params={"$select": select, "$format": "json"}
        )
        body = self._json(answer)
        if not isinstance(body, dict) or not isinstance(body.get("d"), dict):
            raise SuccessFactorsError("MALFORMED", f"the {entity} answer has no d object")
        return body["d"]  # type: ignore[no-any-return]

    def upsert(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``POST /odata/v2/upsert``; raises on the first row SAP reports as failed."""
        answer = self._send("POST", f"{self.base_url}/odata/v2/upsert", params={"$format": "json"}, json=rows)
        body = self._json(answer)
        results = body.get("d") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise SuccessFactorsError("MALFORMED", "the upsert answer has no d list")
        for result in results:
            if result.get("status") != "OK":
                raise SuccessFactorsError(
                    f"UPSERT_{result.get('httpCode') or 'ERROR'}",
                    str(result.get("message") or "row failed")[:300],
                )
        return results

    def close(self) -> None:
        self.http.close()
