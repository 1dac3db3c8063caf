"""Jobs: their requirements, the policy packs their location brings, and their question sets (generated
competencies and questions) which HR edits and approves through ``candor.questions.sets``.

Editing an approved set starts a new draft version (``editable_set``); interviews already invited keep the
questions they were pinned to.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from candor import audit
from candor.auth import Permission, current_identity, requires
from candor.interviews.models import Question
from candor.jobs.models import Job
from candor.questions.models import QuestionSet, SetState
from candor.questions.sets import (
    QuestionSetError,
    approve_set,
    current_questions,
    edit_question,
    editable_set,
    generate_set,
)
from candor.state import get_state
from candor_admin.blueprint import bp
from candor_admin.paging import paginate
from candor_admin.writes import writing_session

MAX_ANSWER_SECONDS = 1800


def _actor() -> str:
    identity = current_identity()
    assert identity is not None
    return identity.actor


def _job(job_id: int) -> Job:
    job = get_state().db.session.get(Job, job_id)
    if job is None:
        abort(404, _("There is no job %(id)s.", id=job_id))
    return job


@bp.get("/jobs")
@requires(Permission.JOBS_READ)
def jobs() -> Any:
    session = get_state().db.session
    page = paginate(session, select(Job).order_by(Job.id.desc()))
    return render_template("admin/jobs.html", page=page)


@bp.get("/jobs/<int:job_id>")
@requires(Permission.JOBS_READ)
def job(job_id: int) -> Any:
    state = get_state()
    session = state.db.session
    found = _job(job_id)
    sets = list(session.scalars(select(QuestionSet).where(QuestionSet.job_id == found.id)
                                .order_by(QuestionSet.version.desc())))
    shown = [s for s in sets if s.state in (SetState.DRAFT, SetState.APPROVED)]
    policy = state.policies.for_location(found.location)
    return render_template("admin/job.html", job=found, sets=[(s, current_questions(session, s)) for s in shown],
                           older=[s for s in sets if s not in shown], policy=policy)


def _back(job_id: int) -> Any:
    return redirect(url_for("admin.job", job_id=job_id), code=303)


@bp.post("/jobs/<int:job_id>/generate")
@requires(Permission.JOBS_WRITE)
def job_generate(job_id: int) -> Any:
    state = get_state()
    session = writing_session()
    found = _job(job_id)
    try:
        made = generate_set(session, state, found, actor=_actor())
    except QuestionSetError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(job_id)
    audit.record(session, "admin.question_set_generate", f"job:{found.id}", purpose="recruitment",
                 details={"set": made.id})
    session.commit()
    flash(_("A new draft question set was generated."), "ok")
    return _back(job_id)


@bp.post("/jobs/<int:job_id>/questions/<int:question_id>")
@requires(Permission.JOBS_WRITE)
def job_question_edit(job_id: int, question_id: int) -> Any:
    session = writing_session()
    found = _job(job_id)
    question = session.get(Question, question_id)
    if question is None or question.job_id != found.id:
        abort(404, _("This job has no question %(id)s.", id=question_id))
    raw_seconds = (request.form.get("answer_seconds") or "").strip()
    if raw_seconds and (not raw_seconds.isdigit() or not 10 <= int(raw_seconds) <= MAX_ANSWER_SECONDS):
        flash(_("The answer time is a whole number of seconds from 10 to %(max)s.", max=MAX_ANSWER_SECONDS), "error")
        return _back(job_id)
    indicators = [line for line in (request.form.get("indicators") or "").splitlines()]
    try:
        question_set = session.get(QuestionSet, question.set_id)
        assert question_set is not None
        draft = editable_set(session, question_set, _actor())
        if draft.id != question_set.id:  # the approved set stays; its copy in the new draft is edited
            question = next(q for q in current_questions(session, draft) if q.key == question.key)
        edited = edit_question(session, question, actor=_actor(), text=request.form.get("text"),
                               indicators=indicators if any(i.strip() for i in indicators) else None,
                               answer_seconds=int(raw_seconds) if raw_seconds else None)
    except QuestionSetError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(job_id)
    audit.record(session, "admin.question_edit", f"job:{found.id}", purpose="recruitment",
                 details={"set": draft.id, "question": edited.id, "version": edited.version})
    session.commit()
    flash(_("The question was changed in draft version %(version)s; approve the draft to use it.",
            version=draft.version), "ok")
    return _back(job_id)


@bp.post("/jobs/<int:job_id>/sets/<int:set_id>/approve")
@requires(Permission.JOBS_WRITE)
def job_set_approve(job_id: int, set_id: int) -> Any:
    session = writing_session()
    found = _job(job_id)
    question_set = session.get(QuestionSet, set_id)
    if question_set is None or question_set.job_id != found.id:
        abort(404, _("This job has no question set %(id)s.", id=set_id))
    try:
        approve_set(session, question_set, actor=_actor())
    except QuestionSetError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(job_id)
    audit.record(session, "admin.question_set_approve", f"job:{found.id}", purpose="recruitment",
                 details={"set": question_set.id, "version": question_set.version})
    session.commit()
    flash(_("Version %(version)s is approved: interviews invited from now on ask these questions.",
            version=question_set.version), "ok")
    return _back(job_id)
