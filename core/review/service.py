"""Review rules, apart from HTTP: what a reviewer is shown, "blind first", ratings, decisions and contests.

- The AI part of an interview (analyses, scores, flags from analyzers, the recommendation) is withheld from a
  reviewer while "blind first" applies and they have not posted their own rating for it.
- A decision needs a reason; when it differs from the AI's current recommendation (advance, hold or reject) it
  also needs an override reason, and it is kept marked as an override.
- A candidate's contest of a decision sends the interview back to ``awaiting_review`` with a deadline: the
  shortest deadline the applicable packs set for an objection or an explanation (GDPR Art. 21-22, PIPL Art.
  24(3)), else ``DEFAULT_REQUEST_DAYS`` (GDPR Art. 12(3)'s one month, the longest any built-in pack allows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.fairness.outcomes import record_outcome
from candor.interviews.models import Candidate, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.policy.schema import RequestKind as PolicyRequestKind
from candor.review.models import (
    AIRecommendation,
    BlindReviewSetting,
    InterviewRecommendation,
    Outcome,
    RequestKind,
    ReviewAssignment,
    ReviewDecision,
    ReviewerRating,
    ReviewRequest,
)

if TYPE_CHECKING:
    from candor.state import CandorState

DEFAULT_REQUEST_DAYS = 30
CONTEST_DEADLINE_KINDS = (PolicyRequestKind.OBJECTION, PolicyRequestKind.EXPLANATION)
ENDED = {InterviewState.WITHDRAWN, InterviewState.CANCELLED, InterviewState.EXPIRED}


class ReviewError(Exception):
    """A review action that cannot be done; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def is_assigned(session: Session, interview_id: int, user_id: int) -> bool:
    return (
        session.scalar(
            select(ReviewAssignment.id).where(
                ReviewAssignment.interview_id == interview_id, ReviewAssignment.reviewer_id == user_id
            )
        )
        is not None
    )


def blind_first(session: Session, job: Job) -> bool:
    """The job's own setting, else its organisation's, else off."""
    rows = session.scalars(
        select(BlindReviewSetting).where(
            BlindReviewSetting.organization_id == job.organization_id,
            (BlindReviewSetting.job_id == job.id) | BlindReviewSetting.job_id.is_(None),
        )
    ).all()
    for row in sorted(rows, key=lambda r: r.job_id is None):  # the job's row first
        return row.blind_first
    return False


def set_blind_first(
    session: Session, *, organization_id: int, job_id: int | None, value: bool, actor: str
) -> None:
    row = session.scalar(
        select(BlindReviewSetting).where(
            BlindReviewSetting.organization_id == organization_id,
            BlindReviewSetting.job_id.is_(None) if job_id is None else BlindReviewSetting.job_id == job_id,
        )
    )
    if row is None:
        row = BlindReviewSetting(organization_id=organization_id, job_id=job_id, changed_by=actor)
        session.add(row)
    row.blind_first, row.changed_by, row.changed_at = value, actor, utcnow()
    audit.record(
        session,
        "admin.blind_first",
        f"job:{job_id}" if job_id else f"organization:{organization_id}",
        purpose="recruitment",
        details={"blind_first": value},
    )


def current_recommendation(session: Session, interview_id: int) -> InterviewRecommendation | None:
    return session.scalar(
        select(InterviewRecommendation)
        .where(InterviewRecommendation.interview_id == interview_id)
        .order_by(InterviewRecommendation.id.desc())
        .limit(1)
    )


def own_rating(session: Session, interview_id: int, user_id: int) -> ReviewerRating | None:
    return session.scalar(
        select(ReviewerRating)
        .where(ReviewerRating.interview_id == interview_id, ReviewerRating.reviewer_id == user_id)
        .order_by(ReviewerRating.id.desc())
        .limit(1)
    )


def ai_withheld(session: Session, interview: Interview, job: Job, user_id: int) -> bool:
    return blind_first(session, job) and own_rating(session, interview.id, user_id) is None


def _require_reviewable(session: Session, interview: Interview, user_id: int) -> None:
    if not is_assigned(session, interview.id, user_id):
        raise ReviewError(
            "You are not assigned to review this interview; ask a recruiter to assign you.", 403
        )
    if interview.state != InterviewState.AWAITING_REVIEW:
        raise ReviewError(
            f"The interview is {interview.state}, not awaiting review; nothing to decide now.", 409
        )


def rate(
    session: Session,
    interview: Interview,
    job: Job,
    *,
    user_id: int,
    outcome: str,
    scores: dict[str, Any],
    notes: str,
) -> ReviewerRating:
    _require_reviewable(session, interview, user_id)
    chosen = _outcome(outcome)
    for name, value in scores.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ReviewError(f"Score {name!r} must be a number.")
    rating = ReviewerRating(
        interview_id=interview.id,
        reviewer_id=user_id,
        outcome=chosen,
        scores=scores,
        notes=notes,
        ai_seen=not ai_withheld(session, interview, job, user_id),
    )
    session.add(rating)
    session.flush()
    audit.record(
        session,
        "admin.review_rating",
        f"candidate:{interview.candidate_id}",
        purpose="recruitment",
        details={"interview": interview.id, "rating": rating.id, "ai_seen": rating.ai_seen},
    )
    return rating


@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    reason: str
    override_reason: str = ""


def decide(
    session: Session, interview: Interview, job: Job, *, user_id: int, actor: str, given: DecisionInput
) -> ReviewDecision:
    _require_reviewable(session, interview, user_id)
    chosen = _outcome(given.outcome)
    if not given.reason.strip():
        raise ReviewError(
            "Give the reason for the decision ('reason'); it is kept and may be explained to the candidate."
        )
    rating = own_rating(session, interview.id, user_id)
    if blind_first(session, job) and rating is None:
        raise ReviewError("Blind review applies to this job: post your own rating first, then decide.", 409)
    recommendation = current_recommendation(session, interview.id)
    ai_said = recommendation.recommendation if recommendation is not None else None
    overrides = ai_said not in (None, AIRecommendation.NEEDS_HUMAN_REVIEW) and ai_said != chosen
    if overrides and not given.override_reason.strip():
        raise ReviewError(
            f"The AI recommended {ai_said}; deciding {chosen} overrides it. Give the reason in "
            "'override_reason'."
        )
    decision = ReviewDecision(
        interview_id=interview.id,
        reviewer_id=user_id,
        outcome=chosen,
        reason=given.reason.strip(),
        ai_recommendation=ai_said,
        recommendation_id=recommendation.id if recommendation else None,
        rating_id=rating.id if rating else None,
        overrides_ai=overrides,
        override_reason=given.override_reason.strip() or None,
    )
    session.add(decision)
    session.flush()
    interview.move_to(InterviewState.DECIDED, actor=actor, reason=f"review decision {decision.id}")
    # Bias audits count who advanced (NYC LL144 selection rates, Illinois §20); hold is not yet a selection.
    if chosen != Outcome.HOLD:
        record_outcome(session, interview.id, selected=chosen == Outcome.ADVANCE)
    for request in open_requests(session, interview.id):
        request.resolved_at, request.decision_id = utcnow(), decision.id
    audit.record(
        session,
        "admin.review_decision",
        f"candidate:{interview.candidate_id}",
        purpose="recruitment",
        details={
            "interview": interview.id,
            "decision": decision.id,
            "outcome": chosen.value,
            "ai_recommendation": ai_said,
            "override": overrides,
        },
    )
    return decision


def _outcome(value: str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise ReviewError(
            f"{value!r} is not a decision; use one of: {', '.join(o.value for o in Outcome)}."
        ) from None


def open_requests(session: Session, interview_id: int) -> list[ReviewRequest]:
    return list(
        session.scalars(
            select(ReviewRequest)
            .where(ReviewRequest.interview_id == interview_id, ReviewRequest.resolved_at.is_(None))
            .order_by(ReviewRequest.id)
        )
    )


def request_deadline(state: CandorState, location: str, now: datetime) -> tuple[datetime, str]:
    """When a person must have answered a request for human review of a job at ``location``, and why."""
    policy = state.policies.for_location(location)
    found = [policy.request_deadlines[k] for k in CONTEST_DEADLINE_KINDS if k in policy.request_deadlines]
    if not found:
        return now + timedelta(days=DEFAULT_REQUEST_DAYS), f"default {DEFAULT_REQUEST_DAYS} days"
    shortest = min(found, key=lambda d: d.days)
    return now + timedelta(days=shortest.days), f"{shortest.pack}: {shortest.basis}"[:200]


def contest(
    state: CandorState, session: Session, interview: Interview, *, statement: str
) -> tuple[ReviewRequest, bool]:
    """Record a candidate's request for human review; returns it and whether it is new."""
    current = InterviewState(interview.state)
    if current in ENDED:
        raise ReviewError(
            "This interview has ended, so there is nothing to review. Contact the employer.", 409
        )
    existing = open_requests(session, interview.id)
    if existing:
        return existing[0], False
    job = session.get(Job, interview.job_id)
    now = utcnow()
    deadline, basis = request_deadline(state, job.location, now)
    subject_id = session.scalar(select(Candidate.subject_id).where(Candidate.id == interview.candidate_id))
    kind = RequestKind.CONTEST if current == InterviewState.DECIDED else RequestKind.HUMAN_REVIEW
    request = ReviewRequest(
        interview_id=interview.id,
        candidate_id=interview.candidate_id,
        subject_id=subject_id,
        kind=kind,
        deadline=deadline,
        deadline_basis=basis,
        created_at=now,
    )
    if statement.strip():
        request.statement = statement.strip()
    session.add(request)
    if kind == RequestKind.CONTEST:
        interview.move_to(
            InterviewState.AWAITING_REVIEW,
            actor=f"candidate:{interview.candidate_id}",
            reason="contested by the candidate",
        )
    session.flush()
    audit.record(
        session,
        "consent.request_human_review",
        f"candidate:{interview.candidate_id}",
        purpose="recruitment",
        details={"interview": interview.id, "request": request.id, "kind": kind.value},
    )
    return request, True
