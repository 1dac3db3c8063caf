"""An app with one transcript analyzer, interviews waiting for review, and staff with bearer tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from candor import DataCategory, PluginDeclaration, Purpose, hookimpl
from candor.app import create_app
from candor.auth.models import Role, User
from candor.auth.passwords import hash_password
from candor.auth.permissions import ROLE_PERMISSIONS
from candor.auth.tokens import create_token
from candor.interviews.links import issue_link_token
from candor.interviews.models import Answer, Candidate, Interview, Question
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.state import get_state

CALLS: list[int] = []


class Scorer:
    """A transcript scorer with the declaration a real one carries; it records every call it gets."""

    name = "scorer"
    needs = frozenset({"transcript"})

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(
            name="scorer",
            title="Scorer",
            description="Scores answers against the job's competencies.",
            capabilities=frozenset({"competency_scoring"}),
            data_categories=frozenset({DataCategory.TRANSCRIPT}),
            purposes=frozenset({Purpose.AI_EVALUATION}),
            limits=("Trained on English answers only.",),
            accuracy={"agreement_with_raters": 0.71},
        )

    @hookimpl
    def candor_register_analyzers(self, settings: Any) -> list[Any]:
        return [self]

    def analyze(self, inputs: dict[str, Any], settings: Any) -> dict[str, Any]:
        CALLS.append(inputs["answer_id"])
        return {
            "scores": {"leadership": {"score": 4, "evidence": "led a team of five"}},
            "flags": ["short answer"],
            "model_id": "scorer-1",
        }


@pytest.fixture
def app(candor_settings: dict[str, Any]) -> Iterator[Flask]:
    CALLS.clear()
    # The test scorer stands in for the built-in one.
    app = create_app({**candor_settings, "plugins_disable": ["competency_scorer"]}, plugins=[Scorer()])
    yield app
    get_state(app).db.dispose()


@pytest.fixture
def staff(app: Flask) -> Callable[[str], tuple[int, dict[str, str]]]:
    """``staff("reviewer")`` creates a user with a token holding every permission of the role."""

    def make(role: str) -> tuple[int, dict[str, str]]:
        with get_state(app).db.transaction() as session:
            user = User(
                email=f"{role}-{secrets.token_hex(4)}@example.com",
                role=Role(role),
                password_hash=hash_password("a long enough password"),
            )
            session.add(user)
            session.flush()
            bearer, _ = create_token(session, user, "tests", [p.value for p in ROLE_PERMISSIONS[Role(role)]])
            return user.id, {"Authorization": f"Bearer {bearer}"}

    return make


def make_interview(
    app: Flask,
    *,
    location: str = "DE",
    state: InterviewState = InterviewState.AWAITING_REVIEW,
    media_key: str | None = None,
) -> dict[str, Any]:
    """An organisation, a job at ``location``, a candidate with one answer, moved along to ``state``."""
    app_state = get_state(app)
    with app_state.db.transaction() as session:
        org = session.scalar(select(Organization).where(Organization.slug == f"acme-{location.lower()}"))
        if org is None:
            org = Organization(name="Acme", slug=f"acme-{location.lower()}", jurisdictions=[location])
            session.add(org)
            session.flush()
        job = Job(organization_id=org.id, title="Analyst", location=location)
        candidate = Candidate(organization_id=org.id, full_name="Ada Example", email="ada@example.com")
        session.add_all([job, candidate])
        session.flush()
        question = Question(job_id=job.id, position=1, text="Describe a time you led a team.")
        interview = Interview(job_id=job.id, candidate_id=candidate.id)
        session.add_all([question, interview])
        session.flush()
        answer = Answer(
            interview_id=interview.id, question_id=question.id, state="uploaded", media_key=media_key
        )
        session.add(answer)
        path = [
            InterviewState.INVITED,
            InterviewState.IN_PROGRESS,
            InterviewState.SUBMITTED,
            InterviewState.ANALYSING,
            InterviewState.AWAITING_REVIEW,
            InterviewState.DECIDED,
        ]
        for step in path[: path.index(state) + 1] if state in path else []:
            interview.move_to(step, actor="system:tests")
        session.flush()
        token = issue_link_token(app_state.app_secret, interview)
        return {
            "interview": interview.id,
            "job": job.id,
            "org": org.id,
            "candidate": candidate.id,
            "answer": answer.id,
            "subject": candidate.subject_id,
            "token": token,
        }


def candidate_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Candidate {token}", "User-Agent": "Mozilla/5.0 (Linux; Android 9)"}


def assign(client: Any, recruiter: dict[str, str], interview: int, reviewer: int) -> None:
    response = client.post(
        f"/api/v1/review/interviews/{interview}/assignments", json={"reviewer": reviewer}, headers=recruiter
    )
    assert response.status_code == 201, response.json
