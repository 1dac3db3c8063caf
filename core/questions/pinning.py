"""What one interview asks: the approved set's question versions pinned at invitation, targeted questions from
the redacted resume (only with consent to personalise), and follow-ups added after answers.

Owns the copy: each ``InterviewQuestion`` keeps the text, competencies and indicators as asked, with the
source
question's id and version, so later edits of the set never change an interview's record. It does not judge
consent itself: the caller says whether consent for ``personalisation`` exists (the consent store will).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from candor.consent.gate import check_gate
from candor.consent.service import granted_purposes
from candor.db import utcnow
from candor.declarations import Purpose
from candor.interfaces import PersonalisingGenerator
from candor.interviews.models import Interview
from candor.jobs.models import Job
from candor.questions.models import InterviewQuestion, PinSource
from candor.questions.sets import (
    QuestionSetError,
    approved_set,
    competency_library,
    current_questions,
    question_generators,
)
from candor.state import CandorState


class ConsentRequired(PermissionError):
    """Personalisation was asked for without the candidate's consent to that purpose."""


def pin_questions(
    session: Session,
    state: CandorState,
    interview: Interview,
    *,
    resume_text: str | None = None,
) -> list[InterviewQuestion]:
    """Pin the job's approved questions to the interview, and targeted ones when a redacted resume is given.

    :param resume_text: the resume with personal data already redacted; ``None`` for no personalisation.
    :raises ConsentRequired: a resume was given but the candidate has not consented to ``personalisation``;
        nothing is pinned then. Each generator also passes the purpose gate before it sees the resume.
    """
    if resume_text is not None and Purpose.PERSONALISATION not in granted_purposes(session, interview.candidate_id):
        raise ConsentRequired(
            f"Questions from the resume need the candidate's consent to "
            f"'{Purpose.PERSONALISATION}'; pin without the resume or obtain consent first."
        )
    if session.scalar(select(func.count()).where(InterviewQuestion.interview_id == interview.id)):
        raise QuestionSetError(
            "This interview's questions are pinned already; they never change once pinned."
        )
    question_set = approved_set(session, interview.job_id)
    if question_set is None:
        raise QuestionSetError("The job has no approved question set; HR must review and approve one first.")
    pinned = [
        InterviewQuestion(
            interview_id=interview.id,
            position=position,
            step=0,
            question_id=q.id,
            question_version=q.version,
            source=PinSource.SET,
            kind=str(q.kind),
            language=q.language,
            text=q.text,
            competencies=q.competencies,
            reason=q.reason,
            generator=q.generator,
            library_version=question_set.library_version,
            answer_seconds=q.answer_seconds,
            think_seconds=q.think_seconds,
            max_retakes=q.max_retakes,
        )
        for position, q in enumerate(current_questions(session, question_set), start=1)
    ]
    if resume_text is not None:
        pinned += _personalised(
            session, state, interview, resume_text, question_set.language, start=len(pinned) + 1
        )
    session.add_all(pinned)
    session.flush()
    return pinned


def _personalised(
    session: Session, state: CandorState, interview: Interview, resume_text: str, language: str, start: int
) -> list[InterviewQuestion]:
    job = session.get(Job, interview.job_id)
    assert job is not None
    library = competency_library(state)
    request = {
        "title": job.title,
        "description": job.description,
        "requirements": job.requirements,
        "library": library,
    }
    pinned = []
    for plugin, generator in question_generators(state):
        if not isinstance(generator, PersonalisingGenerator):
            continue
        answer = check_gate(state, session, plugin=plugin, purpose=Purpose.PERSONALISATION,
                            candidate_id=interview.candidate_id, location=job.location,
                            interview_id=interview.id)
        if not answer.allowed:
            continue  # refused and recorded with its reason on the interview
        for generated in generator.personalise(request, resume_text, language):
            competencies = [
                library.describe(c, language) if c in library.competencies else {"id": c, "name": c}
                for c in generated.competencies
            ]
            for entry in competencies:
                entry["indicators"] = list(generated.indicators) or entry.get("indicators", [])
            pinned.append(
                InterviewQuestion(
                    interview_id=interview.id,
                    position=start + len(pinned),
                    step=0,
                    source=PinSource.PERSONALISED,
                    kind=generated.kind,
                    language=language,
                    text=generated.text,
                    competencies=competencies,
                    reason=generated.reason[:300],
                    generator=plugin,
                    library_version=library.version,
                )
            )
    return pinned


def interview_questions(session: Session, interview_id: int) -> list[InterviewQuestion]:
    return list(
        session.scalars(
            select(InterviewQuestion)
            .where(InterviewQuestion.interview_id == interview_id)
            .order_by(InterviewQuestion.position, InterviewQuestion.step)
        )
    )


def next_question(session: Session, interview_id: int) -> InterviewQuestion | None:
    """What the candidate page asks next: the first pinned question not answered yet (follow-ups come right
    after the question they follow)."""
    return next((q for q in interview_questions(session, interview_id) if q.answered_at is None), None)


def answer_given(
    session: Session, state: CandorState, asked: InterviewQuestion, transcript: str,
    *, plugins: set[str] | None = None,
) -> InterviewQuestion | None:
    """Record that ``asked`` was answered and ask the generators for a follow-up; return it if one is added.

    At most ``follow_ups_per_question`` follow-ups per original question, whatever the generators return.
    :param plugins: the generator plugins that may read the transcript (the purpose gate's answer); all when None.
    """
    asked.answered_at = utcnow()
    root = session.get(InterviewQuestion, asked.follow_up_of_id) if asked.follow_up_of_id else asked
    assert root is not None
    earlier = list(
        session.scalars(select(InterviewQuestion).where(InterviewQuestion.follow_up_of_id == root.id))
    )
    if len(earlier) >= state.settings.follow_ups_per_question or root.kind not in {"behavioural", "case"}:
        session.flush()
        return None
    question: dict[str, Any] = {
        "text": root.text,
        "competencies": root.competencies,
        "answer_seconds": asked.answer_seconds,
        "follow_ups_asked": len(earlier),
        "follow_up_rules": [q.reason for q in earlier],
    }
    for plugin, generator in question_generators(state):
        if plugins is not None and plugin not in plugins:
            continue
        generated = generator.follow_up(question, transcript, root.language)
        if generated is None:
            continue
        follow_up = InterviewQuestion(
            interview_id=root.interview_id,
            position=root.position,
            step=len(earlier) + 1,
            follow_up_of_id=root.id,
            source=PinSource.FOLLOW_UP,
            kind="follow_up",
            language=root.language,
            text=generated.text,
            competencies=root.competencies,
            reason=generated.reason[:300],
            generator=plugin,
            library_version=root.library_version,
            answer_seconds=max(root.answer_seconds // 2, 30),
            think_seconds=min(root.think_seconds, 20),
            max_retakes=0,  # a follow-up continues a conversation; it is answered once
        )
        session.add(follow_up)
        session.flush()
        return follow_up
    session.flush()
    return None
