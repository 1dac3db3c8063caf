"""Intake: jobs found again by their source id, applicants by the vault's blind index, one interview per
applicant and job, questions pinned from the approved set, invitations queued or waiting for a set."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from candor.dsar.models import ConnectorDisclosure
from candor.interviews.models import Candidate, Interview
from candor.jobs.models import Job
from candor.questions.models import InterviewQuestion
from candor.recruiting import IntakeError, intake_applicant, release, upsert_job
from candor.recruiting.models import Application, Invitation, InvitationStatus
from candor.state import get_state
from candor.tasks.models import WorkItem

from .helpers import approve_question_set, make_job, make_organization


def _intake(app, job: int, **overrides):
    state = get_state(app)
    values = {"job_id": job, "external_ref": "CAND-7", "full_name": "Mei Lin", "email": "Mei.Lin@example.com",
              "phone": "+1 212 555 0101", "language": "en", "source": "import"}
    values.update(overrides)
    with state.db.transaction() as session:
        interview = intake_applicant(state, session, **values)
        return interview.id, interview.candidate_id


def test_upsert_job_creates_then_updates_in_place(candor_app):
    org = make_organization(candor_app)
    first = make_job(candor_app, org, approve=False)
    again = make_job(candor_app, org, approve=False, title="Senior Backend Engineer")
    assert first == again
    with get_state(candor_app).db.transaction() as session:
        job = session.get(Job, first)
        assert (job.title, job.location, job.status) == ("Senior Backend Engineer", "US-NYC", "open")
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_upsert_job_refuses_bad_input_with_what_to_send(candor_app):
    org = make_organization(candor_app)
    with get_state(candor_app).db.transaction() as session:
        with pytest.raises(IntakeError, match="location|jurisdiction"):
            upsert_job(session, organization_id=org, external_ref="R", title="T", location="New York!")
        with pytest.raises(IntakeError, match="title is empty"):
            upsert_job(session, organization_id=org, external_ref="R", title=" ", location="US")
        with pytest.raises(IntakeError, match="external_ref"):
            upsert_job(session, organization_id=org, external_ref="", title="T", location="US")


def test_applicant_becomes_candidate_and_interview_with_pinned_questions(candor_app):
    org = make_organization(candor_app)
    job = make_job(candor_app, org)
    interview_id, candidate_id = _intake(candor_app, job)
    again_id, again_candidate = _intake(candor_app, job, email="mei.lin@example.com")
    assert (again_id, again_candidate) == (interview_id, candidate_id)
    with get_state(candor_app).db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate.email == "mei.lin@example.com"  # lower-cased; stored sealed
        assert session.scalar(select(func.count()).select_from(Candidate)) == 1
        pinned = session.scalar(select(func.count()).where(InterviewQuestion.interview_id == interview_id))
        assert pinned >= 1
        invitation = session.scalar(select(Invitation).where(Invitation.interview_id == interview_id))
        assert invitation.status == InvitationStatus.QUEUED
        assert invitation.lead_business_days == 10  # NYC LL144
        work = session.scalars(select(WorkItem).where(WorkItem.kind == "core.send_invitation")).all()
        assert [w.payload for w in work] == [{"invitation_id": invitation.id}]
        raw = session.execute(select(Candidate.__table__.c.email)).scalar_one()
        assert b"example.com" not in raw


def test_applicant_waits_for_an_approved_set_then_is_released(candor_app):
    org = make_organization(candor_app)
    job_id = make_job(candor_app, org, approve=False)
    interview_id, _ = _intake(candor_app, job_id, application_ref="APP-1", source="successfactors")
    state = get_state(candor_app)
    with state.db.transaction() as session:
        invitation = session.scalar(select(Invitation).where(Invitation.interview_id == interview_id))
        assert invitation.status == InvitationStatus.WAITING
        assert session.scalar(select(func.count()).select_from(WorkItem)) == 0
        assert release(state, session, job_id) == 0  # still no approved set
        approve_question_set(candor_app, session, session.get(Job, job_id))
        assert release(state, session, job_id) == 1
        assert invitation.status == InvitationStatus.QUEUED
        application = session.scalar(select(Application).where(Application.interview_id == interview_id))
        assert (application.source, application.reference) == ("successfactors", "APP-1")
    # the same application again (a second pull) is the same interview
    assert _intake(candor_app, job_id, application_ref="APP-1", source="successfactors")[0] == interview_id


def test_the_same_person_for_two_jobs_is_one_candidate_with_two_interviews(candor_app):
    org = make_organization(candor_app)
    first = make_job(candor_app, org, ref="REQ-1")
    second = make_job(candor_app, org, ref="REQ-2", location="DE")
    a, candidate_a = _intake(candor_app, first)
    b, candidate_b = _intake(candor_app, second, language="zh_CN")
    assert a != b and candidate_a == candidate_b
    with get_state(candor_app).db.transaction() as session:
        assert session.get(Candidate, candidate_a).language == "zh-CN"
        assert session.scalar(select(func.count()).select_from(Interview)) == 2
        assert session.scalar(select(func.count()).select_from(ConnectorDisclosure)) == 0  # not a connector


@pytest.mark.parametrize(("field", "value", "message"), [
    ("external_ref", " ", "external_ref"), ("full_name", "", "name is empty"), ("email", "nobody", "e-mail"),
    ("language", "fr", "'en' or 'zh-CN'"), ("job_id", 999, "no job 999"), ("source", "", "source"),
])
def test_bad_applicants_are_refused_without_echoing_personal_values(candor_app, field, value, message):
    org = make_organization(candor_app)
    job = make_job(candor_app, org, approve=False)
    with pytest.raises(IntakeError, match=message) as caught:
        _intake(candor_app, **{"job": job, field: value}) if field != "job_id" else _intake(candor_app, 999)
    assert "Mei" not in str(caught.value) and "CAND-7" not in str(caught.value)
