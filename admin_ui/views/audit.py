"""The audit log (search, the chain's verification, the signed export for auditors, checking a bundle) and
the consent log (consent records and the purpose gate's decisions). Entries hold ids, never personal data.

The export is the auditors' HTTP export (``GET /api/v1/audit/export``, ``audit:export``): the form here only
builds its query. Verification reuses ``candor.audit.live.verify_database`` and ``candor.audit.verify``.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from candor import audit
from candor.audit.chain import OUTCOMES
from candor.audit.export import EXPORT_KINDS
from candor.audit.live import verify_database
from candor.audit.models import AuditCheckpoint, AuditEntry
from candor.audit.verify import VerificationError, verify_bundle
from candor.audit.views import parse_time
from candor.auth import Permission, requires
from candor.consent.models import ConsentRecord, GateDecision
from candor.state import get_state
from candor_admin.blueprint import bp
from candor_admin.paging import paginate
from candor_admin.writes import writing_session

MAX_BUNDLE_BYTES = 512 * 1024 * 1024


def _time_arg(name: str) -> Any:
    try:
        return parse_time(request.args.get(name), name)
    except ValueError as exc:
        abort(400, str(exc))


@bp.get("/audit")
@requires(Permission.AUDIT_READ)
def audit_log() -> Any:
    session = get_state().db.session
    query = select(AuditEntry)
    filters = {name: (request.args.get(name) or "").strip() for name in ("action", "subject", "actor", "outcome")}
    if filters["action"]:
        # "access." finds every access entry; a full name finds that action only.
        query = query.where(AuditEntry.action.startswith(filters["action"], autoescape=True)
                            if filters["action"].endswith(".") else AuditEntry.action == filters["action"])
    if filters["subject"]:
        query = query.where(AuditEntry.subject == filters["subject"])
    if filters["actor"]:
        query = query.where(AuditEntry.actor == filters["actor"])
    if filters["outcome"]:
        if filters["outcome"] not in OUTCOMES:
            abort(400, _("Outcome must be one of: %(list)s.", list=", ".join(OUTCOMES)))
        query = query.where(AuditEntry.outcome == filters["outcome"])
    since, until = _time_arg("since"), _time_arg("until")
    if since:
        query = query.where(AuditEntry.recorded_at >= since)
    if until:
        query = query.where(AuditEntry.recorded_at < (until + timedelta(days=1) if len(request.args["until"]) == 10
                                                      else until))
    page = paginate(session, query.order_by(AuditEntry.seq.desc()), size=50)
    checkpoint = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    return render_template("admin/audit.html", page=page, filters=filters, since=request.args.get("since", ""),
                           until=request.args.get("until", ""), outcomes=OUTCOMES, kinds=EXPORT_KINDS,
                           checkpoint=checkpoint, verification=None, bundle=None)


@bp.post("/audit/verify")
@requires(Permission.AUDIT_READ)
def audit_verify() -> Any:
    """Recompute the live chain now (a POST: it reads the whole log, so a link or a crawler must not start it)."""
    state = get_state()
    report = verify_database(state)
    session = writing_session()
    audit.record(session, "audit.verify_chain", "audit:chain", purpose="audit",
                 outcome="success" if report.ok else "failure", details={"head_seq": report.head_seq})
    session.commit()
    return render_template("admin/audit_verified.html", verification=report, bundle=None, bundle_error=None), \
        (200 if report.ok else 409)


@bp.post("/audit/verify-bundle")
@requires(Permission.AUDIT_READ)
def audit_verify_bundle() -> Any:
    """Check an exported bundle someone hands over, with nothing but its own contents."""
    upload = request.files.get("bundle")
    if upload is None or not upload.filename:
        abort(400, _("Choose the bundle file (a .zip from the export) to check."))
    with tempfile.NamedTemporaryFile(suffix=".zip") as spool:
        upload.save(spool)
        spool.flush()
        try:
            report, error = verify_bundle(spool.name), None
        except VerificationError as exc:
            report, error = None, str(exc).replace(spool.name, _("the bundle"))
    return render_template("admin/audit_verified.html", verification=None, bundle=report, bundle_error=error), \
        (200 if error is None else 422)


@bp.get("/consent")
@requires(Permission.AUDIT_READ)
def consent_log() -> Any:
    session = get_state().db.session
    view = request.args.get("view", "records")
    if view not in ("records", "gate"):
        abort(400, _("Choose the consent records or the gate's decisions."))
    raw = (request.args.get("candidate") or "").strip()
    if raw and not raw.isdigit():
        abort(400, _("The candidate is given by number (its id), e.g. 42."))
    purpose = (request.args.get("purpose") or "").strip()
    if view == "records":
        query = select(ConsentRecord)
        if raw:
            query = query.where(ConsentRecord.candidate_id == int(raw))
        if purpose:
            query = query.where(ConsentRecord.purpose == purpose)
        page = paginate(session, query.order_by(ConsentRecord.id.desc()), size=50)
    else:
        query = select(GateDecision)
        if raw:
            query = query.where(GateDecision.candidate_id == int(raw))
        if purpose:
            query = query.where(GateDecision.purpose == purpose)
        page = paginate(session, query.order_by(GateDecision.id.desc()), size=50)
    return render_template("admin/consent.html", page=page, view=view, candidate=raw, purpose=purpose)
