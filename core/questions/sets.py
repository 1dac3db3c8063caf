"""A job's question sets: generating a draft from the enabled generators, HR edits as new versions, approval.

Owns the rules: only a draft can be edited; editing a question writes a new row (same ``key``, next
``version``) and retires the old one, so the history stays; editing an approved set starts a new draft
version;
approving a set supersedes the previously approved one. Questions store the competencies with the indicators
the scorer looks for, in the set's language. It does not decide what to ask in an interview (``pinning``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from candor.db import utcnow
from candor.interfaces import GeneratedQuestion
from candor.interviews.models import Question, QuestionKind
from candor.jobs.models import Job
from candor.questions.library import LANGUAGES, CompetencyLibrary, load_library
from candor.questions.models import QuestionSet, SetState
from candor.state import CandorState


class QuestionSetError(ValueError):
    """A question-set operation is not allowed; the message says why and what to do instead."""


@dataclass(frozen=True)
class Proposal:
    """What the generators propose for a job, before anything is stored."""

    language: str
    library_version: str
    competencies: list[dict[str, Any]]
    questions: list[tuple[str, GeneratedQuestion]]  # (generator plugin, question)

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "library_version": self.library_version,
            "competencies": self.competencies,
            "questions": [
                {
                    "text": q.text,
                    "kind": q.kind,
                    "competencies": list(q.competencies),
                    "indicators": list(q.indicators),
                    "reason": q.reason,
                    "generator": plugin,
                }
                for plugin, q in self.questions
            ],
        }


def competency_library(state: CandorState) -> CompetencyLibrary:
    """The built-in library, extended by plugins' files and the organisation's ``competency_dirs``."""
    files: list[Path] = []
    for _plugin, paths in state.plugins.call_each("candor_register_competency_libraries"):
        files.extend(Path(p) for p in paths)
    return load_library(files, state.settings.competency_dirs)


def question_generators(state: CandorState) -> list[tuple[str, Any]]:
    return [
        (plugin, generator)
        for plugin, offered in state.plugins.call_each("candor_register_question_generators")
        for generator in offered
    ]


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise QuestionSetError(f"Language {language!r} is not supported; use one of {', '.join(LANGUAGES)}.")
    return language


def propose(state: CandorState, job: Mapping[str, Any], language: str) -> Proposal:
    """Ask every enabled generator for questions; collect the competencies they cover."""
    check_language(language)
    if not str(job.get("title") or "").strip() and not str(job.get("description") or "").strip():
        raise QuestionSetError("The job has neither a title nor a description; give at least one.")
    library = competency_library(state)
    request = {**job, "library": library}
    questions: list[tuple[str, GeneratedQuestion]] = []
    for plugin, generator in question_generators(state):
        questions.extend((plugin, q) for q in generator.generate(request, language))
    seen: dict[str, dict[str, Any]] = {}
    for _plugin, question in questions:
        for cid in question.competencies:
            if cid in library.competencies and cid not in seen:
                seen[cid] = library.describe(cid, language)
    return Proposal(language, library.version, list(seen.values()), questions)


def generate_set(
    session: Session, state: CandorState, job: Job, *, actor: str, language: str | None = None
) -> QuestionSet:
    """A new draft set for the job from the generators; earlier sets stay as they are."""
    language = check_language(language or job.language or "en")
    proposal = propose(
        state,
        {"title": job.title, "description": job.description, "requirements": job.requirements},
        language,
    )
    if not proposal.questions:
        raise QuestionSetError(
            "No generator proposed a question for this job: its text matches no competency "
            "in the library. Add requirements, or add questions by hand to a draft set."
        )
    library = competency_library(state)
    question_set = _new_set(
        session,
        job,
        language,
        actor,
        proposal.library_version,
        sorted({plugin for plugin, _ in proposal.questions}),
    )
    for position, (plugin, generated) in enumerate(proposal.questions, start=1):
        session.add(_question_row(question_set, position, generated, library, plugin, source="generated"))
    session.flush()
    return question_set


def _new_set(
    session: Session, job: Job, language: str, actor: str, library_version: str, generators: Sequence[str]
) -> QuestionSet:
    latest = session.scalar(select(func.max(QuestionSet.version)).where(QuestionSet.job_id == job.id)) or 0
    question_set = QuestionSet(
        job_id=job.id,
        version=latest + 1,
        language=language,
        state=SetState.DRAFT,
        library_version=library_version,
        generators=list(generators),
        created_by=actor,
    )
    session.add(question_set)
    session.flush()
    return question_set


def _question_row(
    question_set: QuestionSet,
    position: int,
    generated: GeneratedQuestion,
    library: CompetencyLibrary,
    plugin: str,
    *,
    source: str,
) -> Question:
    competencies = []
    for cid in generated.competencies:
        entry = (
            library.describe(cid, question_set.language)
            if cid in library.competencies
            else {"id": cid, "name": cid}
        )
        entry["indicators"] = list(generated.indicators) or entry.get("indicators", [])
        competencies.append(entry)
    return Question(
        job_id=question_set.job_id,
        set_id=question_set.id,
        key=secrets.token_hex(8),
        version=1,
        position=position,
        kind=QuestionKind(generated.kind),
        language=question_set.language,
        text=generated.text,
        competencies=competencies,
        source=source,
        reason=generated.reason[:300],
        generator=plugin,
        details=dict(generated.details) or None,
    )


def current_questions(session: Session, question_set: QuestionSet) -> list[Question]:
    return list(
        session.scalars(
            select(Question)
            .where(Question.set_id == question_set.id, Question.retired_at.is_(None))
            .order_by(Question.position)
        )
    )


def editable_set(session: Session, question_set: QuestionSet, actor: str) -> QuestionSet:
    """The set itself if it is a draft; otherwise a new draft version copying its current questions."""
    if question_set.state == SetState.DRAFT:
        return question_set
    job = session.get(Job, question_set.job_id)
    assert job is not None
    draft = _new_set(
        session, job, question_set.language, actor, question_set.library_version, question_set.generators
    )
    for question in current_questions(session, question_set):
        session.add(
            Question(
                job_id=question.job_id,
                set_id=draft.id,
                key=question.key,
                version=question.version,
                position=question.position,
                kind=question.kind,
                language=question.language,
                text=question.text,
                competencies=question.competencies,
                source=question.source,
                reason=question.reason,
                generator=question.generator,
                details=question.details,
                think_seconds=question.think_seconds,
                answer_seconds=question.answer_seconds,
                max_retakes=question.max_retakes,
            )
        )
    session.flush()
    return draft


def edit_question(
    session: Session,
    question: Question,
    *,
    actor: str,
    text: str | None = None,
    indicators: Sequence[str] | None = None,
    answer_seconds: int | None = None,
) -> Question:
    """HR's edit: a new version of the question in a draft set; the old version is kept, retired."""
    if question.retired_at is not None:
        raise QuestionSetError("This version of the question was replaced; edit the current one.")
    question_set = session.get(QuestionSet, question.set_id)
    if question_set is None or question_set.state != SetState.DRAFT:
        raise QuestionSetError(
            "Only questions of a draft set can be edited; call editable_set() first, which "
            "starts a new draft version of an approved set."
        )
    if text is not None and not text.strip():
        raise QuestionSetError("The question text is empty; write the question or remove it.")
    competencies = [dict(c) for c in question.competencies]
    if indicators is not None:
        cleaned = [i.strip() for i in indicators if i.strip()]
        if not cleaned:
            raise QuestionSetError("Give at least one indicator: the scorer needs to know what to look for.")
        for competency in competencies:
            competency["indicators"] = cleaned
    question.retired_at = utcnow()
    new = Question(
        job_id=question.job_id,
        set_id=question.set_id,
        key=question.key,
        version=question.version + 1,
        position=question.position,
        kind=question.kind,
        language=question.language,
        text=text.strip() if text is not None else question.text,
        competencies=competencies,
        source="edited",
        reason=question.reason,
        generator=question.generator,
        details=question.details,
        think_seconds=question.think_seconds,
        answer_seconds=answer_seconds if answer_seconds is not None else question.answer_seconds,
        max_retakes=question.max_retakes,
    )
    session.add(new)
    session.flush()
    return new


def approve_set(session: Session, question_set: QuestionSet, *, actor: str) -> QuestionSet:
    """HR approves the draft: interviews invited from now on ask exactly these question versions."""
    if question_set.state != SetState.DRAFT:
        raise QuestionSetError(f"Only a draft can be approved; this set is {question_set.state}.")
    if not current_questions(session, question_set):
        raise QuestionSetError("The set has no questions; add at least one before approving it.")
    for previous in session.scalars(
        select(QuestionSet).where(
            QuestionSet.job_id == question_set.job_id, QuestionSet.state == SetState.APPROVED
        )
    ):
        previous.state = SetState.SUPERSEDED
    question_set.state = SetState.APPROVED
    question_set.approved_by = actor
    question_set.approved_at = utcnow()
    session.flush()
    return question_set


def approved_set(session: Session, job_id: int) -> QuestionSet | None:
    return session.scalar(
        select(QuestionSet).where(QuestionSet.job_id == job_id, QuestionSet.state == SetState.APPROVED)
    )
