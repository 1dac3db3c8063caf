"""Voluntary demographic answers, kept apart from the candidate, and the interview outcomes audits measure.

``DemographicRecord`` is its own table so that nothing that loads a candidate, an interview or an analysis
loads it by accident; its answers are sealed under the candidate's data subject (erasing the candidate shreds
them) and every read is in the audit log (``candor.audit.access``). Only ``candor.fairness`` reads it, and
only to count people in the aggregate report.

``InterviewOutcome`` is what the tool produced for one interview: the score, whether the candidate advanced
(the selection, e.g. to an in-person interview) and whether they were hired. The review flow fills it.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from candor.db import Base, utcnow
from candor.interviews.models import PERSONAL
from candor.vault.fields import Encrypted, SealedBytes
from candor.vault.models import DataSubject, SubjectKind


class DemographicRecord(Base):
    __tablename__ = "demographic_records"
    __vault_subject_kind__ = SubjectKind.CANDIDATE

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("data_subjects.id"), index=True)
    #: JSON ``{dimension: category key or "decline_to_answer"}``, sealed.
    answers_sealed: Mapped[bytes] = mapped_column("answers", SealedBytes, info=PERSONAL)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    subject: Mapped[DataSubject] = relationship(lazy="joined")  # every decryption needs it

    answers = Encrypted()

    def choices(self) -> dict[str, str]:
        return json.loads(self.answers) if self.answers else {}


class InterviewOutcome(Base):
    __tablename__ = "interview_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), unique=True)
    score: Mapped[float | None] = mapped_column(Float)
    #: Advanced to the next stage (for Illinois §20: afforded an in-person interview); None: not decided yet.
    selected: Mapped[bool | None]
    hired: Mapped[bool | None]
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
