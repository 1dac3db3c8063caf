"""Coding answers: run the candidate's code with the runner for the question's language and keep the outcome.

A coding question keeps its hidden tests and limits in ``details``:
``{"language": "python", "tests": [{"name",
"code"}], "limits": {...}}``. The candidate never sees them. The code itself is not stored here (only its
SHA-256), so that no personal data sits outside the vault; the score and each test's result are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from candor.interfaces import CodeRunner, CodeTest, SandboxLimits
from candor.interviews.models import Question
from candor.questions.models import CodeRun, InterviewQuestion
from candor.questions.sets import QuestionSetError
from candor.state import CandorState

MAX_SOURCE_BYTES = 64 * 1024


def code_runners(state: CandorState) -> dict[str, tuple[str, CodeRunner]]:
    """Runners by language, with the plugin that offered each; two for one language is a configuration
    error."""
    found: dict[str, tuple[str, CodeRunner]] = {}
    for plugin, runners in state.plugins.call_each("candor_register_code_runners"):
        for runner in runners:
            if runner.language in found:
                raise QuestionSetError(
                    f"Two code runners for {runner.language!r}: {found[runner.language][0]} and "
                    f"{plugin}; disable one of the plugins."
                )
            found[runner.language] = (plugin, runner)
    return found


def hidden_tests(details: Mapping[str, Any] | None) -> tuple[str, list[CodeTest], SandboxLimits]:
    if not details or not details.get("tests"):
        raise QuestionSetError(
            "This coding question has no hidden tests; add them to the question's details."
        )
    tests = [CodeTest(str(t["name"]), str(t["code"])) for t in details["tests"]]
    limits = SandboxLimits(**dict(details.get("limits") or {}))
    return str(details.get("language") or "python"), tests, limits


def run_answer(session: Session, state: CandorState, asked: InterviewQuestion, source: str) -> CodeRun:
    """Run ``source`` against the hidden tests of the question version the interview pinned; store the
    outcome."""
    question = session.get(Question, asked.question_id) if asked.question_id else None
    if question is None or asked.kind != "coding":
        raise QuestionSetError("This is not a coding question of the job's set; only those run code.")
    details = question.details
    if len(source.encode("utf-8")) > MAX_SOURCE_BYTES:
        raise QuestionSetError(f"The code is longer than {MAX_SOURCE_BYTES // 1024} KiB; shorten it.")
    language, tests, limits = hidden_tests(details)
    runners = code_runners(state)
    if language not in runners:
        raise QuestionSetError(
            f"No enabled code runner for {language!r}; enabled: {', '.join(runners) or 'none'}."
        )
    plugin, runner = runners[language]
    result = runner.run(source, tests, limits)
    run = CodeRun(
        interview_question_id=asked.id,
        runner=plugin,
        language=language,
        source_sha256=hashlib.sha256(source.encode("utf-8")).hexdigest(),
        score=result.score,
        passed=result.passed,
        total=len(result.tests),
        stopped=result.stopped,
        detail=result.detail[:300],
        tests=[{"name": t.name, "passed": t.passed, "message": t.message} for t in result.tests],
        isolation=result.isolation,
        wall_seconds=round(result.wall_seconds, 3),
    )
    session.add(run)
    session.flush()
    return run
