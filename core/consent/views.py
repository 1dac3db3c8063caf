"""The candidate's side of consent: the notice, decisions, the alternative process, and withdrawal.

Candidates have no account: the candidate page sends its link token in ``Authorization: Candidate <token>``.
The withdrawal page reached from messages takes the token from the query string (never logged; only paths
are) and asks for a confirmation with a CSRF-protected form. Staff read the consents and the gate's
decisions of an interview through ``/api/v1/interviews/<id>/processing``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import select

from candor.auth import Permission, public, requires
from candor.consent.models import ConsentChannel, ConsentRecord, GateDecision
from candor.consent.notice import NoticeError, build_notice
from candor.consent.service import ConsentError, Evidence, granted_purposes, record_decisions, withdraw
from candor.db import utcnow
from candor.declarations import Purpose
from candor.http import json_body
from candor.interviews.links import LinkError, resolve_link
from candor.interviews.models import Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.state import get_state

bp = Blueprint("consent", __name__, template_folder="templates")


#: States only reached through the candidate API after the link opened (``start_answer`` moves to in_progress).
_OPENED = frozenset({InterviewState.IN_PROGRESS, InterviewState.SUBMITTED, InterviewState.ANALYSING,
                     InterviewState.AWAITING_REVIEW, InterviewState.DECIDED})


def _candidate_interview(*, for_withdrawal: bool = False, token: str | None = None) -> Interview:
    header = request.headers.get("Authorization", "")
    token = token or (header.removeprefix("Candidate ").strip() if header.startswith("Candidate ") else "")
    if not token:
        abort(401, "Open the interview from the link in your invitation.")
    state = get_state()
    try:
        interview = resolve_link(state.app_secret, state.db.session, token, for_withdrawal=for_withdrawal)
    except LinkError as exc:
        abort(403 if exc.problem != "expired" else 410, str(exc))
    if not for_withdrawal and interview.state not in _OPENED:
        # The notice lead time: the link opens only after it (withdrawing works at once). An interview with an
        # answer started was opened after it, and the time is set only when the invitation is sent.
        from candor.recruiting.invitations import refusal_before_open

        early = refusal_before_open(state.db.session, interview)
        if early:
            abort(403, early)
    return interview


def _notice_for(interview: Interview, language: str) -> Any:
    session = get_state().db.session
    job = session.get(Job, interview.job_id)
    organization = session.get(Organization, job.organization_id)
    try:
        return build_notice(get_state(), job.location, language, contact=organization.contact_email)
    except NoticeError as exc:
        abort(400, str(exc))


@bp.get("/api/v1/candidate/notice")
@public
def notice() -> Any:
    interview = _candidate_interview()
    return jsonify(_notice_for(interview, request.args.get("lang", "en")).to_dict())


@bp.post("/api/v1/candidate/consent")
@public
def consent() -> Any:
    # Reads, then writes while workers commit: on SQLite hold the write lock from the start.
    get_state().db.lock_for_write(get_state().db.session())
    interview = _candidate_interview()
    body = json_body(request, required={"notice_hash": str, "language": str, "decisions": dict},
                     optional={"alternative_process": bool})
    shown = _notice_for(interview, body["language"])
    if body["notice_hash"] != shown.hash:
        abort(409, "The notice changed since it was shown. Read it again and decide on the new version.")
    state = get_state()
    session = state.db.session
    evidence = Evidence(language=body["language"], channel=ConsentChannel.WEB,
                        user_agent=request.headers.get("User-Agent"), ip_address=request.remote_addr)
    try:
        records = record_decisions(
            session, candidate_id=interview.candidate_id, interview_id=interview.id,
            decisions=body["decisions"], notice_version=shown.version, notice_hash=shown.hash,
            offered=[p.purpose for p in shown.purposes], evidence=evidence, ip_key=state.consent_ip_key)
    except ConsentError as exc:
        abort(422, str(exc))
    if body.get("alternative_process"):
        interview.ai_opt_out = True
        interview.ai_opt_out_at = utcnow()
        from candor import audit

        audit.record(session, "consent.alternative_process", f"candidate:{interview.candidate_id}",
                     purpose=Purpose.AI_EVALUATION.value, details={"interview": interview.id})
    session.commit()
    return jsonify({"recorded": [{"purpose": r.purpose, "granted": r.granted} for r in records],
                    "granted": sorted(granted_purposes(session, interview.candidate_id)),
                    "alternative_process": interview.ai_opt_out}), 201


@bp.post("/api/v1/candidate/withdraw")
@public
def withdraw_api() -> Any:
    interview = _candidate_interview(for_withdrawal=True)
    body = json_body(request, required={}, optional={"purposes": list})
    return jsonify(_withdraw(interview, body.get("purposes"), ConsentChannel.WEB))


def _withdraw(interview: Interview, purposes: list[str] | None, channel: ConsentChannel) -> dict[str, Any]:
    session = get_state().db.session
    try:
        result = withdraw(session, candidate_id=interview.candidate_id, purposes=purposes, channel=channel)
    except ValueError:
        abort(400, "Name purposes from the notice, or none to withdraw every consent.")
    session.commit()
    return {"withdrawn": [p.value for p in result.purposes], "stopped_work": result.cancelled_work}


@bp.route("/candidate/withdraw", methods=["GET", "POST"])
@public
def withdraw_page() -> Any:
    token = request.args.get("t", "")
    interview = _candidate_interview(for_withdrawal=True, token=token)
    language = "zh-CN" if request.accept_languages.best_match(["en", "zh"]) == "zh" else "en"
    if request.method == "POST":
        result = _withdraw(interview, None, ConsentChannel.EMAIL)
        return render_template("consent/withdrawn.html", result=result, language=language)
    granted = sorted(granted_purposes(get_state().db.session, interview.candidate_id))
    return render_template("consent/withdraw.html", granted=granted, language=language)


@bp.get("/api/v1/interviews/<int:interview_id>/processing")
@requires(Permission.CANDIDATES_READ)
def processing(interview_id: int) -> Any:
    """What the candidate agreed to and what the gate allowed or refused, with reasons."""
    session = get_state().db.session
    interview = session.get(Interview, interview_id)
    if interview is None:
        abort(404)
    consents = session.scalars(select(ConsentRecord).where(ConsentRecord.candidate_id == interview.candidate_id)
                               .order_by(ConsentRecord.id)).all()
    decisions = session.scalars(select(GateDecision).where(GateDecision.interview_id == interview_id)
                                .order_by(GateDecision.id)).all()
    return jsonify({
        "interview": interview_id,
        "ai_opt_out": interview.ai_opt_out,
        "consents": [{"purpose": c.purpose, "granted": c.granted, "notice_version": c.notice_version,
                      "notice_hash": c.notice_hash, "at": c.created_at.isoformat(), "channel": c.channel,
                      "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None} for c in consents],
        "gate": [{"plugin": d.plugin, "purpose": d.purpose, "allowed": d.allowed, "reasons": d.reasons,
                  "at": d.at.isoformat()} for d in decisions],
    })

