"""How the web app is served: the limits ``candor run`` gives waitress against slow and oversized requests.

What protects the app from slowloris-style clients: waitress reads each request, headers and body, on its own
asynchronous I/O loop and hands it to an application thread only once it has arrived whole, so a client dribbling
bytes holds a socket, never one of the ``threads``; a connection silent for ``channel_timeout`` seconds is closed
(checked every ``cleanup_interval``); headers beyond ``max_request_header_size`` and bodies beyond
``max_request_body_size`` are refused before the app sees them. A client that sends a byte just often enough stays
connected, up to ``connection_limit`` such sockets: on the open internet, put a reverse proxy with its own
header and body timeouts (nginx ``client_header_timeout``/``client_body_timeout``) in front, as for TLS.
"""

from __future__ import annotations

from typing import Any

#: The app's own largest request (Flask's MAX_CONTENT_LENGTH in candor.app); waitress refuses larger ones first.
MAX_REQUEST_BYTES = 64 * 1024 * 1024


def waitress_options() -> dict[str, Any]:
    return {
        "channel_timeout": 60,  # seconds of silence before a connection is closed (waitress: 120)
        "cleanup_interval": 10,  # how often silent connections are looked for (waitress: 30)
        "max_request_header_size": 64 * 1024,  # waitress: 256 KiB
        "max_request_body_size": MAX_REQUEST_BYTES,  # waitress: 1 GiB, buffered to disk before the app refuses
    }
