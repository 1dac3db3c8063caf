"""``GET /api/v1/records/ropa``: the record of processing and DPIA / PIPIA draft, for administrators and
auditors, as JSON (default), Markdown (``?format=md``) or HTML (``?format=html``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from candor.auth import Permission, requires
from candor.records.render import render
from candor.records.store import current, versions
from candor.state import get_state

bp = Blueprint("records", __name__)
MIMETYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


@bp.get("/api/v1/records/ropa")
@requires(Permission.RECORDS_READ)
def ropa() -> Any:
    fmt = request.args.get("format", "json")
    if fmt not in MIMETYPES:
        abort(400, "format must be json, md or html.")
    record, version, new = current(get_state())
    response = Response(render(record, fmt), mimetype=MIMETYPES[fmt])
    response.headers["X-Records-Version"] = str(version)
    response.headers["X-Records-Fingerprint"] = record["fingerprint"]
    response.headers["X-Records-New-Version"] = "1" if new else "0"
    return response


@bp.get("/api/v1/records/versions")
@requires(Permission.RECORDS_READ)
def record_versions() -> Any:
    return jsonify({"versions": versions(get_state())})
