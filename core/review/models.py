"""What human review keeps: who may review an interview, the AI's recommendation, each reviewer's own rating,
the decision with its reasons, the candidates' requests for (another) human review, the "blind first" setting
and the stop button's suspensions.

Nothing here carries personal data except the candidate's own words in a review request, which are encrypted
under the candidate's data subject like every other personal field.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from candor.db import Base, utcnow
from candor.interviews.models import PERSONAL
from candor.vault.fields import Encrypted, SealedBytes
from candor.vault.models import DataSubject, SubjectKind


class Outcome(StrEnum):
    """What a person decides, and what an AI may recommend."""

    ADVANCE = "advance"
    HOLD = "hold"
    REJECT = "reject"


class AIRecommendation(StrEnum):
    ADVANCE = "advance"
    HOLD = "hold"
    REJECT = "reject"
    NEEDS_HUMAN_REVIEW = "needs_human_review"  # the analyzers could not recommend: a person must look closely


class ReviewAssignment(Base):
    """A named reviewer for an interview; only they may rate, decide and play its videos (Illinois §10)."""

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("interview_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(100))  # an audit actor (user:N, token:N)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class InterviewRecommendation(Base):
    """The AI's recommendation for an interview, produced by analyzers; the newest row is the current one."""

    __tablename__ = "interview_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    recommendation: Mapped[AIRecommendation] = mapped_column(String(30))
    explanation: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    produced_by: Mapped[str] = mapped_column(String(100))  # plugin.analyzer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewerRating(Base):
    """A reviewer's own rating. ``ai_seen`` says whether the AI part was visible when they made it, so that
    a blind rating and the AI's can be compared later (automation bias)."""

    __tablename__ = "reviewer_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(String(20))
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # competency -> number
    notes: Mapped[str] = mapped_column(Text, default="")
    ai_seen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewDecision(Base):
    """A person's decision. ``ai_recommendation`` is what the AI said at that moment; ``override_reason`` is
    required and kept whenever the decision differs from it."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    ai_recommendation: Mapped[str | None] = mapped_column(String(30))
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("interview_recommendations.id"))
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("reviewer_ratings.id"))
    overrides_ai: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BlindReviewSetting(Base):
    """The "blind first" setting of an organisation (``job_id`` empty) or of one job; a job's row wins over
    its organisation's."""

    __tablename__ = "blind_review_settings"
    __table_args__ = (UniqueConstraint("organization_id", "job_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    blind_first: Mapped[bool] = mapped_column(default=False)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestKind(StrEnum):
    CONTEST = "contest"  # the candidate contests a decision already made
    HUMAN_REVIEW = "human_review"  # the candidate asks that a person look at it (before a decision)


class ReviewRequest(Base):
    """A candidate's request for human review, with the deadline by which a person must answer it."""

    __tablename__ = "review_requests"
    __vault_subject_kind__ = SubjectKind.CANDIDATE

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("data_subjects.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(String(20))
    statement_sealed: Mapped[bytes | None] = mapped_column("statement", SealedBytes, info=PERSONAL)
    deadline: Mapped[datetime]
    deadline_basis: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id"))

    subject: Mapped[DataSubject] = relationship(lazy="joined")  # every decryption needs it

    statement = Encrypted()


class SuspensionTarget:
    """``Suspension.plugin`` is a plugin name, or this value for all AI evaluation."""

    ALL_AI = "*"


class Suspension(Base):
    """The stop button: one analyzer plugin, or all AI evaluation (``plugin`` = ``*``), suspended for a job or
    a whole organisation (``job_id`` empty) until lifted."""

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    plugin: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    cancelled_work: Mapped[int] = mapped_column(default=0)

    @property
    def all_ai(self) -> bool:
        return self.plugin == SuspensionTarget.ALL_AI

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organization": self.organization_id,
            "job": self.job_id,
            "scope": "job" if self.job_id is not None else "organization",
            "what": "all_ai_evaluation" if self.all_ai else "analyzer",
            "plugin": None if self.all_ai else self.plugin,
            "reason": self.reason,
            "by": self.created_by,
            "at": self.created_at.isoformat(),
            "lifted_at": self.lifted_at.isoformat() if self.lifted_at else None,
            "lifted_by": self.lifted_by,
            "cancelled_work": self.cancelled_work,
        }
