"""Writing clean rows: jobs through ``candor.recruiting.upsert_job`` and applicants through
``candor.recruiting.intake_applicant``, so that imported applicants follow the same path as those from an HR
system (interview, pinned questions, invitation).

Until ``candor.recruiting`` is installed, a minimal fallback writes the job, candidate and interview rows
directly so that imports work on their own; it queues no invitation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.imports.rows import CandidateRow, JobRow
from candor.state import CandorState

SOURCE = "import"


class RowRefused(Exception):
    """The write of a row was refused; the message names no personal value."""


def _recruiting() -> Any:
    try:
        import candor.recruiting as recruiting

        recruiting.intake_applicant  # noqa: B018 - fail here if only a part of the package is present
        return recruiting
    except (ImportError, AttributeError):
        return None


def write_job(session: Session, organization_id: int, row: JobRow) -> int:
    recruiting = _recruiting()
    values = {"organization_id": organization_id, "external_ref": row.external_ref, "title": row.title,
              "description": row.description, "requirements": row.requirements, "location": row.location,
              "language": row.language}
    if recruiting is not None:
        try:
            return int(recruiting.upsert_job(session, **values).id)
        except recruiting.IntakeError as exc:
            raise RowRefused(str(exc)) from None
    return _fallback_job(session, values)


def write_candidate(state: CandorState, session: Session, job_id: int, row: CandidateRow) -> int:
    recruiting = _recruiting()
    if recruiting is not None:
        try:
            interview = recruiting.intake_applicant(
                state, session, job_id=job_id, external_ref=row.external_ref, full_name=row.full_name,
                email=row.email, phone=row.phone, language=row.language, source=SOURCE)
        except recruiting.IntakeError as exc:
            raise RowRefused(str(exc)) from None
        return int(interview.id)
    return _fallback_candidate(session, job_id, row)


def _fallback_job(session: Session, values: dict[str, Any]) -> int:
    from candor.jobs.models import Job, JobStatus

    job = session.scalar(select(Job).where(Job.organization_id == values["organization_id"],
                                           Job.external_ref == values["external_ref"]))
    if job is None:
        job = Job(status=JobStatus.OPEN, **values)
        session.add(job)
    else:
        for name, value in values.items():
            setattr(job, name, value)
    session.flush()
    return int(job.id)


def _fallback_candidate(session: Session, job_id: int, row: CandidateRow) -> int:
    from candor.interviews.models import Candidate, Interview
    from candor.jobs.models import Job, JobStatus
    from candor.vault import lookup

    job = session.get(Job, job_id)
    if job is None or job.status == JobStatus.CLOSED:
        raise RowRefused(f"Job {job_id} does not exist or is closed.")
    candidate = session.scalars(lookup(session, Candidate, "external_ref", row.external_ref or "")
                                .where(Candidate.organization_id == job.organization_id)).first()
    if candidate is None:
        candidate = Candidate(organization_id=job.organization_id, language=row.language)
        candidate.external_ref = row.external_ref
        session.add(candidate)
    candidate.full_name = row.full_name
    candidate.email = row.email
    candidate.phone = row.phone
    session.flush()
    interview = session.scalar(select(Interview).where(Interview.candidate_id == candidate.id,
                                                       Interview.job_id == job_id))
    if interview is None:
        interview = Interview(job_id=job_id, candidate_id=candidate.id)
        session.add(interview)
        session.flush()
    return int(interview.id)
