"""A local DingTalk-style open-platform server for tests: a real HTTP server in a thread.

It follows the documented shapes (INTEGRATIONS.md): ``GET /gettoken`` (the same token within its lifetime),
the errcode envelope on HTTP 200, ``POST /topapi/smartwork/hrm/employee/addpreentry`` (the same mobile twice
is refused), ``POST /attendance/list`` (dates at most 7 days apart, at most 50 users, offset/limit paging with
``hasMore``, NotSigned shifts included, errcode 60121 for an unknown user) and ``/attendance/listRecord``.
Fault switches: ``down`` (connection refused by closing the socket: HTTP 503), ``busy`` (next N calls
answer -1), ``rate_limited`` (next N calls answer 90002), ``expire_token()`` (the current token answers
42001 until a new one is fetched). ``records`` can be appended to at any time (late records) and may hold
the same record twice (duplicates).
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class FakeDingTalk:
    def __init__(self, app_key: str = "ding-key", app_secret: str = "ding-secret") -> None:
        self.app_key, self.app_secret = app_key, app_secret
        self.token = secrets.token_hex(8)
        self.expired: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}  # userid -> pre-entry param
        self.records: list[dict[str, Any]] = []
        self.down = False
        self.busy = 0
        self.rate_limited = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.token_requests = 0
        self._lock = threading.Lock()
        self._next_id = 1000
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeDingTalk:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def expire_token(self) -> None:
        with self._lock:
            self.expired.add(self.token)
            self.token = secrets.token_hex(8)

    def add_user(self, userid: str) -> None:
        self.users[userid] = {}

    def punch(self, userid: str, check_type: str, local: datetime, *, time_result: str = "Normal",
              record_id: int | None = None) -> dict[str, Any]:
        """A punch at a wall-clock time in China (DingTalk's work dates are China time)."""
        with self._lock:
            if record_id is None:
                self._next_id += 1
                record_id = self._next_id
        moment = local.replace(tzinfo=local.tzinfo or CHINA)
        work_date = moment.astimezone(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
        record = {"checkType": check_type, "timeResult": time_result, "locationResult": "Normal",
                  "baseCheckTime": epoch_ms(moment), "userCheckTime": epoch_ms(moment),
                  "workDate": epoch_ms(work_date), "userId": userid, "recordId": record_id, "groupId": 1,
                  "planId": record_id, "sourceType": "USER", "id": record_id}
        self.records.append(record)
        return record

    # --- the HTTP side -------------------------------------------------------------------------------------

    def _answer(self, path: str, query: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append((path, body))
        if path == "/gettoken":
            if query.get("appkey") != self.app_key or query.get("appsecret") != self.app_secret:
                return 200, {"errcode": 40089, "errmsg": "invalid appkey or appsecret"}
            self.token_requests += 1
            return 200, {"errcode": 0, "access_token": self.token, "errmsg": "ok", "expires_in": 7200}
        token = query.get("access_token")
        if not token:
            return 200, {"errcode": 41001, "errmsg": "missing access_token"}
        if token in self.expired:
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        if token != self.token:
            return 200, {"errcode": 40001, "errmsg": "invalid access_token"}
        with self._lock:
            if self.busy:
                self.busy -= 1
                return 200, {"errcode": -1, "errmsg": "system busy"}
            if self.rate_limited:
                self.rate_limited -= 1
                return 200, {"errcode": 90002, "errmsg": "rate limited"}
        if path == "/topapi/smartwork/hrm/employee/addpreentry":
            return 200, self._add_pre_entry(body.get("param") or {})
        if path == "/attendance/list":
            return 200, self._list(body)
        if path == "/attendance/listRecord":
            return 200, self._list_record(body)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _add_pre_entry(self, param: dict[str, Any]) -> dict[str, Any]:
        if not param.get("name") or not param.get("mobile"):
            return {"errcode": 400002, "errmsg": "invalid param"}
        if any(user.get("mobile") == param["mobile"] for user in self.users.values()):
            return {"errcode": 60104, "errmsg": "mobile already exists"}
        userid = str(15994884216176833 + len(self.users))
        self.users[userid] = dict(param)
        return {"errcode": 0, "errmsg": "ok", "success": True, "userid": userid,
                "request_id": secrets.token_hex(6)}

    def _window(self, start_text: str, end_text: str) -> tuple[int, int] | dict[str, Any]:
        try:
            start = datetime.strptime(start_text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
            end = datetime.strptime(end_text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        except (TypeError, ValueError):
            return {"errcode": 400002, "errmsg": "invalid date"}
        if end - start > timedelta(days=7) or end < start:
            return {"errcode": 400002, "errmsg": "dates more than 7 days apart"}
        return epoch_ms(start), epoch_ms(end)

    def _users(self, ids: Any) -> list[str] | dict[str, Any]:
        if not isinstance(ids, list) or not ids or len(ids) > 50:
            return {"errcode": 400002, "errmsg": "userIdList must hold 1 to 50 users"}
        if any(user not in self.users for user in ids):
            return {"errcode": 60121, "errmsg": "user not found"}
        return ids

    def _list(self, body: dict[str, Any]) -> dict[str, Any]:
        window = self._window(body.get("workDateFrom"), body.get("workDateTo"))
        if isinstance(window, dict):
            return window
        users = self._users(body.get("userIdList"))
        if isinstance(users, dict):
            return users
        offset, limit = int(body.get("offset", 0)), int(body.get("limit", 50))
        if limit > 50 or limit < 1:
            return {"errcode": 400002, "errmsg": "limit must be 1 to 50"}
        found = [r for r in list(self.records)
                 if r["userId"] in users and window[0] <= r["userCheckTime"] < window[1]]
        page = found[offset:offset + limit]
        return {"errcode": 0, "errmsg": "ok", "recordresult": page, "hasMore": offset + limit < len(found)}

    def _list_record(self, body: dict[str, Any]) -> dict[str, Any]:
        window = self._window(body.get("checkDateFrom"), body.get("checkDateTo"))
        if isinstance(window, dict):
            return window
        users = self._users(body.get("userIds"))
        if isinstance(users, dict):
            return users
        found = [{**r, "isLegal": "Y", "userAddress": ""} for r in list(self.records)
                 if r["userId"] in users and window[0] <= r["userCheckTime"] < window[1]]
        return {"errcode": 0, "errmsg": "ok", "recordresult": found}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _serve(self) -> None:
                if server.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                status, answer = server._answer(url.path, query, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _serve
            do_POST = _serve

        return Handler
