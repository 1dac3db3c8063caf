"""The closing half of the loop: a submitted interview is analysed, concluded with a recommendation, and its
result and the human decision are written to the outbox for the HR systems.

``submit_interview`` moves a completed interview to analysis, queues one step per answer and analyzer, emits
``interview.completed`` and queues ``core.conclude_interview``. That unit waits (by re-queuing itself) until
no analysis step is queued or running, then records the AI recommendation, moves the interview to
``awaiting_review`` and emits ``result.ready`` with the overall score, recommendation, status and report link.
A person's decision (``candor.review.service.decide``) emits ``decision.made`` in the same transaction: this
module listens for new ``ReviewDecision`` rows and writes the event before that transaction commits. Events
hold ids and results only; the outbox delivers them, in order, through the purpose gate.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from candor.analysis.aggregate import aggregate_interview
from candor.analysis.pipeline import PIPELINE_KINDS, schedule_processing
from candor.analysis.steps import schedule_answer_analysis
from candor.interviews.models import Answer, AnswerState, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.recruiting.models import Application
from candor.review.models import InterviewRecommendation, ReviewDecision
from candor.tasks import enqueue
from candor.tasks.models import WorkItem, WorkState

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

CONCLUDE_KIND = "core.conclude_interview"
CONCLUDE_POLL_SECONDS = 2.0
_DECISIONS_KEY = "candor.recruiting.decisions"


def _outbox_emit(session: Session, event_type: str, subject: str, data: dict[str, Any]) -> list[int]:
    """Emit through ``candor.outbox`` when it is installed; an installation without it has no EHR to tell."""
    if importlib.util.find_spec("candor.outbox") is None:
        return []
    from candor.outbox import emit

    return emit(session, event_type, subject, data)


def event_data(state: CandorState, session: Session, interview: Interview) -> dict[str, Any]:
    """What every event of this interview says about where it belongs: ids, never contact details."""
    application = session.scalar(select(Application).where(Application.interview_id == interview.id))
    job = session.get(Job, interview.job_id)
    return {
        "interview_id": interview.id,
        "candidate_id": interview.candidate_id,
        "job_ref": job.external_ref if job else None,
        "source": application.source if application else None,
        "application_ref": application.reference if application else None,
    }


def report_url(state: CandorState, interview: Interview) -> str:
    return f"{state.settings.public_url.rstrip('/')}/admin/interviews/{interview.id}"


def submit_interview(state: CandorState, session: Session, interview: Interview, *, actor: str) -> list[int]:
    """Every answer is in: analyse them and tell the HR systems the interview was completed."""
    interview.move_to(InterviewState.SUBMITTED, actor=actor, reason="all answers uploaded")
    interview.move_to(InterviewState.ANALYSING, actor="system:recruiting", reason="analysis queued")
    steps: list[int] = []
    for answer in session.scalars(select(Answer).where(Answer.interview_id == interview.id,
                                                       Answer.state == AnswerState.UPLOADED)):
        if answer.media_key is not None:
            schedule_processing(state, session, answer)  # usually queued on arrival already; this is idempotent
        else:  # a typed or coded answer: only analyzers that read no recording
            steps += schedule_answer_analysis(state, session, answer)
    _outbox_emit(
        session,
        "interview.completed",
        f"candidate:{interview.candidate_id}",
        event_data(state, session, interview),
    )
    queue_conclusion(session, interview)
    return steps


def queue_conclusion(session: Session, interview: Interview, *, delay: float = 0.0) -> None:
    enqueue(
        session,
        CONCLUDE_KIND,
        {"interview_id": interview.id},
        subject=f"candidate:{interview.candidate_id}",
        purpose="recruitment",
        delay=delay,
    )


def analysis_pending(session: Session, interview_id: int) -> bool:
    answer_ids = list(session.scalars(select(Answer.id).where(Answer.interview_id == interview_id)))
    pending = session.scalars(
        select(WorkItem.payload).where(
            WorkItem.kind.in_(PIPELINE_KINDS), WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING])
        )
    )
    return any(payload.get("answer_id") in answer_ids for payload in pending)


def conclude(state: CandorState, session: Session, interview: Interview) -> dict[str, Any]:
    """Record the AI's recommendation (``candor.analysis.aggregate``), move to review and emit ``result.ready``."""
    assessment = aggregate_interview(state, session, interview)
    job = session.get(Job, interview.job_id)
    language = "zh-CN" if job is not None and job.language.lower().startswith("zh") else "en"
    session.add(
        InterviewRecommendation(
            interview_id=interview.id,
            recommendation=assessment.recommendation,
            produced_by=assessment.produced_by[:100],
            explanation=assessment.explanation.get(language) or assessment.explanation.get("en", ""),
            confidence=assessment.confidence,
        )
    )
    interview.move_to(InterviewState.AWAITING_REVIEW, actor="system:recruiting", reason="analysis finished")
    recommendation = assessment.recommendation
    status = {"advance": "advance", "reject": "reject"}.get(recommendation.value, "needs_human_review")
    data = {
        **event_data(state, session, interview),
        "score": assessment.score,
        "confidence": assessment.confidence,
        "recommendation": recommendation.value,
        "status": status,
        "report_url": report_url(state, interview),
    }
    events = _outbox_emit(session, "result.ready", f"candidate:{interview.candidate_id}", data)
    return {"outcome": "concluded", "recommendation": recommendation.value, "events": events}


def run_conclusion(state: CandorState, context: WorkContext) -> dict[str, Any]:
    """Work handler ``core.conclude_interview``: conclude once analysis is over, else look again later."""
    session = context.session
    # Two conclusion units may run at once (the poll and the last step's); the row lock makes one wait and then
    # find the interview concluded.
    interview = session.get(Interview, context.payload["interview_id"], with_for_update=True)
    if interview is None or interview.state != InterviewState.ANALYSING:
        return {"outcome": "nothing_to_do"}
    if analysis_pending(session, interview.id):
        queue_conclusion(session, interview, delay=CONCLUDE_POLL_SECONDS)
        return {"outcome": "waiting"}
    return conclude(state, session, interview)


@event.listens_for(Session, "after_flush")
def _note_decisions(session: Session, _context: Any) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, ReviewDecision)]
    if new and session.info.get("candor.state") is not None:
        session.info.setdefault(_DECISIONS_KEY, []).extend(new)


@event.listens_for(Session, "before_commit")
def _emit_decisions(session: Session) -> None:
    decided = session.info.pop(_DECISIONS_KEY, None)
    state = session.info.get("candor.state")
    if not decided or state is None:
        return
    for decision_id in decided:
        decision = session.get(ReviewDecision, decision_id)
        interview = session.get(Interview, decision.interview_id) if decision else None
        if decision is None or interview is None:
            continue
        data = {
            **event_data(state, session, interview),
            "decision_id": decision.id,
            "outcome": str(decision.outcome),
            "overrides_ai": bool(decision.overrides_ai),
        }
        _outbox_emit(session, "decision.made", f"candidate:{interview.candidate_id}", data)


@event.listens_for(Session, "after_rollback")
def _forget_decisions(session: Session) -> None:
    session.info.pop(_DECISIONS_KEY, None)
