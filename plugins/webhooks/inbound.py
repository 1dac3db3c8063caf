"""``POST /plugins/webhooks/inbound``: new jobs and applicants pushed by an HR system, signed per Standard
Webhooks.

Checks, in order: inbound secrets configured (503), the three headers (401), a fresh timestamp (400, at most
five minutes off), a signature matching one of the secrets (401), a ``webhook-id`` never seen before (409:
replays are refused), a known event type with its required fields (422). An accepted message is stored (its
payload sealed in the vault) with a unit of work in one transaction and answered 202; the work hands it to
``candor.recruiting`` (``upsert_job``, ``intake_applicant``) when that package is installed, and otherwise
leaves it stored for later, so nothing is lost. The same applicant twice yields one candidate (intake finds it
again by its external id).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from candor.auth import public, signed_requests
from candor.db import utcnow
from candor.outbox.models import InboundMessage, InboundState
from candor.state import get_state
from candor.tasks import enqueue
from candor_plugins.webhooks.signing import InboundRefused, parse_secrets, verify_inbound

SOURCE = "webhooks"
PROCESS_KIND = "webhooks.process_inbound"
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "job.created": ("external_ref", "title", "location"),
    "applicant.created": ("external_ref", "job_ref", "full_name", "email"),
}
OPTIONAL: Mapping[str, tuple[str, ...]] = {
    "job.created": ("description", "requirements", "language"),
    "applicant.created": ("phone", "language", "application_ref"),
}


def make_blueprint(settings: Mapping[str, Any]) -> Blueprint:
    bp = Blueprint("inbound", __name__, url_prefix="/plugins/webhooks")
    secrets = parse_secrets(settings.get("inbound_secrets") or settings.get("secrets"))

    @bp.post("/inbound")
    @public  # no staff session: the Standard Webhooks signature is the sender's credential
    @signed_requests
    def inbound() -> Any:
        try:
            if not secrets:
                raise InboundRefused(503, "not_configured",
                                     "Inbound webhooks are not configured here; the administrator sets "
                                     "plugin_settings.webhooks.inbound_secrets.")
            body = request.get_data(cache=False)
            message = verify_inbound(secrets, body, request.headers)
            event_type, data = _validated(message)
            stored = _store(request.headers["webhook-id"], event_type, data)
        except InboundRefused as refused:
            return jsonify({"error": refused.code, "message": str(refused)}), refused.status
        return jsonify({"received": stored, "status": "accepted"}), 202

    return bp


def _validated(message: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(message, dict) or not isinstance(message.get("data"), dict):
        raise InboundRefused(422, "malformed", "The body must be {\"type\": ..., \"timestamp\": ..., "
                                               "\"data\": {...}}.")
    event_type = message.get("type")
    if event_type not in REQUIRED:
        raise InboundRefused(422, "unknown_type", f"Event type {str(event_type)[:40]!r} is not accepted; "
                                                  f"send one of {', '.join(REQUIRED)}.")
    data = message["data"]
    missing = [name for name in REQUIRED[event_type] if not str(data.get(name) or "").strip()]
    if missing:
        raise InboundRefused(422, "missing_fields", f"{event_type}: data lacks {', '.join(missing)}.")
    allowed = set(REQUIRED[event_type]) | set(OPTIONAL[event_type])
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InboundRefused(422, "unknown_fields", f"{event_type}: unknown field(s) "
                                                    f"{', '.join(name[:40] for name in unknown[:10])}; "
                                                    f"accepted: {', '.join(sorted(allowed))}.")
    return event_type, {name: str(data[name]).strip() for name in allowed if data.get(name) is not None}


def _store(message_id: str, event_type: str, data: Mapping[str, Any]) -> int:
    state = get_state()
    message_id = message_id[:200]
    try:
        with state.db.transaction(immediate=True) as session:
            seen = session.scalar(select(InboundMessage.id).where(InboundMessage.source == SOURCE,
                                                                  InboundMessage.message_id == message_id))
            if seen is not None:
                raise InboundRefused(409, "replayed", "This webhook-id was already received; a message is "
                                                      "accepted once. Send new events with a new webhook-id.")
            row = InboundMessage(source=SOURCE, message_id=message_id, event_type=event_type,
                                 state=InboundState.RECEIVED)
            row.payload = json.dumps(dict(data), ensure_ascii=False)
            session.add(row)
            session.flush()
            enqueue(session, PROCESS_KIND, {"inbound_id": row.id}, dedupe_key=f"{PROCESS_KIND}:{row.id}")
            return row.id
    except IntegrityError:  # the same id arrived twice at once; the other request stored it
        raise InboundRefused(409, "replayed", "This webhook-id was already received.") from None


def process_inbound(context: Any, organization_id: int) -> dict[str, Any]:
    """Work handler: turn a stored message into a job or an applicant through ``candor.recruiting``."""
    session = context.session
    state = session.info["candor.state"]
    row = session.get(InboundMessage, int(context.payload["inbound_id"]))
    if row is None or row.state != InboundState.RECEIVED:
        return {"outcome": "nothing to do"}
    if importlib.util.find_spec("candor.recruiting") is None:
        return {"outcome": "stored", "reason": "candor.recruiting is not installed; kept for later"}
    from candor.jobs.models import Job
    from candor.recruiting.intake import IntakeError, intake_applicant, upsert_job

    data = json.loads(row.payload or "{}")
    try:
        if row.event_type == "job.created":
            job = upsert_job(session, organization_id=organization_id, external_ref=data["external_ref"],
                             title=data["title"], description=data.get("description", ""),
                             requirements=data.get("requirements", ""), location=data["location"],
                             language=data.get("language", "en"))
            result: dict[str, Any] = {"job_id": job.id}
        else:
            job_id = session.scalar(select(Job.id).where(Job.organization_id == organization_id,
                                                         Job.external_ref == data["job_ref"]))
            if job_id is None:  # the job's own webhook may still be on its way: the work queue retries
                raise LookupError(f"no job with external_ref {data['job_ref'][:60]!r} yet")
            interview = intake_applicant(state, session, job_id=job_id, external_ref=data["external_ref"],
                                         full_name=data["full_name"], email=data["email"],
                                         phone=data.get("phone"), language=data.get("language", "en"),
                                         source=SOURCE, application_ref=data.get("application_ref"))
            result = {"interview_id": interview.id, "candidate_id": interview.candidate_id}
    except IntakeError as exc:  # the data itself is wrong: retrying cannot help
        row.state = InboundState.FAILED
        row.last_error = str(exc)[:500]
        row.processed_at = utcnow()
        return {"outcome": "failed"}
    row.state = InboundState.PROCESSED
    row.result = result
    row.payload = None  # the candidate's own record holds the data now
    row.processed_at = utcnow()
    return {"outcome": "processed", **result}
