"""The tests' own webhook receiver: a real HTTP server in a thread that verifies every delivery with the
reference ``standardwebhooks`` library, deduplicates by ``webhook-id`` as the specification asks receivers to,
and counts. Faults are switched on by the test: down (socket closed), 500 answers, slow or hanging answers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Receiver:
    def __init__(self, secret: str, port: int = 0) -> None:
        self.webhook = Webhook(secret)
        self.lock = threading.Lock()
        self.accepted: dict[str, dict[str, Any]] = {}  # webhook-id -> payload, first acceptance only
        self.order: list[str] = []  # webhook-ids in the order first accepted
        self.acked_at: dict[str, float] = {}
        self.duplicates = 0
        self.requests = 0
        self.rejected = 0  # failed verification
        self.fail_next = 0  # answer 500 to this many requests
        self.delay = 0.0  # seconds to wait before answering (after recording)
        self.arrived = threading.Event()  # set when a request arrives (for kill-mid-delivery tests)
        self._port = port
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                status = receiver.handle(body, {k: v for k, v in self.headers.items()})
                if receiver.delay:
                    time.sleep(receiver.delay)
                payload = json.dumps({"reference": f"ref-{self.headers.get('webhook-id', '')[-8:]}"}).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up (timeout) or died
                    pass

        server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        server.daemon_threads = True
        self._port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            self.requests += 1
            self.arrived.set()
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500
            try:
                payload = self.webhook.verify(body, headers)
            except WebhookVerificationError:
                self.rejected += 1
                return 401
            message_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
            if message_id in self.accepted:
                self.duplicates += 1
                return 200  # already have it: acknowledge again, store nothing
            self.accepted[message_id] = payload
            self.order.append(message_id)
            self.acked_at[message_id] = time.time()
            return 200
