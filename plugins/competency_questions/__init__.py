"""Built-in question generator: competencies from a job's requirements, behavioural questions with the
indicators a scorer looks for, targeted questions from a redacted resume, and follow-ups after answers.

It works from the competency library the core hands it (``job["library"]``), in English and Chinese.
It never copies a resume or transcript into a question: targeted questions name only library terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.interfaces import GeneratedQuestion, QuestionGenerator
from candor.questions.library import CompetencyLibrary, load_library
from candor_plugins.competency_questions import follow_ups
from candor_plugins.competency_questions.matching import find_terms, match_competencies


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="competency_questions",
        title="Competency-based questions",
        description="Finds the competencies a job asks for and proposes behavioural questions for them; "
        "with your "
        "consent, adds questions about experience your resume mentions; may ask a follow-up when an "
        "answer leaves out what you did or how it ended.",
        capabilities=frozenset({"question_generation"}),
        data_categories=frozenset({DataCategory.JOB, DataCategory.RESUME, DataCategory.TRANSCRIPT}),
        purposes=frozenset({Purpose.RECRUITMENT, Purpose.PERSONALISATION}),
        settings=(
            Setting("max_competencies", 8, "At most this many competencies per job."),
            Setting("questions_per_competency", 1, "Questions proposed for each competency."),
            Setting("personal_questions", 3, "At most this many targeted questions from a resume."),
            Setting(
                "short_ratio", 0.3, "An answer shorter than this share of the expected length is followed up."
            ),
        ),
        limits=(
            "Matches wording, not meaning: a requirement phrased in words the library lacks is missed; "
            "HR reviews every generated set.",
        ),
    )


class CompetencyQuestions:
    name = "competency_questions"

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.max_competencies = int(settings.get("max_competencies", 8))
        self.per_competency = int(settings.get("questions_per_competency", 1))
        self.personal_questions = int(settings.get("personal_questions", 3))
        self.short_ratio = float(settings.get("short_ratio", 0.3))

    def competencies(self, job: Mapping[str, Any], language: str) -> list[Any]:
        library = _library(job)
        body = "\n".join(str(job.get(key) or "") for key in ("description", "requirements"))
        found = match_competencies(library, str(job.get("title") or ""), body, language)
        usable = [m for m in found if library.get(m.competency).questions.get(language)]
        return usable[: self.max_competencies]

    def generate(self, job: Mapping[str, Any], language: str) -> Sequence[GeneratedQuestion]:
        library = _library(job)
        questions = []
        for match in self.competencies(job, language):
            competency = library.get(match.competency)
            for text in competency.questions[language][: self.per_competency]:
                questions.append(
                    GeneratedQuestion(
                        text=text,
                        competencies=(competency.id,),
                        indicators=tuple(competency.indicators.get(language, [])),
                        reason="requirements mention: " + ", ".join(match.phrases[:3]),
                    )
                )
        return questions

    def personalise(
        self, job: Mapping[str, Any], resume_text: str, language: str
    ) -> Sequence[GeneratedQuestion]:
        library = _library(job)
        template = library.templates.get("experience", {}).get(language)
        if not template:
            return []
        wanted = {m.competency for m in self.competencies(job, language)}
        found: list[tuple[str, list[str]]] = []
        for experience in library.experiences.values():
            if find_terms(experience.terms.get(language, []), resume_text, language, library):
                found.append((experience.name.get(language, experience.id), experience.competencies))
        for term in find_terms(library.tech_terms, resume_text, language, library):
            found.append((term, library.tech_competencies))
        # Experience that bears on what the job asks for comes first.
        found.sort(key=lambda item: not wanted.intersection(item[1]))
        questions = []
        for label, competency_ids in found[: self.personal_questions]:
            indicators = [
                i for cid in competency_ids for i in library.get(cid).indicators.get(language, [])[:3]
            ]
            questions.append(
                GeneratedQuestion(
                    text=template.format(experience=label),
                    competencies=tuple(competency_ids),
                    indicators=tuple(indicators),
                    reason=f"resume mentions: {label}",
                )
            )
        return questions

    def follow_up(
        self, question: Mapping[str, Any], transcript: str, language: str
    ) -> GeneratedQuestion | None:
        chosen = follow_ups.choose(question, transcript, language, self.short_ratio)
        if chosen is None:
            return None
        competencies = [
            c["id"] if isinstance(c, Mapping) else str(c) for c in question.get("competencies", [])
        ]
        indicators = [
            i
            for c in question.get("competencies", [])
            if isinstance(c, Mapping)
            for i in c.get("indicators", [])
        ]
        return GeneratedQuestion(
            text=chosen.text,
            competencies=tuple(competencies),
            indicators=tuple(indicators),
            kind="follow_up",
            reason=chosen.rule,
        )


def _library(job: Mapping[str, Any]) -> CompetencyLibrary:
    library = job.get("library")
    return library if isinstance(library, CompetencyLibrary) else load_library()


@hookimpl
def candor_register_question_generators(settings: Mapping[str, Any]) -> Sequence[QuestionGenerator]:
    return [CompetencyQuestions(settings)]
