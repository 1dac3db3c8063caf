"""Set-up of the onboarding tests: a candidate a reviewer advanced, and a local HR system."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask

from candor import DataCategory, PluginDeclaration, Purpose, hookimpl
from candor.auth.models import Role, User
from candor.auth.passwords import hash_password
from candor.interviews.models import Candidate, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.review.models import Outcome, ReviewDecision
from candor.state import get_state


class RecordingHr:
    """An HR system that keeps what it is sent, keyed by idempotency key as a real receiver deduplicates."""

    name = "hr"

    def __init__(self) -> None:
        self.received: dict[str, dict[str, Any]] = {}

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(name="hr", title="Local HR", description="Receives hires in the tests.",
                                 capabilities=frozenset({"ehr_sync"}),
                                 data_categories=frozenset({DataCategory.EMPLOYMENT,
                                                            DataCategory.ASSESSMENT}),
                                 purposes=frozenset({Purpose.RECRUITMENT, Purpose.ONBOARDING}))

    @hookimpl
    def candor_register_ehr_connectors(self, settings: Mapping[str, Any]) -> list[Any]:
        return [self]

    def pull_jobs(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def pull_applicants(self, since: str | None) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def push_event(self, event: Mapping[str, Any], idempotency_key: str) -> Mapping[str, Any]:
        self.received[idempotency_key] = dict(event)
        return {"receipt": idempotency_key}


def advanced_decision(app: Flask, *, outcome: Outcome = Outcome.ADVANCE, language: str = "en",
                      location: str = "CN") -> tuple[int, int]:
    """A candidate whose interview a reviewer decided; returns ``(decision id, candidate id)``."""
    with get_state(app).db.transaction() as session:
        org = Organization(name="Acme Robotics", slug=f"acme-{secrets.token_hex(3)}", jurisdictions=["CN"],
                           contact_email="privacy@acme.example")
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Backend Engineer", description="Payments.",
                  requirements="Python", location=location, language="en")
        reviewer = User(email=f"reviewer-{secrets.token_hex(3)}@acme.example", role=Role("reviewer"),
                        password_hash=hash_password("a long enough password"))
        session.add_all([job, reviewer])
        session.flush()
        candidate = Candidate(organization_id=org.id, full_name="Mei Lin", email="mei@example.com",
                              phone="+8613800138000", language=language)
        session.add(candidate)
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id, state=InterviewState.AWAITING_REVIEW)
        session.add(interview)
        session.flush()
        decision = ReviewDecision(interview_id=interview.id, reviewer_id=reviewer.id, outcome=outcome,
                                  reason="Strong answers on payments.")
        session.add(decision)
        session.flush()
        return decision.id, candidate.id
