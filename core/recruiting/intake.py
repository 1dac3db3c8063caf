"""Intake: jobs and applicants arriving from HR systems, webhooks and imports become jobs, candidates and
interviews.

Owns the rules every source shares: a job is found again by its source's id (``external_ref``) within its
organisation; a candidate is found again through the vault's blind index on the external id, never by
decrypting; an applicant applying twice to the same job gets the same interview; the interview pins the job's
approved question set and its invitation is queued, or waits when HR has not approved a set yet (``release``
sends those once a set is approved). Contact details go to the vault only; nothing here logs them.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.dsar.models import ConnectorDisclosure
from candor.interviews.models import Candidate, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job, JobStatus
from candor.policy import PolicyError
from candor.policy.jurisdictions import normalise_location
from candor.questions.pinning import pin_questions
from candor.questions.sets import approved_set
from candor.recruiting.invitations import queue_invitation
from candor.recruiting.models import Application, Invitation, InvitationStatus
from candor.state import CandorState
from candor.vault import lookup

log = logging.getLogger(__name__)

#: Candidate languages the invitations are written in, by the spellings sources use for them.
CANDIDATE_LANGUAGES = {"en": "en", "en-us": "en", "en-gb": "en", "en_us": "en", "en_gb": "en",
                       "zh": "zh-CN", "zh-cn": "zh-CN", "zh_cn": "zh-CN", "zh-hans": "zh-CN", "cn": "zh-CN"}
#: Job (question set) languages, as ``candor.questions`` names them.
JOB_LANGUAGES = {"en": "en", "zh": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh"}


class IntakeError(ValueError):
    """An applicant or job cannot be taken in; the message says which field and what to send instead.
    It never quotes personal values."""


def candidate_language(value: str | None) -> str:
    key = (value or "en").strip().lower()
    if key not in CANDIDATE_LANGUAGES:
        raise IntakeError(f"Language {value!r} is not supported for invitations; use 'en' or 'zh-CN'.")
    return CANDIDATE_LANGUAGES[key]


def job_language(value: str | None) -> str:
    key = (value or "en").strip().lower()
    if key not in JOB_LANGUAGES:
        raise IntakeError(f"Job language {value!r} is not supported; use 'en' or 'zh'.")
    return JOB_LANGUAGES[key]


def upsert_job(
    session: Session,
    *,
    organization_id: int,
    external_ref: str,
    title: str,
    description: str = "",
    requirements: str = "",
    location: str,
    language: str = "en",
) -> Job:
    """The organisation's job known to its source as ``external_ref``, created or brought up to date.

    A new job is ``open``. A job whose text changed keeps its question sets: HR decides whether they
    still fit.
    """
    ref = (external_ref or "").strip()
    if not ref:
        raise IntakeError("The job has no external_ref; send the source system's id of the job.")
    if not (title or "").strip():
        raise IntakeError(f"Job {ref}: the title is empty; send the job's title.")
    try:
        code = normalise_location(location or "")
    except PolicyError as exc:
        raise IntakeError(f"Job {ref}: {exc}") from None
    values = {"title": title.strip()[:300], "description": (description or "").strip(),
              "requirements": (requirements or "").strip(), "location": code,
              "language": job_language(language)}
    job = session.scalar(select(Job).where(Job.organization_id == organization_id, Job.external_ref == ref))
    if job is None:
        job = Job(organization_id=organization_id, external_ref=ref, status=JobStatus.OPEN, **values)
        session.add(job)
        session.flush()
        audit.record(session, "system.job_created", f"job:{job.id}", purpose="recruitment",
                     details={"organization": organization_id})
        return job
    changed = sorted(name for name, value in values.items() if getattr(job, name) != value)
    for name in changed:
        setattr(job, name, values[name])
    if changed:
        session.flush()
        audit.record(session, "system.job_updated", f"job:{job.id}", purpose="recruitment",
                     details={"fields": changed})
    return job


def intake_applicant(
    state: CandorState,
    session: Session,
    *,
    job_id: int,
    external_ref: str,
    full_name: str,
    email: str,
    phone: str | None = None,
    language: str = "en",
    source: str,
    application_ref: str | None = None,
    resume_text: str | None = None,
) -> Interview:
    """The interview of this applicant for this job, created (with its candidate) or found again.

    :param external_ref: the source's id of the person; the candidate is found again by it.
    :param source: where the applicant came from: a connector plugin's name, ``import`` or ``manual``.
    :param application_ref: the source's id of the application, where results are written back.
    :param resume_text: unused unless the candidate later consents to personalisation; never stored here.
    :raises IntakeError: a required field is missing or the job is unknown or closed.
    """
    del resume_text  # personalised questions need consent first; they are pinned by the candidate page later
    ref = (external_ref or "").strip()
    if not ref:
        raise IntakeError("The applicant has no external_ref; send the source system's id of the person.")
    if not (full_name or "").strip():
        raise IntakeError("The applicant's name is empty; send the full name.")
    if not (email or "").strip() or "@" not in email:
        raise IntakeError("The applicant's e-mail address is missing or malformed; send a valid address.")
    if not (source or "").strip():
        raise IntakeError("Say where the applicant came from ('source': a connector, 'import' or 'manual').")
    job = session.get(Job, job_id)
    if job is None:
        raise IntakeError(f"There is no job {job_id}; create it (upsert_job) before its applicants.")
    if job.status == JobStatus.CLOSED:
        raise IntakeError(f"Job {job_id} is closed; reopen it to take in applicants.")
    language = candidate_language(language)

    if application_ref:
        known = session.scalar(select(Application).where(Application.source == source,
                                                         Application.reference == application_ref))
        if known is not None:
            return session.get(Interview, known.interview_id)  # type: ignore[return-value]

    candidate = _find_candidate(session, job.organization_id, ref)
    if candidate is None:
        candidate = Candidate(organization_id=job.organization_id, language=language)
        candidate.external_ref = ref
        session.add(candidate)
    # Contact details follow the source: the newest application carries the current ones.
    candidate.full_name = full_name.strip()
    candidate.email = email.strip().lower()
    candidate.phone = phone.strip() if phone and phone.strip() else None
    candidate.language = language
    session.flush()

    interview = session.scalar(select(Interview).where(Interview.candidate_id == candidate.id,
                                                       Interview.job_id == job.id))
    if interview is not None:
        return interview
    interview = Interview(job_id=job.id, candidate_id=candidate.id, state=InterviewState.CREATED)
    session.add(interview)
    session.flush()
    session.add(Application(interview_id=interview.id, candidate_id=candidate.id, job_id=job.id,
                            source=source, reference=application_ref))
    _record_disclosure(state, session, candidate.id, source, application_ref)
    invitation = Invitation(interview_id=interview.id, language=language, status=InvitationStatus.WAITING)
    session.add(invitation)
    session.flush()
    audit.record(session, "system.applicant_intake", f"candidate:{candidate.id}", purpose="recruitment",
                 details={"interview": interview.id, "job": job.id, "source": source})
    if approved_set(session, job.id) is not None:
        pin_questions(session, state, interview)
        queue_invitation(state, session, invitation)
    return interview


def release(state: CandorState, session: Session, job_id: int) -> int:
    """Pin questions and queue invitations for the job's interviews that waited for an approved set."""
    if approved_set(session, job_id) is None:
        return 0
    waiting = session.execute(
        select(Interview, Invitation)
        .join(Invitation, Invitation.interview_id == Interview.id)
        .where(Interview.job_id == job_id, Interview.state == InterviewState.CREATED,
               Invitation.status == InvitationStatus.WAITING)
    ).all()
    for interview, invitation in waiting:
        pin_questions(session, state, interview)
        queue_invitation(state, session, invitation)
    return len(waiting)


def _find_candidate(session: Session, organization_id: int, external_ref: str) -> Candidate | None:
    query = lookup(session, Candidate, "external_ref", external_ref).where(
        Candidate.organization_id == organization_id)
    return session.scalars(query).first()


def _record_disclosure(state: CandorState, session: Session, candidate_id: int, source: str,
                       application_ref: str | None) -> None:
    """A connector that sent us the applicant holds their data: erasure must reach it (GDPR Art. 17(2))."""
    if not application_ref:
        return
    for plugin, connectors in state.plugins.call_each("candor_register_ehr_connectors"):
        if plugin != source:
            continue
        for connector in connectors:
            session.add(ConnectorDisclosure(candidate_id=candidate_id, plugin=plugin,
                                            connector=connector.name, reference=application_ref))
        return
