"""Helpers for tests that start real servers: a free local port, and waiting until a URL answers."""

from __future__ import annotations

import socket
import time
import urllib.request
from pathlib import Path
from urllib.error import HTTPError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_http(url: str, log: Path, timeout: float = 60) -> None:
    """Return once ``url`` answers at all; fail with the tail of the server's ``log`` if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - a local test server
            return
        except (OSError, HTTPError):
            time.sleep(0.2)
    raise AssertionError(f"the server did not answer; its output:\n{log.read_text()[-3000:]}")
