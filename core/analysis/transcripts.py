"""Transcripts: kept encrypted in full and in a redacted form; plugins only ever see the redacted one.

Speech-to-text output belongs to the candidate's data subject, so erasing the candidate shreds it too. The
redacted form replaces names, contact details, ID and card numbers with their type (``<EMAIL_ADDRESS>``);
text analyzers, exports and notifications receive it. Which kinds of personal data were found is kept as
counts per type, never the values.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Float, ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from candor.analysis.speech import Word
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
    #: Per-word times and confidences (JSON), with each word's text redacted where redaction found personal data.
    words_sealed: Mapped[bytes | None] = mapped_column("words", SealedBytes, info=PERSONAL)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    found: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # entity type -> count
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subject: Mapped[DataSubject] = relationship(lazy="joined")  # every decryption needs it

    full_text = Encrypted()
    redacted_text = Encrypted()
    words = Encrypted()


def _language_code(language: str) -> str:
    return "zh" if language.lower().startswith("zh") else "en"


def redact_words(text: str, words: Sequence[Word], findings: Sequence[Any]) -> list[Word]:
    """``words`` with the text of each word that overlaps a redaction finding replaced by ``<ENTITY_TYPE>``.

    Words are located in ``text`` in order (engines join their words into the text), so a finding's character
    span says which words it covers.
    """
    redacted, position = [], 0
    for word in words:
        at = text.find(word.text, position) if word.text else -1
        if at < 0:
            redacted.append(word)
            continue
        position = at + len(word.text)
        hit = next((f for f in findings if f.start < position and at < f.end), None)
        redacted.append(Word(f"<{hit.entity_type}>", word.start, word.end, word.confidence) if hit else word)
    return redacted


def store_transcript(app: Flask, session: Session, answer: Answer, text: str, *, language: str,
                     engine: str, words: Sequence[Word] = (), duration: float | None = None) -> Transcript:
    """Redact ``text`` and store both forms under the candidate's subject (replacing an earlier one), with the
    per-word times whose texts are redacted alike."""
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
    transcript.words = json.dumps(
        [[w.text, round(w.start, 3), round(w.end, 3), round(w.confidence, 3)]
         for w in redact_words(text, words, redaction.findings)], ensure_ascii=False)
    transcript.duration_seconds = duration
    transcript.found = dict(Counter(finding.entity_type for finding in redaction.findings))
    session.flush()
    return transcript


def redacted_transcript(session: Session, answer_id: int) -> str | None:
    transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer_id))
    return None if transcript is None else transcript.redacted_text
