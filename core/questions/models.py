"""Question sets of a job, the questions an interview pins, and the runs of coding answers.

A ``QuestionSet`` is one version of a job's questions: generated as a draft, edited by HR (each edit writes a
new ``Question`` row with the next version and retires the old one) and approved before invitations go out.
An ``InterviewQuestion`` copies the exact text, competencies and indicators an interview asks, with the
question's id and version, so later edits never change what a candidate was asked. A ``CodeRun`` keeps the
outcome of a coding answer and a digest of the code, not the code itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class SetState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"  # a later version was approved


class QuestionSet(Base):
    __tablename__ = "question_sets"
    __table_args__ = (UniqueConstraint("job_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(10))
    state: Mapped[SetState] = mapped_column(String(20), default=SetState.DRAFT)
    library_version: Mapped[str] = mapped_column(String(300), default="")
    generators: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PinSource(StrEnum):
    SET = "set"  # from the job's approved question set
    PERSONALISED = "personalised"  # from the redacted resume, with consent
    FOLLOW_UP = "follow_up"


class InterviewQuestion(Base):
    """A question as one interview asks it. Follow-ups share their question's ``position``, ordered by
    ``step``."""

    __tablename__ = "interview_questions"
    __table_args__ = (UniqueConstraint("interview_id", "position", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    step: Mapped[int] = mapped_column(Integer, default=0)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    question_version: Mapped[int | None] = mapped_column(Integer)
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("interview_questions.id"))
    source: Mapped[PinSource] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    competencies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(300), default="")
    generator: Mapped[str] = mapped_column(String(100), default="")
    library_version: Mapped[str] = mapped_column(String(300), default="")
    answer_seconds: Mapped[int] = mapped_column(Integer, default=120)
    think_seconds: Mapped[int] = mapped_column(Integer, default=30)
    #: How many times the candidate may record again after a first recording (``0`` for follow-ups).
    max_retakes: Mapped[int] = mapped_column(Integer, default=1)
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeRun(Base):
    """One run of a coding answer against the question's hidden tests."""

    __tablename__ = "code_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_question_id: Mapped[int] = mapped_column(ForeignKey("interview_questions.id"), index=True)
    runner: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(20))
    source_sha256: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    stopped: Mapped[str] = mapped_column(String(20), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    tests: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    isolation: Mapped[str] = mapped_column(String(20), default="")
    wall_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
