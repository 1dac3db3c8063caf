"""An accepted answer's way through analysis, as durable units of work that run while the interview goes on.

1. ``core.prepare_answer``: marks the answer ``processing`` and queues what can start at once: speech-to-text and
   every analyzer that reads only the recording (video cues), so they run side by side on the workers.
2. ``core.transcribe``: decodes the sound to 16 kHz mono, asks the speech engine chosen for the job's language
   (``speech_engines`` setting, else pocketsphinx for English and vosk for the rest, the next engine when one has
   no model), stores the transcript encrypted with its redacted form and per-word times, asks the question
   generators for a follow-up (the candidate page shows it next), then queues the analyzers that read the
   transcript (delivery, competency scoring).
3. ``core.analyse`` (``candor.analysis.steps``): one analyzer on one answer; the last one to finish marks the
   answer ``analysed``.
Each step asks the purpose gate when it runs, records an ``Analysis`` (plugin, version, model, inputs by
reference, outputs, timing; EU AI Act Art. 12), and is idempotent: a retried step overwrites its own record.
A candidate who asked for a human-only process gets no AI step at all; their answers wait for a person.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.inputs import load_material
from candor.analysis.media import MediaError, decode_audio
from candor.analysis.speech import SpeechModelMissing, SpeechResult, language_matches
from candor.analysis.steps import ANALYSE_KIND, analysis_record, purpose_for, schedule_answer_analysis
from candor.analysis.transcripts import store_transcript
from candor.consent.gate import check_gate
from candor.db import utcnow
from candor.declarations import Purpose
from candor.interfaces import SpeechToText
from candor.interviews.models import Answer, AnswerState, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.questions.models import InterviewQuestion
from candor.tasks import enqueue
from candor.vault.media import decrypted_media

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

PREPARE_KIND = "core.prepare_answer"
TRANSCRIBE_KIND = "core.transcribe"
PIPELINE_KINDS = (PREPARE_KIND, TRANSCRIBE_KIND, ANALYSE_KIND)
#: Engines tried, in order, when the ``speech_engines`` setting names none for a language.
DEFAULT_ENGINES = {"en": ("pocketsphinx_stt", "vosk_stt"), "*": ("vosk_stt",)}


def _subject(interview: Interview) -> str:
    return f"candidate:{interview.candidate_id}"


def schedule_processing(state: CandorState, session: Session, answer: Answer) -> None:
    """Queue the answer's preparation; the caller's commit sends it. Safe to call twice."""
    interview = session.get(Interview, answer.interview_id)
    enqueue(session, PREPARE_KIND, {"answer_id": answer.id}, dedupe_key=f"prepare:{answer.id}",
            subject=_subject(interview), purpose="recruitment")


def speech_engines(state: CandorState) -> dict[str, SpeechToText]:
    return {plugin: analyzer for (plugin, _name), analyzer in state.analyzers.items()
            if isinstance(analyzer, SpeechToText)
            and "speech_to_text" in state.plugins.declaration(plugin).capabilities}


def engine_order(state: CandorState, language: str) -> list[str]:
    """Speech-engine plugins to try for ``language``, best first, among those enabled."""
    enabled = speech_engines(state)
    configured = state.settings.speech_engines
    wanted = next((names for lang, names in configured.items() if language_matches(language, lang)), None)
    if wanted is None:
        wanted = next((names for lang, names in DEFAULT_ENGINES.items()
                       if lang != "*" and language_matches(language, lang)), DEFAULT_ENGINES["*"])
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    return [name for name in names if name in enabled]


def _is_engine(state: CandorState, plugin: str, name: str) -> bool:
    return speech_engines(state).get(plugin) is state.analyzers[(plugin, name)]


def run_prepare(state: CandorState, context: WorkContext) -> dict[str, Any]:
    session = context.session
    answer = session.get(Answer, context.payload["answer_id"])
    if answer is None or answer.state not in (AnswerState.UPLOADED, AnswerState.PROCESSING):
        return {"outcome": "nothing_to_do"}
    interview = session.get(Interview, answer.interview_id)
    answer.state = AnswerState.PROCESSING
    if interview.ai_opt_out:
        _close_without_ai(session, answer)
        return {"outcome": "human_only"}
    steps = schedule_answer_analysis(
        state, session, answer,
        select=lambda plugin, name, needs: "transcript" not in needs and not _is_engine(state, plugin, name))
    enqueue(session, TRANSCRIBE_KIND, {"answer_id": answer.id}, dedupe_key=f"transcribe:{answer.id}",
            subject=_subject(interview), purpose=Purpose.AI_EVALUATION.value)
    return {"outcome": "queued", "steps": len(steps) + 1}


def _close_without_ai(session: Session, answer: Answer) -> None:
    asked = session.get(InterviewQuestion, answer.interview_question_id) if answer.interview_question_id else None
    if asked is not None and asked.answered_at is None:
        asked.answered_at = utcnow()  # no follow-up: generators read transcripts, which need AI processing
    answer.state = AnswerState.ANALYSED


@dataclass
class _Attempt:
    plugin: str
    name: str
    version: str
    state: str
    error: str | None = None
    result: SpeechResult | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    seconds: float = 0.0


def _try_engines(state: CandorState, order: list[str], audio_of: Any, language: str, allowed: dict[str, Any]
                 ) -> list[_Attempt]:
    """Ask each engine in turn until one transcribes; ``allowed`` is the gate's answer per plugin."""
    engines = speech_engines(state)
    attempts: list[_Attempt] = []
    for plugin in order:
        engine = engines[plugin]
        attempt = _Attempt(plugin, engine.name, state.plugins.get(plugin).version, "skipped")
        attempts.append(attempt)
        decision = allowed[plugin]
        if not decision.allowed:
            attempt.error = decision.summary
            break  # the gate's answer is about the candidate's consent: another engine would get the same
        attempt.started_at = utcnow()
        started = time.perf_counter()
        try:
            audio = audio_of()
            with audit.acting_as(f"plugin:{plugin}", purpose=Purpose.AI_EVALUATION.value,
                                 via=f"work:{TRANSCRIBE_KIND}"):
                attempt.result = engine.transcribe(audio, language)
        except SpeechModelMissing as exc:
            attempt.error = str(exc)
            continue  # the next engine may have a model for this language
        except MediaError as exc:
            attempt.state, attempt.error = "failed", str(exc)
            break
        finally:
            attempt.finished_at, attempt.seconds = utcnow(), round(time.perf_counter() - started, 4)
        attempt.state = "done"
        break
    return attempts


def run_transcribe(state: CandorState, context: WorkContext) -> dict[str, Any]:
    answer_id = context.payload["answer_id"]
    # 1. A short transaction of its own: the gate for each engine, and the recording's key.
    with state.db.transaction() as reading:
        answer = reading.get(Answer, answer_id)
        if answer is None or answer.state != AnswerState.PROCESSING:
            return {"outcome": "nothing_to_do"}
        interview = reading.get(Interview, answer.interview_id)
        job = reading.get(Job, interview.job_id)
        language, candidate_id = job.language, interview.candidate_id
        order = engine_order(state, language)
        allowed = {
            plugin: check_gate(state, reading, plugin=plugin, purpose=purpose_for(state, plugin),
                               candidate_id=candidate_id, location=job.location, interview_id=interview.id,
                               ai_opt_out=interview.ai_opt_out)
            for plugin in order
        }
        material = load_material(reading, answer, frozenset({"audio"}), language)

    # 2. Decoding and recognition, outside any transaction.
    decoded: list[bytes] = []

    def audio_of() -> bytes:
        if not decoded:
            if material.media_key is None or material.subject is None:
                raise MediaError("The answer has no recording.")
            with decrypted_media(state, material.subject, material.media_key, suffix=material.extension) as path:
                decoded.append(decode_audio(path))
        return decoded[0]

    attempts = _try_engines(state, order, audio_of, language, allowed)

    # 3. Records, transcript, follow-up and the next steps, written with the unit's completion.
    session = context.session
    state.db.lock_for_write(session)
    answer = session.get(Answer, answer_id)
    if answer is None:
        return {"outcome": "answer_gone"}
    for attempt in attempts:
        analysis = analysis_record(session, answer, attempt.plugin, attempt.name, attempt.version,
                                   {"answer_id": answer.id, "needs": ["audio"], "audio": "16 kHz mono PCM"})
        analysis.state, analysis.error = attempt.state, attempt.error
        analysis.started_at, analysis.finished_at = attempt.started_at, attempt.finished_at or utcnow()
        if attempt.result is not None:
            analysis.model_id = attempt.result.model_id or None
            analysis.output = {**attempt.result.summary(), "seconds": attempt.seconds}
            audit.record(session, "plugin.analyse", f"candidate:{candidate_id}",
                         purpose=Purpose.AI_EVALUATION.value, details={"plugin": attempt.plugin, "answer": answer.id})
    done = next((a for a in attempts if a.result is not None), None)
    asked = session.get(InterviewQuestion, answer.interview_question_id) if answer.interview_question_id else None
    follow_up = None
    if done is not None:
        result = done.result
        transcript = store_transcript(state.app or current_app, session, answer, result.text, language=language,
                                      engine=done.plugin, words=result.words, duration=result.duration)
        if asked is not None and asked.answered_at is None:
            interview = session.get(Interview, answer.interview_id)
            job = session.get(Job, interview.job_id)
            follow_up = _ask_follow_up(state, session, interview, job, asked, transcript.redacted_text)
    elif asked is not None and asked.answered_at is None:
        asked.answered_at = utcnow()  # no transcript, no follow-up: the page moves on
    steps = schedule_answer_analysis(
        state, session, answer,
        select=lambda plugin, name, needs: "transcript" in needs and not _is_engine(state, plugin, name))
    finish_if_done(session, answer, exclude=context.item_id)
    return {"outcome": "transcribed" if done is not None else "no_transcript", "steps": len(steps),
            "follow_up": follow_up, "engines_tried": len(attempts)}


def _ask_follow_up(state: CandorState, session: Session, interview: Interview, job: Job,
                   asked: InterviewQuestion, redacted: str) -> int | None:
    """Offer the redacted transcript to the question generators the gate lets read it."""
    from candor.questions.pinning import answer_given
    from candor.questions.sets import question_generators

    allowed = set()
    for plugin, _generator in question_generators(state):
        # Asking a follow-up is part of the interview itself (recruitment); the transcript it reads exists only
        # because the candidate consented to AI evaluation.
        decision = check_gate(state, session, plugin=plugin, purpose=Purpose.RECRUITMENT,
                              candidate_id=interview.candidate_id, location=job.location,
                              interview_id=interview.id, ai_opt_out=interview.ai_opt_out)
        if decision.allowed:
            allowed.add(plugin)
    with audit.acting_as("system:follow_up", purpose=Purpose.RECRUITMENT.value, via=f"work:{TRANSCRIBE_KIND}"):
        added = answer_given(session, state, asked, redacted, plugins=allowed)
    return added.id if added is not None else None


def finish_if_done(session: Session, answer: Answer, *, exclude: int | None = None) -> bool:
    """Mark the answer ``analysed`` when none of its pipeline steps is queued or running (besides ``exclude``)."""
    from candor.tasks.models import WorkItem, WorkState

    keys = [f"prepare:{answer.id}", f"transcribe:{answer.id}"]
    # Two steps finishing at once on two workers would each see the other still running and neither would mark
    # the answer: the answer's row lock makes the second wait for the first's commit, then see it done.
    session.execute(select(Answer.id).where(Answer.id == answer.id).with_for_update())
    pending = session.scalars(
        select(WorkItem.id).where(
            WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING]),
            (WorkItem.dedupe_key.in_(keys)) | (WorkItem.dedupe_key.like(f"analyse:{answer.id}:%")),
        )
    ).all()
    if any(item != exclude for item in pending):
        return False
    if answer.state == AnswerState.PROCESSING:
        answer.state = AnswerState.ANALYSED
    _conclude_when_last(session, answer, exclude)
    return True


def _conclude_when_last(session: Session, answer: Answer, exclude: int | None) -> None:
    """The last step of a submitted interview queues its conclusion now rather than at the next poll."""
    from candor.recruiting.loop import queue_conclusion
    from candor.tasks.models import WorkItem, WorkState

    interview = session.get(Interview, answer.interview_id)
    if interview is None or interview.state != InterviewState.ANALYSING:
        return
    answer_ids = set(session.scalars(select(Answer.id).where(Answer.interview_id == interview.id)))
    running = session.execute(
        select(WorkItem.id, WorkItem.payload).where(WorkItem.kind.in_(PIPELINE_KINDS),
                                                    WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING]))
    ).all()
    if not any(item != exclude and payload.get("answer_id") in answer_ids for item, payload in running):
        queue_conclusion(session, interview)
