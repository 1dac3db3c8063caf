"""The HTTP side of data-subject requests.

Staff (``dsar:manage``: administrators and recruiters) use ``/api/v1/dsar``: list (with the overdue flag),
show, create, send a code, verify it, attest identity (administrators only), run and reject. Candidates make
requests with ``POST /api/v1/candidate/requests``, authenticated by their interview link in
``Authorization: Candidate <token>`` as the consent API is; the link only reached their inbox, so the
request's identity counts as verified. Exports are fetched with ``GET /api/v1/dsar/download?t=<token>``: the
token rides in the query string, which is never logged, and the link works a few times before it expires.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from sqlalchemy import select

from candor.auth import Permission, current_identity, public, requires
from candor.auth.models import Role
from candor.dsar.actions import RECTIFIABLE, run_request
from candor.dsar.export import download_url, open_download, stream_export
from candor.dsar.models import OPEN_STATUSES, DataSubjectRequest, IdentityMethod, RequestStatus, RequestType
from candor.dsar.service import (
    DsarError,
    attest,
    check_code,
    create_request,
    overdue,
    reject,
    send_code,
    summary,
)
from candor.http import json_body
from candor.interviews.links import LinkError, resolve_link
from candor.interviews.models import Candidate
from candor.state import get_state

bp = Blueprint("dsar_api", __name__)
KINDS = ", ".join(k.value for k in RequestType)


def _actor() -> str:
    identity = current_identity()
    assert identity is not None  # guarded by requires()
    return identity.actor


def _kind(value: str) -> RequestType:
    try:
        return RequestType(value)
    except ValueError:
        abort(400, f"Unknown request kind {value!r}; use one of: {KINDS}.")


def _change(request_id: int, change: Any) -> Any:
    """Apply ``change(state, session, dsar)`` to a request in one write transaction; its JSON after."""
    state = get_state()
    try:
        with state.db.transaction(immediate=True) as session:
            dsar = session.get(DataSubjectRequest, request_id)
            if dsar is None:
                abort(404, f"No data-subject request with id {request_id}.")
            outcome = change(state, session, dsar)
            return {**summary(dsar), **(outcome or {})}
    except DsarError as exc:
        abort(422, str(exc))


@bp.get("/api/v1/dsar")
@requires(Permission.DSAR_MANAGE)
def list_requests() -> Any:
    """Open requests due first; ``?overdue=1`` only the late ones, ``?status=all`` also closed ones."""
    wanted = request.args.get("status", "open")
    statuses = {"open": [s.value for s in OPEN_STATUSES], "all": [s.value for s in RequestStatus]}
    statuses.update({s.value: [s.value] for s in RequestStatus})
    if wanted not in statuses:
        abort(400, f"status must be one of: {', '.join(statuses)}.")
    with get_state().db.transaction() as session:
        if request.args.get("overdue") in ("1", "true", "yes"):
            rows = overdue(session)
        else:
            rows = list(session.scalars(
                select(DataSubjectRequest).where(DataSubjectRequest.status.in_(statuses[wanted]))
                .order_by(DataSubjectRequest.due_at, DataSubjectRequest.id)))
        items = [summary(r) for r in rows]
    return jsonify({"requests": items, "overdue": sum(1 for item in items if item["overdue"])})


@bp.get("/api/v1/dsar/<int:request_id>")
@requires(Permission.DSAR_MANAGE)
def show(request_id: int) -> Any:
    with get_state().db.transaction() as session:
        dsar = session.get(DataSubjectRequest, request_id)
        if dsar is None:
            abort(404, f"No data-subject request with id {request_id}.")
        return jsonify(summary(dsar))


@bp.post("/api/v1/dsar")
@requires(Permission.DSAR_MANAGE)
def create() -> Any:
    """Record a request received by staff; its identity must then be checked (code or attestation)."""
    body = json_body(request, required={"candidate_id": int, "kind": str}, optional={"fields": list})
    kind = _kind(body["kind"])
    details = _fields_asked(kind, body.get("fields"))
    state = get_state()
    try:
        with state.db.transaction(immediate=True) as session:
            if session.get(Candidate, body["candidate_id"]) is None:
                abort(404, f"No candidate with id {body['candidate_id']}.")
            dsar = create_request(state, session, body["candidate_id"], kind, channel="staff",
                                  details=details)
            return jsonify(summary(dsar)), 201
    except DsarError as exc:
        abort(422, str(exc))


def _fields_asked(kind: RequestType, fields: list[Any] | None) -> dict[str, Any]:
    """For rectification, the names (never the values) of the fields the requester says are wrong."""
    if fields is None:
        return {}
    if kind != RequestType.RECTIFICATION:
        abort(400, "Field 'fields' only applies to rectification requests.")
    if not all(isinstance(f, str) and f in RECTIFIABLE for f in fields):
        abort(400, f"Field 'fields' lists field names among: {', '.join(RECTIFIABLE)}.")
    return {"fields": sorted(set(fields))}


@bp.post("/api/v1/dsar/<int:request_id>/send-code")
@requires(Permission.DSAR_MANAGE)
def send_code_view(request_id: int) -> Any:
    """E-mail a one-time code to the address on file."""
    return jsonify(_change(request_id, lambda state, session, dsar: send_code(state, session, dsar)))


@bp.post("/api/v1/dsar/<int:request_id>/verify")
@requires(Permission.DSAR_MANAGE)
def verify(request_id: int) -> Any:
    """Check the code the requester read back; ``verified`` says whether it matched."""
    body = json_body(request, required={"code": str})
    def check(state: Any, session: Any, dsar: DataSubjectRequest) -> dict[str, bool]:
        return {"verified": check_code(state, session, dsar, body["code"])}

    result = _change(request_id, check)  # a wrong code is counted (committed) before the 422
    return jsonify(result), (200 if result["verified"] else 422)


@bp.post("/api/v1/dsar/<int:request_id>/attest")
@requires(Permission.DSAR_MANAGE)
def attest_view(request_id: int) -> Any:
    """An administrator attests having checked identity, saying how (``evidence``)."""
    identity = current_identity()
    if identity is None or identity.role != Role.ADMIN:
        abort(403, "Only an administrator may attest a requester's identity.")
    body = json_body(request, required={"evidence": str})
    return jsonify(_change(request_id, lambda _state, session, dsar: attest(
        session, dsar, actor=identity.actor, role="admin", evidence=body["evidence"])))


@bp.post("/api/v1/dsar/<int:request_id>/run")
@requires(Permission.DSAR_MANAGE)
def run(request_id: int) -> Any:
    """Carry out a verified request. Exports answer with the download link to give the requester, once."""
    body = json_body(request, required={}, optional={"changes": dict}) if request.content_length else {}
    state = get_state()
    with state.db.transaction() as session:
        if session.get(DataSubjectRequest, request_id) is None:
            abort(404, f"No data-subject request with id {request_id}.")
    try:
        result = run_request(state, request_id, handler=_actor(), changes=body.get("changes"))
    except DsarError as exc:
        abort(422, str(exc))
    token = result.pop("token", None)
    if token:
        result["download_url"] = download_url(state, token)
    return jsonify({"request": request_id, "status": RequestStatus.COMPLETED.value, "result": result})


@bp.post("/api/v1/dsar/<int:request_id>/reject")
@requires(Permission.DSAR_MANAGE)
def reject_view(request_id: int) -> Any:
    """Refuse a request with a reason (no personal data); the requester must be told why."""
    body = json_body(request, required={"reason": str})
    if not body["reason"].strip():
        abort(400, "Field 'reason' must say why the request is refused.")
    actor = _actor()
    return jsonify(_change(request_id, lambda _state, session, dsar: reject(
        session, dsar, handler=actor, reason=body["reason"].strip())))


@bp.post("/api/v1/candidate/requests")
@public
def candidate_request() -> Any:
    """A candidate asks about their own data through their interview link."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Candidate ").strip() if header.startswith("Candidate ") else ""
    if not token:
        abort(401, "Open this page from the link in your invitation.")
    body = json_body(request, required={"kind": str}, optional={"fields": list})
    kind = _kind(body["kind"])
    details = _fields_asked(kind, body.get("fields"))
    state = get_state()
    try:
        with state.db.transaction(immediate=True) as session:
            try:  # as for withdrawal, rights outlive the interview's own deadline
                interview = resolve_link(state.app_secret, session, token, for_withdrawal=True)
            except LinkError as exc:
                abort(403, str(exc))
            dsar = create_request(state, session, interview.candidate_id, kind,
                                  channel=IdentityMethod.CANDIDATE_LINK.value, details=details)
            return jsonify({"id": dsar.id, "kind": dsar.kind, "status": dsar.status,
                            "received_at": dsar.received_at.isoformat(), "due_at": dsar.due_at.isoformat(),
                            "message": "We received your request and will answer by the date shown."}), 201
    except DsarError as exc:
        abort(422, str(exc))


@bp.get("/api/v1/dsar/download")
@public
def download() -> Any:
    """The export behind a link: streamed, each use counted; refused once expired or used up."""
    token = request.args.get("t", "")
    if not token:
        abort(400, "The link is incomplete: it must end with ?t=... Copy the whole link from the message.")
    state = get_state()
    problem: DsarError | None = None
    # The transaction commits even when the link is refused, so that the refusal stays in the audit log.
    with state.db.transaction(immediate=True) as session:
        try:
            package, candidate = open_download(state, session, token)
            chunks = stream_export(state, candidate, package)
            first = next(chunks, b"")  # decrypts with the subject's key while its rows are loaded
            name, size = f"candor-export-{package.id}.zip", package.size_bytes
        except DsarError as exc:
            problem = exc
    if problem is not None:
        abort(403 if "not valid" in str(problem) else 410, str(problem))
    return Response(_stream(chain([first], chunks)), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store", "X-Export-Size": str(size)})


def _stream(chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield from chunks
