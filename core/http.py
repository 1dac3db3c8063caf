"""Small helpers for JSON APIs: validated request bodies and uniform error responses.

Error bodies say what was wrong and what to do, and never carry personal data or stack traces.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, Request, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

log = logging.getLogger("candor.http")
#: The largest primary key of the core's tables (PostgreSQL ``integer``).
MAX_ROW_ID = 2**31 - 1


def json_body(
    req: Request, *, required: Mapping[str, type], optional: Mapping[str, type] | None = None
) -> dict[str, Any]:
    """The request's JSON object with its fields checked by name and type; 400 with the reason otherwise."""
    data = req.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "The body must be a JSON object (Content-Type: application/json).")
    fields = {**required, **(optional or {})}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        abort(400, f"Unknown field(s): {', '.join(unknown)}. Expected: {', '.join(sorted(fields))}.")
    for name, kind in fields.items():
        if name not in data:
            if name in required:
                abort(400, f"Field {name!r} is required.")
            continue
        value = data[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            abort(400, f"Field {name!r} must be a {kind.__name__}.")
    return data


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in routes: an id no database row can have (beyond a 32-bit key) is simply not found (404),
    where the database driver would fail on it (SQLite's OverflowError, PostgreSQL's integer out of range)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's argument name
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any blueprint adds its rules

    @app.before_request
    def _request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; frame-ancestors 'none'",
        )
        # Query strings can carry tokens; only the path is logged.
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"request_id": g.get("request_id")})
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if not request.path.startswith("/api/") and error.code not in (400, 401, 403, 404, 405, 413, 422):
            return error
        body = {"error": (error.name or "error").lower().replace(" ", "_"),
                "message": error.description or error.name, "request_id": g.get("request_id")}
        response = jsonify(body)
        response.status_code = error.code or 500
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unhandled %s on %s %s", type(error).__name__, request.method, request.path)
        response = jsonify({
            "error": "internal_error",
            "message": "Something went wrong on our side. Quote the request id to your administrator.",
            "request_id": g.get("request_id"),
        })
        response.status_code = 500
        return response
