"""Candidates and interviews: the list (filter by state, "my queue", exact search on blind indexes), one
interview as a reviewer sees it (answers, the video for an assigned reviewer, the transcript with the scorer's
evidence highlighted, scores with explanations and the analyzers' limits, flags) and the review forms.

What an interview shows is ``candor.review.detail.interview_view`` (blind-first, redacted transcript, audit of
full-transcript reads); the forms call ``candor.review.service``. Names and contact details show only to
roles that manage candidate records (``candidates:write``): a reviewer judges answers, not a person. Every
candidate row loaded is recorded in the audit log by the vault's access hooks.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from candor import audit
from candor.auth import Permission, current_identity, requires
from candor.auth.access import Identity
from candor.auth.models import Role, User
from candor.interviews.models import Answer, Candidate, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.questions.models import InterviewQuestion
from candor.review import service
from candor.review.detail import interview_view
from candor.review.models import Outcome, ReviewAssignment
from candor.state import get_state
from candor.vault.fields import lookup
from candor_admin.blueprint import bp, can
from candor_admin.paging import paginate
from candor_admin.writes import writing_session

#: Blind-indexed fields staff may search by exact value (the vault cannot search inside ciphertext).
SEARCH_FIELDS = {"email": "email", "phone": "phone", "external_ref": "external_ref"}
SCORER = "competency_scorer"


def _identity() -> Identity:
    identity = current_identity()
    assert identity is not None
    return identity


def _rows_query() -> Any:
    return select(Interview, Job.title).join(Job, Job.id == Interview.job_id)


def _with_candidates(rows: list[Any]) -> list[dict[str, Any]]:
    """Rows for the list; the candidate's name and e-mail only for roles that manage candidate records."""
    session = get_state().db.session
    shown = can(Permission.CANDIDATES_WRITE)
    people: dict[int, Candidate] = {}
    if shown and rows:
        ids = {interview.candidate_id for interview, _title in rows}
        people = {c.id: c for c in session.scalars(select(Candidate).where(Candidate.id.in_(ids)))}
    return [{"interview": interview, "job_title": title, "candidate": people.get(interview.candidate_id)}
            for interview, title in rows]


@bp.get("/interviews")
@requires(Permission.CANDIDATES_READ)
def interviews() -> Any:
    session = writing_session()
    query = _rows_query()
    state_filter = request.args.get("state", "")
    if state_filter:
        if state_filter not in {s.value for s in InterviewState}:
            abort(400, _("Unknown state %(state)s; choose one from the list.", state=state_filter))
        query = query.where(Interview.state == state_filter)
    mine = request.args.get("mine") == "1"
    if mine:
        query = query.join(ReviewAssignment, ReviewAssignment.interview_id == Interview.id).where(
            ReviewAssignment.reviewer_id == _identity().user_id)
    page = paginate(session, query.order_by(Interview.id.desc()), scalars=False)
    rows = _with_candidates(page.items)
    html = render_template("admin/interviews.html", page=page, rows=rows, states=list(InterviewState),
                           state_filter=state_filter, mine=mine, search=None, fields=SEARCH_FIELDS)
    session.commit()  # the access entries of the candidates shown
    return html


@bp.post("/interviews/search")
@requires(Permission.CANDIDATES_READ)
def interview_search() -> Any:
    """Exact search through the blind index. A POST, so the searched value never sits in a URL or a log."""
    session = writing_session()
    field = request.form.get("field", "email")
    value = (request.form.get("value") or "").strip()
    if field not in SEARCH_FIELDS or not value:
        flash(_("Choose a field and type the exact value to search for."), "error")
        return redirect(url_for("admin.interviews"), code=303)
    candidate_ids = [c.id for c in session.scalars(lookup(session, Candidate, SEARCH_FIELDS[field], value))]
    rows = list(session.execute(_rows_query().where(Interview.candidate_id.in_(candidate_ids))
                                .order_by(Interview.id.desc()).limit(200)).all()) if candidate_ids else []
    audit.record(session, "access.search", "candidate:search", purpose="recruitment",
                 details={"field": field, "found": len(candidate_ids)})
    html = render_template("admin/interviews.html", page=None, rows=_with_candidates(rows),
                           states=list(InterviewState), state_filter="", mine=False, search=field,
                           fields=SEARCH_FIELDS)
    session.commit()
    return html


def _highlight(text: str, evidence: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """The transcript cut into (text, is evidence) pieces; overlapping spans merge. Jinja escapes each piece."""
    spans = sorted((int(e["char_start"]), int(e["char_end"])) for e in evidence
                   if 0 <= int(e.get("char_start", -1)) < int(e.get("char_end", -1)) <= len(text))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, at = [], 0
    for start, end in merged:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _quotes(transcript: str, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        from candor_plugins.competency_scorer import quotes
    except ImportError:  # the scorer is a plugin; without it, the spans are still highlighted
        return []
    return quotes(transcript, evidence)


def _answers(session: Any, view: dict[str, Any]) -> list[dict[str, Any]]:
    """Each answer with what the page shows beside it: its analyses, scores, evidence and asked question."""
    analyses_by_answer: dict[int, list[dict[str, Any]]] = {}
    for analysis in view["ai"].get("analyses", []):
        analyses_by_answer.setdefault(analysis["answer"], []).append(analysis)
    ids = [a["id"] for a in view["answers"]]
    asked = dict(session.execute(
        select(Answer.id, InterviewQuestion.text).join(
            InterviewQuestion, InterviewQuestion.id == Answer.interview_question_id).where(Answer.id.in_(ids))).all())
    result = []
    for answer in view["answers"]:
        analyses = analyses_by_answer.get(answer["id"], [])
        scorer = next((a for a in analyses if a["plugin"] == SCORER and a["state"] == "done" and a["output"]), None)
        evidence = [e for c in (scorer["output"].get("competencies", []) if scorer else []) for e in c["evidence"]]
        transcript = answer["transcript"]
        text = (transcript or {}).get("text") or ""
        # The spans index the redacted transcript; on the full one they would mark the wrong words.
        on_redacted = transcript is not None and transcript["form"] == "redacted"
        result.append({
            **answer,
            "asked": (answer["question"] or {}).get("text") or asked.get(answer["id"], ""),
            "analyses": analyses,
            "scorer": scorer["output"] if scorer else None,
            "pieces": _highlight(text, evidence) if on_redacted else [(text, False)],
            "quotes": _quotes(text, evidence) if on_redacted else [],
        })
    return result


@bp.get("/interviews/<int:interview_id>")
@requires(Permission.CANDIDATES_READ)
def interview(interview_id: int) -> Any:
    state = get_state()
    session = writing_session()
    found = session.get(Interview, interview_id)
    if found is None:
        abort(404, _("There is no interview %(id)s.", id=interview_id))
    identity = _identity()
    full = request.args.get("transcript") == "full"
    may_read_full = can(Permission.TRANSCRIPTS_FULL) and service.is_assigned(session, found.id, identity.user_id)
    if full and not may_read_full:
        abort(403)
    view = interview_view(state, session, found, user_id=identity.user_id, full_transcript=full)
    candidate = session.get(Candidate, found.candidate_id) if can(Permission.CANDIDATES_WRITE) else None
    reviewers = []
    if can(Permission.JOBS_WRITE):
        reviewers = list(session.scalars(select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
                                         .order_by(User.email)))
    reviewing = (can(Permission.INTERVIEWS_REVIEW) and view["assigned_to_you"]
                 and found.state == InterviewState.AWAITING_REVIEW)
    html = render_template(
        "admin/interview.html", view=view, interview=found, answers=_answers(session, view), candidate=candidate,
        reviewers=reviewers, reviewing=reviewing, full=full, may_read_full=may_read_full,
        may_play=can(Permission.MEDIA_VIEW) and view["assigned_to_you"], outcomes=list(Outcome))
    session.commit()  # the audit entries of what was read
    return html


def _review_target(interview_id: int) -> tuple[Any, Interview, Job]:
    session = writing_session()
    found = session.get(Interview, interview_id)
    if found is None:
        abort(404, _("There is no interview %(id)s.", id=interview_id))
    job = session.get(Job, found.job_id)
    assert job is not None
    return session, found, job


def _back(interview_id: int) -> Any:
    return redirect(url_for("admin.interview", interview_id=interview_id), code=303)


@bp.post("/interviews/<int:interview_id>/decision")
@requires(Permission.INTERVIEWS_REVIEW)
def interview_decision(interview_id: int) -> Any:
    session, found, job = _review_target(interview_id)
    identity = _identity()
    given = service.DecisionInput(request.form.get("outcome", ""), request.form.get("reason", ""),
                                  request.form.get("override_reason", ""))
    try:
        made = service.decide(session, found, job, user_id=identity.user_id, actor=identity.actor, given=given)
    except service.ReviewError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(interview_id)
    session.commit()
    flash(_("Decision recorded: %(outcome)s.", outcome=made.outcome), "ok")
    return _back(interview_id)


@bp.post("/interviews/<int:interview_id>/rating")
@requires(Permission.INTERVIEWS_REVIEW)
def interview_rating(interview_id: int) -> Any:
    session, found, job = _review_target(interview_id)
    try:
        service.rate(session, found, job, user_id=_identity().user_id, outcome=request.form.get("outcome", ""),
                     scores={}, notes=request.form.get("notes", ""))
    except service.ReviewError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(interview_id)
    session.commit()
    flash(_("Your rating is recorded."), "ok")
    return _back(interview_id)


@bp.post("/interviews/<int:interview_id>/assignments")
@requires(Permission.JOBS_WRITE)
def interview_assign(interview_id: int) -> Any:
    session, found, _job = _review_target(interview_id)
    raw = request.form.get("reviewer", "")
    reviewer = session.get(User, int(raw)) if raw.isdigit() else None
    if reviewer is None or not reviewer.active or reviewer.role != Role.REVIEWER:
        flash(_("Choose an active user with the reviewer role."), "error")
        return _back(interview_id)
    if not service.is_assigned(session, found.id, reviewer.id):
        session.add(ReviewAssignment(interview_id=found.id, reviewer_id=reviewer.id, assigned_by=_identity().actor))
        audit.record(session, "admin.assign_reviewer", f"candidate:{found.candidate_id}", purpose="recruitment",
                     details={"interview": found.id, "reviewer": reviewer.id})
        session.commit()
    flash(_("Reviewer assigned."), "ok")
    return _back(interview_id)

