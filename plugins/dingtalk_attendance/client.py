"""DingTalk's legacy open-platform API (oapi) as far as attendance needs it: the access token and the
``errcode`` envelope.

Owns the protocol rules: the token is cached until shortly before ``expires_in`` runs out and fetched again
when the server answers 40001/40014/41001/42001; errcode -1 (system busy) is retried up to 3 times; 90002
(rate limited) backs off and retries; any other non-zero errcode raises ``DingTalkError`` naming the code
and the call, never the request body (it holds names and phone numbers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

import httpx

TOKEN_ERRORS = frozenset({40001, 40014, 41001, 42001})
BUSY = -1
RATE_LIMITED = 90002
UNKNOWN_USER = 60121


class DingTalkError(RuntimeError):
    """DingTalk refused a call; ``errcode`` is its code (see INTEGRATIONS.md)."""

    def __init__(self, path: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"DingTalk {path} answered errcode {errcode} ({errmsg[:80]})")
        self.errcode = errcode


class DingTalkClient:
    def __init__(self, base_url: str, app_key: str, app_secret: str, *, timeout: float = 10.0,
                 busy_retries: int = 3, rate_limit_wait: float = 1.0, rate_limit_retries: int = 3) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._app_key, self._app_secret = app_key, app_secret
        self._busy_retries, self._rate_limit_wait = busy_retries, rate_limit_wait
        self._rate_limit_retries = rate_limit_retries
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()
        self.token_fetches = 0  # how often a token was asked for; the tests check the cache with it

    def close(self) -> None:
        self._http.close()

    def token(self, *, refresh: bool = False) -> str:
        with self._lock:
            if refresh or self._token is None or time.monotonic() >= self._token_expires:
                answer = self._http.get("/gettoken", params={"appkey": self._app_key,
                                                             "appsecret": self._app_secret})
                answer.raise_for_status()
                body = answer.json()
                if body.get("errcode", 0) != 0:
                    raise DingTalkError("/gettoken", int(body["errcode"]), str(body.get("errmsg", "")))
                self.token_fetches += 1
                self._token = str(body["access_token"])
                # Renew a minute early so a call never leaves with a token about to lapse.
                self._token_expires = time.monotonic() + max(0, int(body.get("expires_in", 7200)) - 60)
            return self._token

    def post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path`` with the token; returns the answer once its errcode is 0."""
        busy = limited = 0
        refreshed = False
        while True:
            answer = self._http.post(path, params={"access_token": self.token()}, json=dict(body))
            answer.raise_for_status()
            payload = answer.json()
            code = int(payload.get("errcode", 0))
            if code == 0:
                return payload
            if code in TOKEN_ERRORS and not refreshed:
                refreshed = True
                self.token(refresh=True)
                continue
            if code == BUSY and busy < self._busy_retries:
                busy += 1
                continue
            if code == RATE_LIMITED and limited < self._rate_limit_retries:
                limited += 1
                time.sleep(self._rate_limit_wait * 2 ** (limited - 1))
                continue
            raise DingTalkError(path, code, str(payload.get("errmsg", "")))
