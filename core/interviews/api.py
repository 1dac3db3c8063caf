"""The interview API the candidate page talks to, and the progress staff read.

Candidates have no account: every call carries the link token in ``Authorization: Candidate <token>`` (see
``candor.consent.views``), which binds it to one interview. Answers are created, uploaded in pieces and checked
through ``candor.interviews.uploads``; responses say where each answer is, never what it contains.
"""

from __future__ import annotations

import errno
from typing import Any

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from candor.auth import Permission, public, requires
from candor.consent.models import ConsentRecord
from candor.consent.service import granted_purposes
from candor.consent.views import _candidate_interview
from candor.http import json_body
from candor.interviews.models import Analysis, Answer, AnswerState, Interview
from candor.interviews.states import InterviewState
from candor.interviews.uploads import (
    ChunkRange,
    UploadError,
    answer_view,
    interview_complete,
    receive_chunk,
    start_answer,
)
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.models import InterviewQuestion
from candor.state import get_state
from candor.tasks.models import WorkItem, WorkState

bp = Blueprint("interview_api", __name__)

#: Question kinds answered by recording; the others (coding) are typed and go through their own endpoints.
RECORDED_KINDS = {"behavioural", "follow_up", "case", "practice"}
#: A recording carries picture and sound: the picture is what a human reviewer watches, whatever the AI reads.
NEEDS_VIDEO = True


def _writing() -> Interview:
    """The candidate's interview, in a request transaction that holds SQLite's write lock from the start: these
    requests read, then write, while workers commit (see ``candor.db.Database.lock_for_write``)."""
    state = get_state()
    state.db.lock_for_write(state.db.session())
    return _candidate_interview()


def _error(error: UploadError) -> Any:
    body: dict[str, Any] = {"error": "upload_refused", "message": str(error)}
    if error.answer is not None:
        body["answer"] = answer_view(error.answer)
    response = jsonify(body)
    response.status_code = error.status
    return response


def _questions(session: Any, interview: Interview) -> list[InterviewQuestion]:
    return list(session.scalars(
        select(InterviewQuestion).where(InterviewQuestion.interview_id == interview.id)
        .order_by(InterviewQuestion.position, InterviewQuestion.step)))




def follow_up_pending(interview: Interview, asked: list[InterviewQuestion], answers: list[Answer]) -> bool:
    """True while an uploaded answer has not yet been read for a follow-up (the page waits for it).

    :param answers: every answer of the interview (each attempt).
    """
    state = get_state()
    if interview.ai_opt_out or state.settings.follow_ups_per_question == 0:
        return False
    waiting = {q.id for q in asked if q.answered_at is None and q.kind in {"behavioural", "case", "follow_up"}}
    return any(a.interview_question_id in waiting and a.state in (AnswerState.UPLOADED, AnswerState.PROCESSING)
               for a in answers)


def interview_view(session: Any, interview: Interview) -> dict[str, Any]:
    state = get_state()
    job = session.get(Job, interview.job_id)
    organization = session.get(Organization, job.organization_id)
    asked = _questions(session, interview)
    # Every attempt at every question in one query (the page asks for this view after each step).
    answers = list(session.scalars(select(Answer).where(Answer.interview_id == interview.id)))
    latest: dict[int, Answer | None] = {q.id: None for q in asked}
    for answer in answers:
        current = latest.get(answer.interview_question_id)
        if current is None or answer.attempt > current.attempt:
            latest[answer.interview_question_id] = answer
    done_states = {AnswerState.UPLOADED, AnswerState.PROCESSING, AnswerState.ANALYSED}
    next_question = next((q.id for q in asked if latest[q.id] is None or latest[q.id].state not in done_states),
                         None)
    decided = session.scalar(select(ConsentRecord.id).where(ConsentRecord.interview_id == interview.id).limit(1))
    return {
        "state": str(interview.state),
        "language": job.language,
        "job": {"title": job.title},
        "organization": {"name": organization.name, "contact_email": organization.contact_email},
        "consent": {"decided": decided is not None, "ai_opt_out": interview.ai_opt_out,
                    "granted": sorted(granted_purposes(session, interview.candidate_id))},
        "needs_video": NEEDS_VIDEO,
        "limits": {"max_bytes": state.settings.answer_max_bytes, "chunk_bytes": state.settings.answer_chunk_bytes},
        "questions": [
            {
                "id": q.id,
                "position": q.position,
                "step": q.step,
                "kind": q.kind,
                "text": q.text,
                "think_seconds": q.think_seconds,
                "answer_seconds": q.answer_seconds,
                "max_retakes": q.max_retakes,
                "follow_up_of": q.follow_up_of_id,
                "answer": answer_view(latest[q.id]),
            }
            for q in asked
        ],
        "next_question_id": next_question,
        "follow_up_pending": follow_up_pending(interview, asked, answers),
        "complete": interview.state not in (InterviewState.INVITED, InterviewState.IN_PROGRESS),
    }


@bp.get("/api/v1/candidate/interview")
@public
def show() -> Any:
    interview = _candidate_interview()
    return jsonify(interview_view(get_state().db.session, interview))


def _asked(interview: Interview, question_id: int) -> InterviewQuestion:
    asked = get_state().db.session.get(InterviewQuestion, question_id)
    if asked is None or asked.interview_id != interview.id:
        abort(404, "There is no such question in this interview.")
    return asked


def _answer(interview: Interview, answer_id: int) -> Answer:
    answer = get_state().db.session.get(Answer, answer_id)
    if answer is None or answer.interview_id != interview.id:
        abort(404, "There is no such answer in this interview.")
    return answer


@bp.post("/api/v1/candidate/questions/<int:question_id>/answers")
@public
def create_answer(question_id: int) -> Any:
    interview = _writing()
    session = get_state().db.session
    if session.scalar(select(ConsentRecord.id).where(ConsentRecord.interview_id == interview.id).limit(1)) is None:
        abort(409, "Read the notice and make your choices before answering.")
    asked = _asked(interview, question_id)
    if asked.kind not in RECORDED_KINDS:
        abort(409, "This question is answered in writing, not by recording.")
    body = json_body(request, required={"mime_type": str, "total_bytes": int}, optional={"recorded_seconds": object})
    seconds = body.get("recorded_seconds")
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0):
        abort(400, "Field 'recorded_seconds' must be a number of seconds.")
    try:
        answer = start_answer(get_state(), session, interview, asked, mime_type=body["mime_type"],
                              total_bytes=body["total_bytes"],
                              recorded_seconds=float(seconds) if seconds else None)
    except UploadError as exc:
        session.rollback()
        return _error(exc)
    session.commit()
    return jsonify({"answer": answer_view(answer)}), 201


@bp.get("/api/v1/candidate/answers/<int:answer_id>")
@public
def show_answer(answer_id: int) -> Any:
    interview = _candidate_interview()
    return jsonify({"answer": answer_view(_answer(interview, answer_id))})


@bp.put("/api/v1/candidate/answers/<int:answer_id>/content")
@public
def upload(answer_id: int) -> Any:
    interview = _writing()
    state = get_state()
    session = state.db.session
    answer = _answer(interview, answer_id)
    try:
        chunk = ChunkRange.parse(request.headers.get("Content-Range"))
        if chunk.last - chunk.first + 1 > state.settings.answer_chunk_bytes:
            raise UploadError(413, f"Send pieces of at most {state.settings.answer_chunk_bytes} bytes.", answer)
        # Read no more than a piece, whatever the body's declared length (or with none: chunked transfer).
        request.max_content_length = state.settings.answer_chunk_bytes
        if (request.content_length or 0) > state.settings.answer_chunk_bytes:
            raise UploadError(413, f"Send pieces of at most {state.settings.answer_chunk_bytes} bytes.", answer)
        data = request.get_data(cache=False)
        receive_chunk(state, session, answer, chunk, data, need_video=NEEDS_VIDEO)
    except UploadError as exc:
        session.rollback()
        return _error(exc)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        session.rollback()  # nothing is lost: the pieces stored so far stay, the candidate's page retries
        return _error(UploadError(507, "The server is short of storage space right now. Your recording is kept "
                                       "on this device; the upload continues by itself in a few minutes.", answer))
    session.commit()
    if answer.state == AnswerState.REJECTED:
        response = jsonify({"error": "recording_rejected", "message": answer.error, "answer": answer_view(answer)})
        response.status_code = 422
        return response
    return jsonify({"answer": answer_view(answer)})


@bp.post("/api/v1/candidate/complete")
@public
def complete() -> Any:
    from candor.recruiting.loop import submit_interview

    interview = _writing()
    state = get_state()
    session = state.db.session
    if interview.state != InterviewState.IN_PROGRESS:
        if interview.state in (InterviewState.SUBMITTED, InterviewState.ANALYSING, InterviewState.AWAITING_REVIEW,
                               InterviewState.DECIDED):
            return jsonify({"state": "submitted"})  # a repeated click: it is in already
        abort(409, "This interview is not open for answers.")
    missing = interview_complete(session, interview)
    if missing:
        abort(409, f"{len(missing)} question(s) still need an answer.")
    submit_interview(state, session, interview, actor="candidate")
    session.commit()
    return jsonify({"state": "submitted"})


@bp.get("/api/v1/interviews/<int:interview_id>/progress")
@requires(Permission.CANDIDATES_READ)
def progress(interview_id: int) -> Any:
    """Where each answer of an interview is in the pipeline, with each analyzer's state and timing."""
    session = get_state().db.session
    interview = session.get(Interview, interview_id)
    if interview is None:
        abort(404)
    answers = session.scalars(select(Answer).where(Answer.interview_id == interview_id).order_by(Answer.id)).all()
    ids = [a.id for a in answers]
    analyses = session.scalars(select(Analysis).where(Analysis.answer_id.in_(ids)).order_by(Analysis.id)).all()
    queued = session.scalar(
        select(WorkItem.id).where(WorkItem.subject_ref == f"candidate:{interview.candidate_id}",
                                  WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING])).limit(1))
    by_answer: dict[int, list[dict[str, Any]]] = {}
    for analysis in analyses:
        seconds = (analysis.output or {}).get("seconds") if analysis.output else None
        by_answer.setdefault(analysis.answer_id, []).append({
            "analyzer": analysis.analyzer, "plugin_version": analysis.plugin_version, "model_id": analysis.model_id,
            "state": analysis.state, "seconds": seconds, "error": analysis.error,
        })
    return jsonify({
        "interview": interview_id,
        "state": str(interview.state),
        "work_pending": queued is not None,
        "answers": [{**answer_view(a), "question_id": a.interview_question_id,
                     "analyses": by_answer.get(a.id, [])} for a in answers],
    })
