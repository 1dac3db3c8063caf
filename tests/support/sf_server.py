"""A local SAP SuccessFactors Recruiting OData v2 server for tests: a real HTTP server in a thread.

It answers in the documented shapes (see /work/shared/docs/INTEGRATIONS.md): the ``{"d": {"results": [...]}}``
envelope with ``__metadata`` on each row, Int64 keys as strings, ``/Date(ms)/`` dates, deferred navigations
unless ``$expand``-ed, server-side paging with ``__next`` carrying a base64 ``$skiptoken``, ``$filter`` on
``lastModifiedDateTime ge datetimeoffset'...'``, ``POST /odata/v2/upsert`` answering 200 with a status per
row, error payloads ``{"error": {"code", "message": {"lang", "value"}}}``, OAuth tokens and Basic auth.

Fault switches make it fail the way real systems do: ``fail_next`` (HTTP 500 with an error payload),
``rate_limit_next`` (429), ``malformed_next`` (a body that is not OData), ``slow_seconds`` (answer late),
``hang_after_write`` (apply an upsert, then answer too late for the client), ``stop``/``start`` (down). It
counts writes per idempotency key so tests can assert exactly-once effects.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FILTER = re.compile(r"^lastModifiedDateTime ge datetimeoffset'([0-9T:.\-+Z]+)'$")
ENTITY_KEY = re.compile(r"^(JobApplication|JobRequisition|Candidate)\((\d+)L?\)$")
KEYS = {"JobRequisition": "jobReqId", "JobApplication": "applicationId", "Candidate": "candidateId"}


def sf_date(moment: datetime) -> str:
    return f"/Date({int(moment.timestamp() * 1000)})/"


def _error(code: str, value: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": {"lang": "en-US", "value": value}}}


class FakeSuccessFactors:
    """The server's data and switches. ``base_url`` is the API host, e.g. ``http://127.0.0.1:PORT``."""

    def __init__(
        self,
        *,
        page_size: int = 1000,
        company_id: str = "ACME",
        username: str = "candor",
        password: str = "s3cret",
        client_id: str = "candor-client",
        assertion: str = "signed-saml",
        event_key_field: str = "cust_candorEventKey",
    ) -> None:
        self.page_size = page_size
        self.company_id, self.username, self.password = company_id, username, password
        self.client_id, self.assertion = client_id, assertion
        self.event_key_field = event_key_field
        self.entities: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in KEYS}
        self.locales: dict[str, list[dict[str, Any]]] = {}
        self.tokens: set[str] = set()
        self.writes_by_key: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []  # (method, path with query)
        self.lock = threading.Lock()
        self.fail_next = 0
        self.rate_limit_next = 0
        self.retry_after: str | None = None
        self.malformed_next = 0
        self.slow_seconds = 0.0
        self.hang_after_write = 0
        self.hang_seconds = 3.0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- life -------------------------------------------------------------------------------------------

    def start(self) -> FakeSuccessFactors:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Go down: the port refuses connections until ``start`` again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- data -------------------------------------------------------------------------------------------

    def add_requisition(
        self,
        req_id: int,
        *,
        title: str,
        description: str,
        country: str = "US",
        modified: datetime | None = None,
        **extra: Any,
    ) -> None:
        moment = modified or datetime.now(UTC)
        self.entities["JobRequisition"][str(req_id)] = {
            "jobReqId": str(req_id),
            "templateId": "1",
            "internalStatus": "Approved",
            "numberOpenings": "1",
            "country": country,
            "jobCode": f"JC{req_id}",
            "createdDateTime": sf_date(moment),
            "lastModifiedDateTime": sf_date(moment),
            **extra,
        }
        self.locales[str(req_id)] = [
            {
                "jobReqId": str(req_id),
                "locale": "en_US",
                "jobTitle": title,
                "externalTitle": title,
                "jobDescription": description,
            }
        ]

    def add_application(
        self,
        app_id: int,
        *,
        candidate_id: int,
        req_id: int,
        first: str,
        last: str,
        email: str,
        phone: str = "",
        country: str = "US",
        modified: datetime | None = None,
    ) -> None:
        moment = modified or datetime.now(UTC)
        self.entities["Candidate"][str(candidate_id)] = {
            "candidateId": str(candidate_id),
            "firstName": first,
            "lastName": last,
            "primaryEmail": email,
            "contactEmail": email,
            "cellPhone": phone,
            "homePhone": None,
            "country": country,
            "creationDateTime": sf_date(moment),
            "lastModifiedDateTime": sf_date(moment),
        }
        self.entities["JobApplication"][str(app_id)] = {
            "applicationId": str(app_id),
            "candidateId": str(candidate_id),
            "jobReqId": str(req_id),
            "appStatusSetItemId": "101",
            "status": "Open",
            "firstName": first,
            "lastName": last,
            "contactEmail": email,
            "cellPhone": phone,
            "applicationDate": sf_date(moment),
            "lastModifiedDateTime": sf_date(moment),
        }

    def application(self, app_id: int) -> dict[str, Any]:
        return self.entities["JobApplication"][str(app_id)]

    # --- answers ----------------------------------------------------------------------------------------

    def _row(self, entity: str, row: dict[str, Any], expand: set[str]) -> dict[str, Any]:
        key = row[KEYS[entity]]
        uri = f"{self.base_url}/odata/v2/{entity}({key}L)"
        out: dict[str, Any] = {"__metadata": {"uri": uri, "type": f"SFOData.{entity}"}, **row}
        if entity == "JobRequisition":
            out["jobReqLocale"] = (
                {
                    "results": [
                        {
                            "__metadata": {
                                "uri": f"{uri}/jobReqLocale",
                                "type": "SFOData.JobRequisitionLocale",
                            },
                            **loc,
                        }
                        for loc in self.locales.get(key, [])
                    ]
                }
                if "jobReqLocale" in expand
                else {"__deferred": {"uri": f"{uri}/jobReqLocale"}}
            )
        if entity == "JobApplication":
            if "candidate" in expand:
                candidate = self.entities["Candidate"].get(row["candidateId"])
                out["candidate"] = self._row("Candidate", candidate, set()) if candidate else None
            else:
                out["candidate"] = {"__deferred": {"uri": f"{uri}/candidate"}}
        return out

    def list_entities(self, entity: str, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        rows = sorted(self.entities[entity].values(), key=lambda r: int(r[KEYS[entity]]))
        if "$filter" in query:
            match = FILTER.match(query["$filter"].strip())
            if not match:
                return 400, _error(
                    "COE_PROPERTY_NOT_FOUND", "[COE0021] Invalid $filter for this test server."
                )
            since = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
            limit = since.timestamp() * 1000
            rows = [r for r in rows if int(r["lastModifiedDateTime"][6:-2]) >= limit]
        start = 0
        if "$skiptoken" in query:
            start = int(json.loads(base64.b64decode(query["$skiptoken"]))["startRow"])
        page = rows[start : start + self.page_size]
        expand = set(filter(None, query.get("$expand", "").split(",")))
        body: dict[str, Any] = {"results": [self._row(entity, r, expand) for r in page]}
        if start + self.page_size < len(rows):
            token = base64.b64encode(
                json.dumps(
                    {"startRow": start + self.page_size, "endRow": start + 2 * self.page_size}
                ).encode()
            ).decode()
            keep = "&".join(f"{k}={v}" for k, v in query.items() if k != "$skiptoken")
            body["__next"] = f"{self.base_url}/odata/v2/{entity}?{keep}&$skiptoken={token}"
        return 200, {"d": body}

    def upsert(self, payload: Any) -> tuple[int, dict[str, Any]]:
        rows = payload if isinstance(payload, list) else [payload]
        answers = []
        for index, row in enumerate(rows):
            uri = str((row.get("__metadata") or {}).get("uri", "")).rsplit("/", 1)[-1]
            match = ENTITY_KEY.match(uri)
            target = self.entities.get(match.group(1), {}).get(match.group(2)) if match else None
            if target is None:
                answers.append(
                    {
                        "key": None,
                        "status": "ERROR",
                        "editStatus": None,
                        "index": index,
                        "message": "[COE0008] Entity not found.",
                        "httpCode": 404,
                        "inlineResults": None,
                    }
                )
                continue
            changes = {k: v for k, v in row.items() if k != "__metadata"}
            unknown = [k for k in changes if k not in target and not k.startswith("cust_")]
            if unknown:
                answers.append(
                    {
                        "key": None,
                        "status": "ERROR",
                        "editStatus": None,
                        "index": index,
                        "message": f"[COE0021] Property {unknown[0]} not found.",
                        "httpCode": 400,
                        "inlineResults": None,
                    }
                )
                continue
            target.update(changes)
            target["lastModifiedDateTime"] = sf_date(datetime.now(UTC))
            if changes.get(self.event_key_field):
                self.writes_by_key[changes[self.event_key_field]] += 1
            answers.append(
                {
                    "key": f"{match.group(1)}/{KEYS[match.group(1)]}={match.group(2)}",
                    "status": "OK",
                    "editStatus": "UPSERTED",
                    "message": None,
                    "index": index,
                    "httpCode": 204,
                    "inlineResults": None,
                }
            )
        return 200, {"d": answers}

    def authorised(self, header: str) -> bool:
        if header.startswith("Bearer "):
            return header[7:] in self.tokens
        if header.startswith("Basic "):
            expected = f"{self.username}@{self.company_id}:{self.password}"
            return base64.b64decode(header[6:]).decode(errors="replace") == expected
        return False


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSuccessFactors
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16  # one write per answer (headers and body), as real servers do; flushed per request

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, raw: bytes | None = None
    ) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _faults(self) -> bool:
        fake = self.fake
        if fake.slow_seconds:
            time.sleep(fake.slow_seconds)
        with fake.lock:
            if fake.rate_limit_next:
                fake.rate_limit_next -= 1
                headers = {"Retry-After": fake.retry_after} if fake.retry_after else {}
                self._send(429, _error("COE_REQUEST_LIMIT", "Too many requests."), headers)
                return True
            if fake.fail_next:
                fake.fail_next -= 1
                self._send(500, _error("COE_GENERAL_SERVER_FAILURE", "[COE0019] Internal server error."))
                return True
            if fake.malformed_next:
                fake.malformed_next -= 1
                self._send(200, None, raw=b"<html><body>Service Unavailable</body></html>")
                return True
        return False

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        fake = self.fake
        parts = urlsplit(self.path)
        fake.requests.append(("GET", self.path))
        if self._faults():
            return
        if not fake.authorised(self.headers.get("Authorization", "")):
            self._send(401, _error("LGN0022", "Authentication failed."))
            return
        path = parts.path.removeprefix("/odata/v2/")
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with fake.lock:
            if path in KEYS:
                status, body = fake.list_entities(path, query)
                self._send(status, body)
                return
            match = ENTITY_KEY.match(unquote(path))
            row = fake.entities[match.group(1)].get(match.group(2)) if match else None
            if row is None:
                self._send(404, _error("COE_ENTITY_NOT_FOUND", "[COE0008] Entity not found."))
                return
            self._send(200, {"d": fake._row(match.group(1), row, set())})

    def do_POST(self) -> None:  # noqa: N802
        fake = self.fake
        parts = urlsplit(self.path)
        fake.requests.append(("POST", self.path))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if parts.path == "/oauth/token":
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            if (form.get("client_id"), form.get("company_id"), form.get("assertion")) != (
                fake.client_id,
                fake.company_id,
                fake.assertion,
            ) or form.get("grant_type") != "urn:ietf:params:oauth:grant-type:saml2-bearer":
                self._send(401, _error("LGN0016", "Invalid SAML assertion or client."))
                return
            token = base64.b64encode(f"token-{len(fake.tokens)}-{time.time()}".encode()).decode()
            fake.tokens.add(token)
            self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 86400})
            return
        if self._faults():
            return
        if not fake.authorised(self.headers.get("Authorization", "")):
            self._send(401, _error("LGN0022", "Authentication failed."))
            return
        if parts.path != "/odata/v2/upsert":
            self._send(404, _error("COE_ENTITY_NOT_FOUND", "[COE0008] Unknown resource."))
            return
        try:
            payload = json.loads(raw)
        except ValueError:
            self._send(400, _error("COE_INVALID_JSON", "[COE0001] The body is not JSON."))
            return
        with fake.lock:
            status, body = fake.upsert(payload)
            hang = fake.hang_after_write > 0
            if hang:
                fake.hang_after_write -= 1
        if hang:
            time.sleep(fake.hang_seconds)  # the write is done; the answer comes after the client gave up
        self._send(status, body)
