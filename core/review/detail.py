"""What a reviewer sees of one interview: answers, transcript, the AI part, flags and the analyzers' limits.

The transcript is the redacted one unless the caller asks for the full one and holds
``Permission.TRANSCRIPTS_FULL`` and an assignment to the interview (every such read is audited). The AI part
(analysis outputs with their per-competency scores and evidence, analyzer flags, the recommendation) is
replaced by ``{"withheld": true}`` while "blind first" applies and the reviewer has not rated yet. The
candidate's name and contact details are not part of it: a reviewer judges answers, not a person's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.transcripts import Transcript
from candor.interviews.models import Analysis, Answer, Interview, Question
from candor.jobs.models import Job
from candor.review import service
from candor.review.models import ReviewDecision, ReviewerRating

if TYPE_CHECKING:
    from candor.state import CandorState


def interview_view(
    state: CandorState, session: Session, interview: Interview, *, user_id: int, full_transcript: bool
) -> dict[str, Any]:
    job = session.get(Job, interview.job_id)
    assert job is not None
    withheld = service.ai_withheld(session, interview, job, user_id)
    answers = list(
        session.scalars(select(Answer).where(Answer.interview_id == interview.id).order_by(Answer.id))
    )
    questions = {
        q.id: q
        for q in session.scalars(select(Question).where(Question.id.in_([a.question_id for a in answers])))
    }
    transcripts = {
        t.answer_id: t
        for t in session.scalars(select(Transcript).where(Transcript.answer_id.in_([a.id for a in answers])))
    }
    analyses = list(
        session.scalars(
            select(Analysis).where(Analysis.answer_id.in_([a.id for a in answers])).order_by(Analysis.id)
        )
    )
    if full_transcript and transcripts:
        audit.record(
            session,
            "access.full_transcript",
            f"candidate:{interview.candidate_id}",
            purpose="recruitment",
            details={"interview": interview.id},
        )

    flags = _process_flags(interview, analyses)
    ai: dict[str, Any]
    if withheld:
        ai = {"withheld": True, "reason": "Blind review: post your own rating to see the AI's analysis."}
    else:
        recommendation = service.current_recommendation(session, interview.id)
        ai = {
            "withheld": False,
            "analyses": [_analysis(row) for row in analyses],
            "recommendation": None
            if recommendation is None
            else {
                "recommendation": recommendation.recommendation,
                "explanation": recommendation.explanation,
                "confidence": recommendation.confidence,
                "produced_by": recommendation.produced_by,
                "at": recommendation.created_at.isoformat(),
            },
        }
        flags += [
            {"source": row.analyzer, "flag": flag}
            for row in analyses
            for flag in (row.output or {}).get("flags", [])
        ]
    ratings = session.scalars(
        select(ReviewerRating).where(ReviewerRating.interview_id == interview.id).order_by(ReviewerRating.id)
    ).all()
    decisions = session.scalars(
        select(ReviewDecision).where(ReviewDecision.interview_id == interview.id).order_by(ReviewDecision.id)
    ).all()
    return {
        "interview": interview.id,
        "job": {"id": job.id, "title": job.title, "location": job.location},
        "state": interview.state,
        "ai_opt_out": interview.ai_opt_out,
        "blind_first": service.blind_first(session, job),
        "assigned_to_you": service.is_assigned(session, interview.id, user_id),
        "answers": [
            _answer(a, questions.get(a.question_id), transcripts.get(a.id), full_transcript) for a in answers
        ],
        "ai": ai,
        "flags": flags,
        "analyzers": _declared_limits(state, analyses),
        "ratings": [_rating(r) for r in ratings if not withheld or r.reviewer_id == user_id],
        "decisions": [_decision(d) for d in decisions],
        "requests": [
            {"id": r.id, "kind": r.kind, "statement": r.statement, "deadline": r.deadline.isoformat()}
            for r in service.open_requests(session, interview.id)
        ],
    }


def _answer(
    answer: Answer, question: Question | None, transcript: Transcript | None, full: bool
) -> dict[str, Any]:
    text = None
    if transcript is not None:
        text = transcript.full_text if full else transcript.redacted_text
    return {
        "id": answer.id,
        "question": None
        if question is None
        else {
            "id": question.id,
            "position": question.position,
            "kind": question.kind,
            "text": question.text,
            "competencies": question.competencies,
        },
        "attempt": answer.attempt,
        "state": answer.state,
        "duration_seconds": answer.duration_seconds,
        "has_media": answer.media_key is not None,
        "transcript": None
        if transcript is None
        else {"form": "full" if full else "redacted", "text": text, "language": transcript.language},
    }


def _analysis(row: Analysis) -> dict[str, Any]:
    return {
        "answer": row.answer_id,
        "analyzer": row.analyzer,
        "plugin": row.plugin,
        "plugin_version": row.plugin_version,
        "model_id": row.model_id,
        "state": row.state,
        "output": row.output,
        "error": row.error,
    }


def _process_flags(interview: Interview, analyses: list[Analysis]) -> list[dict[str, Any]]:
    """Facts about the process a reviewer must know whatever blind review hides: no AI scores say why."""
    flags: list[dict[str, Any]] = []
    if interview.ai_opt_out:
        flags.append({"source": "candidate", "flag": "asked for a human-only process"})
    for row in analyses:
        if row.state in ("skipped", "failed"):
            flags.append(
                {"source": row.analyzer, "flag": f"{row.state}: {row.error or 'no reason recorded'}"}
            )
    return flags


def _declared_limits(state: CandorState, analyses: list[Analysis]) -> list[dict[str, Any]]:
    """Each analyzer plugin's declared limits and accuracy (EU AI Act Art. 13), for those that ran here and
    those enabled now."""
    names = sorted({row.plugin for row in analyses} | {plugin for plugin, _ in state.analyzers})
    shown = []
    for name in names:
        try:
            declaration = state.plugins.declaration(name)
        except KeyError:  # ran once, disabled since: its analyses stay, its declaration is no longer loaded
            shown.append({"plugin": name, "enabled": False, "limits": [], "accuracy": {}})
            continue
        shown.append(
            {
                "plugin": name,
                "enabled": True,
                "title": declaration.title,
                "description": declaration.description,
                "limits": list(declaration.limits),
                "accuracy": dict(declaration.accuracy),
            }
        )
    return shown


def _rating(rating: ReviewerRating) -> dict[str, Any]:
    return {
        "id": rating.id,
        "reviewer": rating.reviewer_id,
        "outcome": rating.outcome,
        "scores": rating.scores,
        "notes": rating.notes,
        "ai_seen": rating.ai_seen,
        "at": rating.created_at.isoformat(),
    }


def _decision(decision: ReviewDecision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "reviewer": decision.reviewer_id,
        "outcome": decision.outcome,
        "reason": decision.reason,
        "ai_recommendation": decision.ai_recommendation,
        "overrides_ai": decision.overrides_ai,
        "override_reason": decision.override_reason,
        "at": decision.created_at.isoformat(),
    }
