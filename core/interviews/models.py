"""Candidates, interviews, questions, answers and analyses.

Personal fields of the candidate are marked in ``info={"personal": True}``: the vault encrypts them (see
``candor.vault.fields``: ``candidate.email`` is plaintext in Python, ``email_sealed`` the stored ciphertext,
``email_index`` the blind index for lookups) and the audit log records every access. Answers and analyses
carry their own processing state so that no crash loses
track of them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from candor.db import Base, utcnow
from candor.interviews.states import InterviewState, check_transition
from candor.vault.fields import Encrypted, SealedBytes
from candor.vault.models import DataSubject, SubjectKind

PERSONAL = {"personal": True}


class Candidate(Base):
    """A person applying. Name, contact details and the HR system's id are encrypted with their subject's key;
    look them up with ``candor.vault.lookup(session, Candidate, "email", value)``."""

    __tablename__ = "candidates"
    __vault_subject_kind__ = SubjectKind.CANDIDATE

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random row identity bound into this row's ciphertexts (the primary key is unknown before insert).
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("data_subjects.id"), index=True)
    external_ref_sealed: Mapped[bytes | None] = mapped_column("external_ref", SealedBytes, info=PERSONAL)
    external_ref_index: Mapped[str | None] = mapped_column(String(64), index=True)
    full_name_sealed: Mapped[bytes] = mapped_column("full_name", SealedBytes, info=PERSONAL)
    email_sealed: Mapped[bytes | None] = mapped_column("email", SealedBytes, info=PERSONAL)
    email_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_sealed: Mapped[bytes | None] = mapped_column("phone", SealedBytes, info=PERSONAL)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subject: Mapped[DataSubject] = relationship(lazy="joined")  # every decryption needs it

    external_ref = Encrypted(index="external_id")
    full_name = Encrypted()
    email = Encrypted(index="email")
    phone = Encrypted(index="phone")


class Interview(Base):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    state: Mapped[InterviewState] = mapped_column(String(20), default=InterviewState.CREATED, index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: SHA-256 of the nonce in the current candidate link; issuing a new link invalidates the old one.
    access_nonce_hash: Mapped[str | None] = mapped_column(String(64))
    #: The candidate declined AI evaluation and asked for an alternative process or accommodation.
    ai_opt_out: Mapped[bool] = mapped_column(default=False)
    ai_opt_out_at: Mapped[datetime | None]

    transitions: Mapped[list[InterviewTransition]] = relationship(
        back_populates="interview", order_by="InterviewTransition.id"
    )
    answers: Mapped[list[Answer]] = relationship(back_populates="interview", order_by="Answer.id")

    def move_to(self, state: InterviewState, *, actor: str, reason: str = "") -> None:
        """Change state if the state machine allows it, keeping the history."""
        current = InterviewState(self.state or InterviewState.CREATED)  # column default applies at insert
        check_transition(current, state)
        now = utcnow()
        self.transitions.append(
            InterviewTransition(from_state=current, to_state=state, actor=actor, reason=reason, at=now)
        )
        self.state = state
        self.state_changed_at = now


class InterviewTransition(Base):
    """One step in an interview's history: who moved it, when and why (no personal data in ``reason``)."""

    __tablename__ = "interview_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    interview: Mapped[Interview] = relationship(back_populates="transitions")


class QuestionKind(StrEnum):
    PRACTICE = "practice"  # not scored
    BEHAVIOURAL = "behavioural"
    FOLLOW_UP = "follow_up"
    CODING = "coding"
    CASE = "case"


class Question(Base):
    """A question of a job's set. Versions are kept so that an interview records exactly what it asked."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[QuestionKind] = mapped_column(String(20), default=QuestionKind.BEHAVIOURAL)
    language: Mapped[str] = mapped_column(String(10), default="en")
    text: Mapped[str] = mapped_column(Text)
    competencies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    think_seconds: Mapped[int] = mapped_column(Integer, default=30)
    answer_seconds: Mapped[int] = mapped_column(Integer, default=120)
    max_retakes: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The set version it belongs to (``candor.questions.models.QuestionSet``); an HR edit writes a new row with
    #: the same ``key`` and the next ``version`` and retires this one.
    set_id: Mapped[int | None] = mapped_column(ForeignKey("question_sets.id"), index=True)
    key: Mapped[str] = mapped_column(String(32), default="")
    retired_at: Mapped[datetime | None]
    source: Mapped[str] = mapped_column(String(20), default="generated")  # generated, edited, added
    reason: Mapped[str] = mapped_column(String(300), default="")
    generator: Mapped[str] = mapped_column(String(100), default="")
    #: Kind-specific data: hidden tests and limits of a coding question, the rubric of a case question.
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AnswerState(StrEnum):
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    ANALYSED = "analysed"
    REJECTED = "rejected"  # invalid media; the candidate may record again
    FAILED = "failed"


class Answer(Base):
    """One recording (or typed answer) of one asked question. A re-recording is a new row with the next
    ``attempt``; the latest attempt that is not rejected is the one analysed.

    While it uploads, ``received_bytes`` is how much of ``total_bytes`` the server holds (in encrypted parts,
    see ``candor.interviews.uploads``), so a page that lost its connection asks and continues from there.
    """

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("interview_id", "question_id", "attempt"),
        UniqueConstraint("interview_question_id", "attempt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), index=True)
    #: The job's question (absent for follow-ups and personalised questions, which exist only in one interview).
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id"))
    #: The question as this interview asked it (``candor.questions.models.InterviewQuestion``).
    interview_question_id: Mapped[int | None] = mapped_column(ForeignKey("interview_questions.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[AnswerState] = mapped_column(String(20), default=AnswerState.UPLOADING)
    media_key: Mapped[str | None] = mapped_column(String(200))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    mime_type: Mapped[str | None] = mapped_column(String(100))
    total_bytes: Mapped[int | None] = mapped_column(Integer)
    received_bytes: Mapped[int] = mapped_column(Integer, default=0)
    #: What the recorder said it recorded; a decoded duration far shorter means the file was cut.
    recorded_seconds: Mapped[float | None] = mapped_column(Float)
    #: Container, codecs and picture size found when the upload was checked (no content).
    media_info: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Why the recording was rejected or processing failed, in words for the candidate (no content).
    error: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    interview: Mapped[Interview] = relationship(back_populates="answers")
    analyses: Mapped[list[Analysis]] = relationship(back_populates="answer", order_by="Analysis.id")


class Analysis(Base):
    """One analyzer's run on one answer, with what the EU AI Act Art. 12 asks to be logged."""

    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("answer_id", "analyzer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    analyzer: Mapped[str] = mapped_column(String(100))
    plugin: Mapped[str] = mapped_column(String(40))
    plugin_version: Mapped[str] = mapped_column(String(40))
    model_id: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="pending")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    output: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    answer: Mapped[Answer] = relationship(back_populates="analyses")
