"""What an analyzer receives, by what it ``needs``, and nothing more.

- always: ``answer_id`` and ``language`` (the job's);
- ``audio``: the answer's sound as 16 kHz mono signed 16-bit PCM bytes;
- ``video``: a ``candor.analysis.media.VideoSource`` over the recording (``frames(fps)``);
- ``transcript``: the REDACTED transcript text, and ``speech``: ``{"text", "words": [{"text", "start", "end",
  "confidence"}], "language", "duration"}`` with redacted word texts, for analyzers that need word times;
- ``question``: the question as asked (``id``, ``text``, ``kind``, ``language``, ``competencies`` with indicators).

Material is loaded in two moves (see ``candor.analysis.steps``): ``load_material`` reads the database in a short
transaction (transcripts decrypt there, and their reads are audited), and ``analyzer_inputs`` does the slow part
afterwards, outside any transaction: the recording is decrypted into a private temporary file that is deleted
when the block ends, and decoded as the analyzer needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.analysis.media import VideoSource, decode_audio
from candor.analysis.transcripts import Transcript
from candor.interviews.models import Answer, Candidate, Interview
from candor.questions.models import InterviewQuestion
from candor.vault.media import decrypted_media
from candor.vault.models import DataSubject

if TYPE_CHECKING:
    from candor.state import CandorState

MEDIA_INPUTS = frozenset({"audio", "video"})


@dataclass
class Material:
    """An answer's material for one analyzer, read from the database; media stays encrypted until used."""

    answer_id: int
    language: str
    media_key: str | None = None
    subject: DataSubject | None = None
    transcript: str | None = None
    speech: dict[str, Any] | None = None
    question: dict[str, Any] | None = None
    extension: str = ""


def question_view(asked: InterviewQuestion) -> dict[str, Any]:
    return {
        "id": asked.id,
        "text": asked.text,
        "kind": asked.kind,
        "language": asked.language,
        "competencies": asked.competencies or [],
        "answer_seconds": asked.answer_seconds,
        "follow_up_of": asked.follow_up_of_id,
    }


def speech_view(transcript: Transcript) -> dict[str, Any]:
    words = json.loads(transcript.words) if transcript.words else []
    return {
        "text": transcript.redacted_text,
        "words": [{"text": w[0], "start": w[1], "end": w[2], "confidence": w[3]} for w in words],
        "language": transcript.language,
        "duration": transcript.duration_seconds,
    }


def load_material(session: Session, answer: Answer, needs: frozenset[str], language: str) -> Material:
    """Read what ``needs`` asks for; objects the slow part uses are detached from ``session``."""
    material = Material(answer_id=answer.id, language=language)
    if needs & MEDIA_INPUTS and answer.media_key:
        interview = session.get(Interview, answer.interview_id)
        candidate = session.get(Candidate, interview.candidate_id)
        subject = session.get(DataSubject, candidate.subject_id)
        session.expunge(subject)  # keeps its loaded key material after the transaction ends
        material.media_key, material.subject = answer.media_key, subject
        material.extension = "." + answer.media_key.rsplit(".", 1)[-1] if "." in answer.media_key else ""
    if "transcript" in needs:
        transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer.id))
        if transcript is not None:
            material.transcript = transcript.redacted_text
            material.speech = speech_view(transcript)
    if "question" in needs and answer.interview_question_id:
        asked = session.get(InterviewQuestion, answer.interview_question_id)
        if asked is not None:
            material.question = question_view(asked)
    return material


@contextmanager
def analyzer_inputs(state: CandorState, material: Material, needs: frozenset[str]) -> Iterator[dict[str, Any]]:
    """The inputs dict; a decrypted copy of the recording exists only while the block runs."""
    inputs: dict[str, Any] = {"answer_id": material.answer_id, "language": material.language}
    if "transcript" in needs:
        inputs["transcript"] = material.transcript
        inputs["speech"] = material.speech
    if "question" in needs:
        inputs["question"] = material.question
    with ExitStack() as stack:
        if needs & MEDIA_INPUTS and material.media_key and material.subject is not None:
            path = stack.enter_context(
                decrypted_media(state, material.subject, material.media_key, suffix=material.extension))
            if "audio" in needs:
                inputs["audio"] = decode_audio(path)
            if "video" in needs:
                inputs["video"] = VideoSource(path)
        yield inputs
