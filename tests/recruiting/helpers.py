"""Shared set-up of the recruiting tests: an organisation, jobs with an approved question set, a mailbox."""

from __future__ import annotations

from typing import Any

from flask import Flask

from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.sets import approve_set, generate_set
from candor.recruiting import upsert_job
from candor.state import get_state

JOB_TEXT = {
    "title": "Backend Engineer",
    "description": "Build and run our payment services with a small team; mentor junior engineers.",
    "requirements": "Python, SQL, teamwork, communication, problem solving, ownership of production systems.",
}


def make_organization(app: Flask, slug: str = "acme") -> int:
    with get_state(app).db.transaction() as session:
        org = Organization(name="Acme Robotics", slug=slug, jurisdictions=["US"],
                           contact_email="privacy@acme.example")
        session.add(org)
        session.flush()
        return org.id


def make_job(app: Flask, organization_id: int, *, ref: str = "REQ-1", location: str = "US-NYC",
             approve: bool = True, **overrides: Any) -> int:
    state = get_state(app)
    with state.db.transaction() as session:
        job = upsert_job(session, organization_id=organization_id, external_ref=ref, location=location,
                         language="en", **{**JOB_TEXT, **overrides})
        if approve:
            approve_question_set(app, session, job)
        return job.id


def approve_question_set(app: Flask, session: Any, job: Job) -> None:
    """HR generates the set from the job's text and approves it as it is."""
    state = get_state(app)
    question_set = generate_set(session, state, job, actor="user:hr")
    approve_set(session, question_set, actor="user:hr")
