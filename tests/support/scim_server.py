"""A real SCIM 2.0 server for tests (the ``scim2-server`` package from PyPI, its in-memory storage and its
bearer-token application, served by wsgiref in a thread), and a faulty HTTP proxy to put in front of it.

``ScimServer.users()`` reads the server's own storage, so tests check what the SCIM server holds, not what
the client believes it sent. ``FaultyProxy`` forwards real HTTP to the server and, on demand, answers the
next requests with 503 (``fail_next``), closes the connection without an answer (``drop_next``), forwards a
request and loses the server's answer (``lose_answer_next``), or stops listening (``go_down()``).
"""

from __future__ import annotations

import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
from scim2_models import ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.testserver.cli import ThreadingWSGIServer
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *_: Any) -> None:
        pass


class ScimServer:
    def __init__(self, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(16)
        config = load_default_service_provider_config()
        config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
        provider = ScimProvider.from_discovery(load_default_schemas().values(),
                                               load_default_resource_types().values(), config=config)
        self.storage = InMemoryStorage()
        application = BearerTokenApplication(self.storage, provider,
                                             service=ScimService(provider, secret=secrets.token_urlsafe(32)),
                                             bearer_tokens=[self.token])
        self._server = make_server("127.0.0.1", 0, application, server_class=ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v2"

    def start(self) -> ScimServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def users(self) -> list[dict[str, Any]]:
        """Every User the server holds, as it would answer them (JSON names)."""
        answer = httpx.get(f"{self.base_url}/Users", headers={"Authorization": f"Bearer {self.token}"},
                           params={"count": "1000"})
        answer.raise_for_status()
        return list(answer.json().get("Resources") or [])

    def user(self, user_id: str) -> dict[str, Any]:
        answer = httpx.get(f"{self.base_url}/Users/{user_id}", headers={"Authorization": f"Bearer {self.token}"})
        answer.raise_for_status()
        return dict(answer.json())

    def add_user(self, body: dict[str, Any]) -> str:
        """Create a User behind the client's back (an account made by hand in the SCIM system)."""
        answer = httpx.post(f"{self.base_url}/Users", json=body, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/scim+json"})
        answer.raise_for_status()
        return str(answer.json()["id"])


class FaultyProxy:
    """Forwards HTTP to ``target`` (a base URL) unless told to fail."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.fail_next = 0  # answer the next N requests with 503
        self.drop_next = 0  # close the next N connections without answering
        self.lose_answer_next = 0  # forward the next N requests, then close without passing the answer on
        self.forwarded = 0
        self.received = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=10.0)
        self._server: ThreadingHTTPServer | None = None
        self._down = False
        self._port = 0
        self._listen()

    @property
    def base_url(self) -> str:
        path = "/" + self.target.split("/", 3)[3] if self.target.count("/") >= 3 else ""
        return f"http://127.0.0.1:{self._port}{path}"

    def _listen(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def start(self) -> FaultyProxy:
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._http.close()

    def go_down(self) -> None:
        """Stop listening: clients get 'connection refused', as from a machine that is off."""
        assert self._server is not None
        self._down = True  # connections kept alive from before are closed at their next request
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def come_up(self) -> None:
        self._down = False
        self._listen()

    def _take(self, name: str) -> bool:
        with self._lock:
            if getattr(self, name) > 0:
                setattr(self, name, getattr(self, name) - 1)
                return True
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self
        origin = self.target.split("/", 3)
        root = f"{origin[0]}//{origin[2]}"

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with proxy._lock:
                    proxy.received += 1
                if proxy._down or proxy._take("drop_next"):
                    self.connection.shutdown(socket.SHUT_RDWR)  # no status line at all
                    self.close_connection = True
                    return
                if proxy._take("fail_next"):
                    payload = b'{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503",' \
                              b'"detail":"Service unavailable"}'
                    self.send_response(503)
                    self.send_header("Content-Type", "application/scim+json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                answer = proxy._http.request(self.command, root + self.path, content=body, headers=headers)
                with proxy._lock:
                    proxy.forwarded += 1
                if proxy._take("lose_answer_next"):  # the server acted, but its answer never arrives
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                           "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler
