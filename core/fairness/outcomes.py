"""The outcomes bias audits count per interview: score, selection, hire. Written by the review decision, the
recommendation and onboarding; it holds no demographic data, so any part of the core may write it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.db import utcnow
from candor.fairness.models import InterviewOutcome


def record_outcome(session: Session, interview_id: int, *, selected: bool | None = None,
                   score: float | None = None, hired: bool | None = None) -> InterviewOutcome:
    """Set the values given (the others stay as they are)."""
    outcome = session.scalar(select(InterviewOutcome).where(InterviewOutcome.interview_id == interview_id))
    if outcome is None:
        outcome = InterviewOutcome(interview_id=interview_id)
        session.add(outcome)
    if selected is not None:
        outcome.selected, outcome.decided_at = selected, utcnow()
    if score is not None:
        outcome.score = score
    if hired is not None:
        outcome.hired = hired
    return outcome
