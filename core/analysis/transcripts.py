"""Transcripts: kept encrypted in full and in a redacted form; plugins only ever see the redacted one.

Speech-to-text output belongs to the candidate's data subject, so erasing the candidate shreds it too. The
redacted form replaces names, contact details, ID and card numbers with their type (``<EMAIL_ADDRESS>``);
text analyzers, exports and notifications receive it. Which kinds of personal data were found is kept as
counts per type, never the values.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from candor.db import Base, utcnow
from candor.interviews.models import PERSONAL, Answer, Candidate, Interview
from candor.vault.fields import Encrypted, SealedBytes
from candor.vault.models import DataSubject, SubjectKind

if TYPE_CHECKING:
    from flask import Flask


class Transcript(Base):
    __tablename__ = "transcripts"
    __vault_subject_kind__ = SubjectKind.CANDIDATE

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("data_subjects.id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    engine: Mapped[str] = mapped_column(String(100))
    full_text_sealed: Mapped[bytes] = mapped_column("full_text", SealedBytes, info=PERSONAL)
    redacted_text_sealed: Mapped[bytes] = mapped_column("redacted_text", SealedBytes, info=PERSONAL)
    found: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # entity type -> count
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subject: Mapped[DataSubject] = relationship(lazy="joined")  # every decryption needs it

    full_text = Encrypted()
    redacted_text = Encrypted()


def _language_code(language: str) -> str:
    return "zh" if language.lower().startswith("zh") else "en"


def store_transcript(app: Flask, session: Session, answer: Answer, text: str, *, language: str,
                     engine: str) -> Transcript:
    """Redact ``text`` and store both forms under the candidate's subject (replacing an earlier one)."""
    from candor.redaction.redactor import redactor_for

    redaction = redactor_for(app).redact(text, _language_code(language))
    interview = session.get(Interview, answer.interview_id)
    candidate = session.get(Candidate, interview.candidate_id) if interview else None
    if candidate is None:
        raise LookupError(f"answer {answer.id} has no candidate")
    transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer.id))
    if transcript is None:
        transcript = Transcript(answer_id=answer.id, subject_id=candidate.subject_id)
        session.add(transcript)
    transcript.language, transcript.engine = language, engine
    transcript.full_text = text
    transcript.redacted_text = redaction.text
    transcript.found = dict(Counter(finding.entity_type for finding in redaction.findings))
    session.flush()
    return transcript


def redacted_transcript(session: Session, answer_id: int) -> str | None:
    transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer_id))
    return None if transcript is None else transcript.redacted_text


def analyzer_inputs(session: Session, answer: Answer, needs: frozenset[str], language: str) -> dict[str, Any]:
    """What an analyzer receives: ids, the language, and the redacted transcript when it needs text."""
    inputs: dict[str, Any] = {"answer_id": answer.id, "language": language}
    if "transcript" in needs:
        inputs["transcript"] = redacted_transcript(session, answer.id)
    return inputs
