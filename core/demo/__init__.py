"""The demo: an organisation, a job with generated and approved questions, and an invitation to try it.

``seed_demo`` makes what a newcomer needs to take an interview on a fresh installation (``make run`` calls it
through ``candor init --demo``) and returns the candidate link. It is safe to run again: it reuses the demo
organisation and job, and opens a new interview when the last one has been taken. ``candor demo`` (in
``candor.demo.run``) takes an interview itself with a synthesized voice and a packaged face.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from candor.interviews.links import issue_link_token
from candor.interviews.models import Candidate, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.models import InterviewQuestion
from candor.questions.pinning import pin_questions
from candor.questions.sets import approve_set, approved_set, current_questions, generate_set
from candor.recruiting.intake import intake_applicant, upsert_job
from candor.recruiting.invitations import interview_link

if TYPE_CHECKING:
    from candor.state import CandorState

DEMO_SLUG = "demo"
DEMO_JOB_REF = "DEMO-CSR-1"
DEMO_LOCATION = "US-IL"  # the Illinois AI Video Interview Act applies: its notice and consent are shown
DEMO_JOB = {
    "title": "Customer Support Specialist (demo)",
    "description": "Help customers by phone and chat, solve their problems and work with the product team.",
    "requirements": "Clear communication with customers. Teamwork with colleagues in other teams. "
    "Problem solving under time pressure.",
}


@dataclass(frozen=True)
class DemoInterview:
    organization_id: int
    job_id: int
    interview_id: int
    token: str
    link: str
    questions: int


def _organization(session: Session) -> Organization:
    organization = session.scalar(select(Organization).where(Organization.slug == DEMO_SLUG))
    if organization is None:
        organization = Organization(name="Demo Company", slug=DEMO_SLUG, jurisdictions=[DEMO_LOCATION],
                                    contact_email="privacy@demo.invalid")
        session.add(organization)
        session.flush()
    return organization


def _job(state: CandorState, session: Session, organization: Organization, questions: int,
         answer_seconds: int | None, think_seconds: int | None) -> Job:
    job = upsert_job(session, organization_id=organization.id, external_ref=DEMO_JOB_REF, location=DEMO_LOCATION,
                     language="en", **DEMO_JOB)
    if approved_set(session, job.id) is None:
        draft = generate_set(session, state, job, actor="system:demo")
        for extra in current_questions(session, draft)[questions:]:
            session.delete(extra)  # a draft's questions may go; the demo keeps it short
        for question in current_questions(session, draft)[:questions]:
            if answer_seconds:
                question.answer_seconds = answer_seconds
            if think_seconds is not None:
                question.think_seconds = think_seconds
        session.flush()
        approve_set(session, draft, actor="system:demo")
    return job


def seed_demo(state: CandorState, session: Session, *, questions: int = 3, answer_seconds: int | None = 60,
              think_seconds: int | None = 10) -> DemoInterview:
    """The demo organisation and job (made on first use) and an interview open to take, with its link.

    The caller commits. The link is new each time: an earlier link of the same interview stops working.
    """
    organization = _organization(session)
    job = _job(state, session, organization, questions, answer_seconds, think_seconds)
    open_states = (InterviewState.CREATED, InterviewState.INVITED, InterviewState.IN_PROGRESS)
    interview = session.scalar(
        select(Interview).where(Interview.job_id == job.id, Interview.state.in_(open_states))
        .order_by(Interview.id.desc()).limit(1))
    if interview is None:
        number = (session.scalar(select(func.count()).select_from(Candidate)
                                 .where(Candidate.organization_id == organization.id)) or 0) + 1
        interview = intake_applicant(state, session, job_id=job.id, external_ref=f"demo-{number}",
                                     full_name=f"Demo Candidate {number}", email=f"candidate{number}@demo.invalid",
                                     source="manual")
    if not session.scalar(select(func.count()).where(InterviewQuestion.interview_id == interview.id)):
        pin_questions(session, state, interview)
    if interview.state == InterviewState.CREATED:
        interview.move_to(InterviewState.INVITED, actor="system:demo", reason="demo link issued")
    token = issue_link_token(state.app_secret, interview)
    session.flush()
    count = session.scalar(select(func.count()).where(InterviewQuestion.interview_id == interview.id)) or 0
    return DemoInterview(organization.id, job.id, interview.id, token, interview_link(state, token), int(count))
