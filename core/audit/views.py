"""``GET /api/v1/audit/export`` (auditors: the bundle, streamed) and ``GET /api/v1/audit/verify`` (the live
chain's status)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from flask import Blueprint, Response, abort, jsonify, request

from candor.audit.export import EXPORT_KINDS, ExportFilter, export_bundle
from candor.audit.live import verify_database
from candor.auth import Permission, requires
from candor.state import get_state

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1/audit")
_CHUNK = 256 * 1024


def parse_time(value: str | None, name: str) -> datetime | None:
    """ISO 8601 date or date-time; without a zone it is taken as UTC."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} {value!r} is not an ISO 8601 date or time, e.g. 2026-01-31 or "
                         "2026-01-31T12:00:00Z.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/export")
@requires(Permission.AUDIT_EXPORT)
def export() -> Any:
    try:
        wanted = ExportFilter(since=parse_time(request.args.get("since"), "since"),
                              until=parse_time(request.args.get("until"), "until"),
                              kind=request.args.get("kind", "all"))
    except ValueError as exc:
        abort(400, f"{exc} Parameters: since, until, kind ({'|'.join(EXPORT_KINDS)}).")
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the streaming generator
    try:
        summary = export_bundle(get_state(), spool, wanted)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    name = f"candor-audit-{summary.first_seq}-{summary.last_seq}.zip"
    return Response(_stream(spool), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Audit-Head-Seq": str(summary.last_seq)})


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(_CHUNK):
            yield chunk


@bp.get("/verify")
@requires(Permission.AUDIT_READ)
def verify() -> Any:
    report = verify_database(get_state())
    return jsonify(report.to_dict()), (200 if report.ok else 409)
