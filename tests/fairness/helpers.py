"""Building interviews with consent, demographic answers and outcomes through the real services."""

from __future__ import annotations

from typing import Any

from candor.consent.models import ConsentChannel
from candor.consent.service import Evidence, record_decisions, withdraw
from candor.declarations import Purpose
from candor.fairness.models import InterviewOutcome
from candor.interviews.links import issue_link_token
from candor.interviews.models import Candidate, Interview
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.state import get_state


def make_job(app, title: str = "Analyst", location: str = "US-NYC") -> tuple[int, int]:
    with get_state(app).db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{abs(hash(title)) % 10**6}", jurisdictions=[location],
                           contact_email="privacy@acme.example")
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title=title, location=location)
        session.add(job)
        session.flush()
        return org.id, job.id


def grant_bias_audit(session, candidate_id: int, interview_id: int, granted: bool = True) -> None:
    record_decisions(session, candidate_id=candidate_id, interview_id=interview_id,
                     decisions={Purpose.BIAS_AUDIT: granted}, notice_version="test", notice_hash="0" * 64,
                     offered=[Purpose.BIAS_AUDIT], ip_key=b"k" * 32,
                     evidence=Evidence(language="en", channel=ConsentChannel.WEB))


def make_applicant(app, org_id: int, job_id: int, *, consent: bool | None = True, score: float | None = None,
                   selected: bool | None = None, hired: bool | None = None,
                   created_at: Any = None) -> dict[str, Any]:
    """A candidate with one interview of the job; returns ids and the candidate's link token."""
    with get_state(app).db.transaction() as session:
        candidate = Candidate(organization_id=org_id, full_name="Pat Example", email="pat@example.com")
        session.add(candidate)
        session.flush()
        interview = Interview(job_id=job_id, candidate_id=candidate.id)
        if created_at is not None:
            interview.created_at = created_at
        session.add(interview)
        session.flush()
        token = issue_link_token(get_state(app).app_secret, interview)
        if consent is not None:
            grant_bias_audit(session, candidate.id, interview.id, consent)
        if (score, selected, hired) != (None, None, None):
            session.add(InterviewOutcome(interview_id=interview.id, score=score, selected=selected,
                                         hired=hired))
        return {"candidate": candidate.id, "interview": interview.id, "token": token}


def withdraw_bias_audit(app, candidate_id: int) -> None:
    with get_state(app).db.transaction() as session:
        withdraw(session, candidate_id=candidate_id, purposes=[Purpose.BIAS_AUDIT],
                 channel=ConsentChannel.WEB)


def candidate(token: str) -> dict[str, str]:
    return {"Authorization": f"Candidate {token}"}
