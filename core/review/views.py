"""The review API: the queue, one interview as a reviewer sees it, ratings, decisions, answer videos,
reviewer assignment, "blind first", the stop button and candidates' requests for human review.

Videos play only for a reviewer assigned to the interview (Illinois AIVI Act §10: shared only with persons
whose expertise is necessary to evaluate the candidate); administrators and auditors never see them. Every
playback, and every refused attempt, is in the audit log.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, stream_with_context
from sqlalchemy import select

from candor import audit
from candor.auth import Permission, current_identity, public, requires
from candor.auth.access import Identity
from candor.auth.models import Role, User
from candor.db import utcnow
from candor.http import json_body
from candor.interviews.links import LinkError, resolve_link
from candor.interviews.models import Answer, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.review import service
from candor.review.detail import interview_view
from candor.review.models import ReviewAssignment, ReviewRequest, Suspension
from candor.review.suspensions import SuspensionError, lift, suspend
from candor.state import get_state
from candor.vault.media import iter_media

bp = Blueprint("review", __name__)


def _identity() -> Identity:
    identity = current_identity()
    assert identity is not None  # @requires ran first
    return identity


def _get(model: type, item_id: int) -> Any:
    found = get_state().db.session.get(model, item_id)
    if found is None:
        abort(404, f"No {model.__name__.lower()} {item_id}.")
    return found


def _fail(exc: service.ReviewError | SuspensionError) -> Any:
    abort(getattr(exc, "status", 422), str(exc))


@bp.get("/api/v1/review/queue")
@requires(Permission.INTERVIEWS_REVIEW)
def queue() -> Any:
    """Interviews awaiting review, oldest first; ``?mine=1`` for those assigned to the caller."""
    session = get_state().db.session
    me = _identity().user_id
    query = select(Interview).where(Interview.state == InterviewState.AWAITING_REVIEW)
    if request.args.get("mine") == "1":
        query = query.join(ReviewAssignment, ReviewAssignment.interview_id == Interview.id).where(
            ReviewAssignment.reviewer_id == me
        )
    interviews = session.scalars(query.order_by(Interview.state_changed_at, Interview.id)).all()
    ids = [i.id for i in interviews]
    assigned = set(
        session.scalars(
            select(ReviewAssignment.interview_id).where(
                ReviewAssignment.interview_id.in_(ids), ReviewAssignment.reviewer_id == me
            )
        )
    )
    deadlines = dict(
        session.execute(
            select(ReviewRequest.interview_id, ReviewRequest.deadline).where(
                ReviewRequest.interview_id.in_(ids), ReviewRequest.resolved_at.is_(None)
            )
        ).all()
    )
    now = utcnow()
    return jsonify(
        {
            "interviews": [
                {
                    "id": i.id,
                    "job": i.job_id,
                    "waiting_since": i.state_changed_at.isoformat(),
                    "assigned_to_you": i.id in assigned,
                    "ai_opt_out": i.ai_opt_out,
                    "requested_review_by": deadlines[i.id].isoformat() if i.id in deadlines else None,
                    "overdue": i.id in deadlines and deadlines[i.id] < now,
                }
                for i in interviews
            ]
        }
    )


@bp.post("/api/v1/review/interviews/<int:interview_id>/assignments")
@requires(Permission.JOBS_WRITE)
def assign(interview_id: int) -> Any:
    body = json_body(request, required={"reviewer": int})
    session = get_state().db.session
    interview = _get(Interview, interview_id)
    reviewer = session.get(User, body["reviewer"])
    if reviewer is None or not reviewer.active or reviewer.role != Role.REVIEWER:
        abort(422, "'reviewer' must be the id of an active user with the reviewer role.")
    if not service.is_assigned(session, interview.id, reviewer.id):
        session.add(
            ReviewAssignment(
                interview_id=interview.id, reviewer_id=reviewer.id, assigned_by=_identity().actor
            )
        )
        audit.record(
            session,
            "admin.assign_reviewer",
            f"candidate:{interview.candidate_id}",
            purpose="recruitment",
            details={"interview": interview.id, "reviewer": reviewer.id},
        )
        session.commit()
    return jsonify({"interview": interview.id, "reviewer": reviewer.id}), 201


@bp.get("/api/v1/review/interviews/<int:interview_id>")
@requires(Permission.INTERVIEWS_REVIEW)
def interview_detail(interview_id: int) -> Any:
    """``?transcript=full`` needs ``transcripts:full`` and an assignment; the redacted form otherwise."""
    state = get_state()
    session = state.db.session
    interview = _get(Interview, interview_id)
    identity = _identity()
    full = request.args.get("transcript") == "full"
    if full and not (
        identity.can(Permission.TRANSCRIPTS_FULL)
        and service.is_assigned(session, interview.id, identity.user_id)
    ):
        abort(
            403,
            "The full transcript is for reviewers assigned to this interview; the redacted one is shown "
            "without '?transcript=full'.",
        )
    view = interview_view(state, session, interview, user_id=identity.user_id, full_transcript=full)
    session.commit()  # the audit entries of what was read
    return jsonify(view)


@bp.post("/api/v1/review/interviews/<int:interview_id>/rating")
@requires(Permission.INTERVIEWS_REVIEW)
def rating(interview_id: int) -> Any:
    body = json_body(request, required={"outcome": str}, optional={"scores": dict, "notes": str})
    session = get_state().db.session
    interview = _get(Interview, interview_id)
    try:
        made = service.rate(
            session,
            interview,
            _get(Job, interview.job_id),
            user_id=_identity().user_id,
            outcome=body["outcome"],
            scores=body.get("scores", {}),
            notes=body.get("notes", ""),
        )
    except service.ReviewError as exc:
        _fail(exc)
    session.commit()
    return jsonify({"rating": made.id, "ai_seen": made.ai_seen}), 201


@bp.post("/api/v1/review/interviews/<int:interview_id>/decision")
@requires(Permission.INTERVIEWS_REVIEW)
def decision(interview_id: int) -> Any:
    body = json_body(request, required={"outcome": str, "reason": str}, optional={"override_reason": str})
    session = get_state().db.session
    interview = _get(Interview, interview_id)
    identity = _identity()
    try:
        made = service.decide(
            session,
            interview,
            _get(Job, interview.job_id),
            user_id=identity.user_id,
            actor=identity.actor,
            given=service.DecisionInput(body["outcome"], body["reason"], body.get("override_reason", "")),
        )
    except service.ReviewError as exc:
        _fail(exc)
    session.commit()
    return jsonify(
        {
            "decision": made.id,
            "outcome": made.outcome,
            "overrides_ai": made.overrides_ai,
            "state": interview.state,
        }
    ), 201


@bp.get("/api/v1/review/answers/<int:answer_id>/media")
@requires()
def answer_media(answer_id: int) -> Any:
    """The decrypted answer video, streamed, for an assigned reviewer only; refusals are audited too."""
    state = get_state()
    session = state.db.session
    answer = _get(Answer, answer_id)
    interview = _get(Interview, answer.interview_id)
    identity = _identity()
    subject = f"candidate:{interview.candidate_id}"
    details = {"interview": interview.id, "answer": answer.id}
    if not identity.can(Permission.MEDIA_VIEW) or not service.is_assigned(
        session, interview.id, identity.user_id
    ):
        audit.record(
            session, "access.media_view", subject, purpose="recruitment", outcome="denied", details=details
        )
        session.commit()
        abort(403, "Only a reviewer assigned to this interview may play its videos.")
    if answer.media_key is None or not state.storage.exists(answer.media_key):
        abort(404, "This answer has no stored video.")
    from candor.interviews.models import Candidate

    candidate = session.get(Candidate, interview.candidate_id)
    media_subject = candidate.subject
    audit.record(session, "access.media_view", subject, purpose="recruitment", details=details)
    session.commit()
    chunks = iter_media(state, media_subject, answer.media_key)
    kind = mimetypes.guess_type(answer.media_key)[0] or "application/octet-stream"
    response = Response(stream_with_context(chunks), mimetype=kind)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.put("/api/v1/jobs/<int:job_id>/review-settings")
@requires(Permission.JOBS_WRITE)
def job_review_settings(job_id: int) -> Any:
    body = json_body(request, required={"blind_first": bool})
    job = _get(Job, job_id)
    session = get_state().db.session
    service.set_blind_first(
        session,
        organization_id=job.organization_id,
        job_id=job.id,
        value=body["blind_first"],
        actor=_identity().actor,
    )
    session.commit()
    return jsonify({"job": job.id, "blind_first": service.blind_first(session, job)})


@bp.put("/api/v1/organizations/<int:organization_id>/review-settings")
@requires(Permission.JOBS_WRITE)
def organization_review_settings(organization_id: int) -> Any:
    body = json_body(request, required={"blind_first": bool})
    organization = _get(Organization, organization_id)
    session = get_state().db.session
    service.set_blind_first(
        session,
        organization_id=organization.id,
        job_id=None,
        value=body["blind_first"],
        actor=_identity().actor,
    )
    session.commit()
    return jsonify({"organization": organization.id, "blind_first": body["blind_first"]})


def _suspend(job: Job | None, organization_id: int) -> Any:
    body = json_body(request, required={"reason": str}, optional={"plugin": str})
    state = get_state()
    session = state.db.session
    try:
        made = suspend(
            state,
            session,
            job=job,
            organization_id=organization_id,
            plugin=body.get("plugin"),
            reason=body["reason"],
            actor=_identity().actor,
        )
    except SuspensionError as exc:
        _fail(exc)
    session.commit()
    return jsonify(made.to_dict()), 201


@bp.post("/api/v1/jobs/<int:job_id>/suspensions")
@requires(Permission.AI_SUSPEND)
def suspend_for_job(job_id: int) -> Any:
    """Stop one analyzer (``plugin``) or, without it, all AI evaluation for the job, at once."""
    job = _get(Job, job_id)
    return _suspend(job, job.organization_id)


@bp.post("/api/v1/organizations/<int:organization_id>/suspensions")
@requires(Permission.AI_SUSPEND)
def suspend_for_organization(organization_id: int) -> Any:
    return _suspend(None, _get(Organization, organization_id).id)


@bp.get("/api/v1/suspensions")
@requires(Permission.AI_SUSPEND)
def suspensions() -> Any:
    query = select(Suspension).order_by(Suspension.id.desc())
    if request.args.get("active") == "1":
        query = query.where(Suspension.lifted_at.is_(None))
    return jsonify({"suspensions": [s.to_dict() for s in get_state().db.session.scalars(query)]})


@bp.post("/api/v1/suspensions/<int:suspension_id>/lift")
@requires(Permission.AI_SUSPEND)
def lift_suspension(suspension_id: int) -> Any:
    session = get_state().db.session
    suspension = _get(Suspension, suspension_id)
    try:
        lift(session, suspension, actor=_identity().actor)
    except SuspensionError as exc:
        abort(409, str(exc))
    session.commit()
    return jsonify(suspension.to_dict())


@bp.post("/api/v1/candidate/contest")
@public
def candidate_contest() -> Any:
    """A candidate contests a decision or asks for human review, with the link from their messages."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Candidate ").strip() if header.startswith("Candidate ") else ""
    if not token:
        abort(401, "Open this from the link in your messages from the employer.")
    body = json_body(request, required={}, optional={"statement": str})
    if len(body.get("statement", "")) > 5000:
        abort(400, "Keep 'statement' under 5000 characters.")
    state = get_state()
    session = state.db.session
    try:  # the long-lived form: a decision can be contested long after the interview closed
        interview = resolve_link(state.app_secret, session, token, for_withdrawal=True)
    except LinkError as exc:
        abort(403, str(exc))
    try:
        made, new = service.contest(state, session, interview, statement=body.get("statement", ""))
    except service.ReviewError as exc:
        _fail(exc)
    session.commit()
    return jsonify(
        {"request": made.id, "kind": made.kind, "deadline": made.deadline.isoformat(), "new": new}
    ), 201 if new else 200


@bp.get("/api/v1/review/requests")
@requires(Permission.INTERVIEWS_REVIEW)
def review_requests() -> Any:
    """Candidates' requests for human review, open ones first by deadline; ``?open=1`` for open ones only."""
    query = select(ReviewRequest).order_by(ReviewRequest.resolved_at.is_not(None), ReviewRequest.deadline)
    if request.args.get("open") == "1":
        query = query.where(ReviewRequest.resolved_at.is_(None))
    now = utcnow()
    rows = get_state().db.session.scalars(query).all()
    return jsonify(
        {
            "requests": [
                {
                    "id": r.id,
                    "interview": r.interview_id,
                    "kind": r.kind,
                    "at": r.created_at.isoformat(),
                    "deadline": r.deadline.isoformat(),
                    "deadline_basis": r.deadline_basis,
                    "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None,
                    "decision": r.decision_id,
                    "overdue": r.resolved_at is None and r.deadline < now,
                }
                for r in rows
            ]
        }
    )
