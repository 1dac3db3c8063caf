"""Question sets on real databases: generate, HR edits as versions, approval, pinning an interview's exact
questions, personalisation with and without consent, follow-ups within their limit, coding answers stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from candor.interviews.models import Candidate, Interview, Question
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.coding import run_answer
from candor.questions.models import CodeRun, InterviewQuestion, PinSource, SetState
from candor.questions.pinning import ConsentRequired, answer_given, next_question, pin_questions
from candor.questions.sets import (
    QuestionSetError,
    approve_set,
    current_questions,
    edit_question,
    editable_set,
    generate_set,
)
from candor.state import get_state

JD = (
    "Lead a team of five support agents, keep customer satisfaction high and solve problems on the first "
    "contact. Strong communication skills."
)
RESUME = (
    "[NAME] worked as team leader in a call centre (2019-2023); PMP certified; uses Python and SQL daily."
)


@pytest.fixture
def state(candor_app):
    return get_state(candor_app)


@pytest.fixture
def interview_id(state):
    with state.db.transaction() as session:
        org = Organization(name="Acme", slug="acme", jurisdictions=["EU"])
        session.add(org)
        session.flush()
        job = Job(
            organization_id=org.id, title="Support Team Lead", description=JD, location="DE", language="en"
        )
        candidate = Candidate(organization_id=org.id, full_name="Ada Example")
        session.add_all([job, candidate])
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id)
        session.add(interview)
        session.flush()
        return interview.id


def _approved(state, interview_id):
    with state.db.transaction() as session:
        job = session.get(Job, session.get(Interview, interview_id).job_id)
        question_set = generate_set(session, state, job, actor="hr@example.com")
        approve_set(session, question_set, actor="hr@example.com")
        return question_set.id


def test_generated_set_stores_competencies_indicators_and_versions(state, interview_id):
    with state.db.transaction() as session:
        job = session.get(Job, session.get(Interview, interview_id).job_id)
        question_set = generate_set(session, state, job, actor="hr@example.com")
        questions = current_questions(session, question_set)
        assert question_set.state == SetState.DRAFT and question_set.version == 1
        assert question_set.library_version.startswith("candor-core@")
        ids = {c["id"] for q in questions for c in q.competencies}
        assert {"team_leadership", "customer_orientation", "problem_solving", "communication"} <= ids
        assert all(q.competencies[0]["indicators"] and q.version == 1 for q in questions)


def test_hr_edit_makes_a_new_version_and_interviews_keep_theirs(state, interview_id):
    set_id = _approved(state, interview_id)
    with state.db.transaction() as session:
        pinned = pin_questions(session, state, session.get(Interview, interview_id))
        first = pinned[0]
        original_text, original_id = first.text, first.question_id
        approved = session.get(Question, original_id)
        with pytest.raises(QuestionSetError, match="draft"):
            edit_question(session, approved, actor="hr", text="Changed")
        from candor.questions.models import QuestionSet

        draft = editable_set(session, session.get(QuestionSet, set_id), actor="hr")
        assert draft.version == 2 and draft.state == SetState.DRAFT
        target = next(q for q in current_questions(session, draft) if q.key == approved.key)
        edited = edit_question(
            session,
            target,
            actor="hr",
            text="Tell me about leading a support team.",
            indicators=["sets clear goals", "coaches agents"],
        )
        assert (edited.key, edited.version, edited.source) == (approved.key, approved.version + 1, "edited")
        assert target.retired_at is not None
        approve_set(session, draft, actor="hr")
        assert session.get(QuestionSet, set_id).state == SetState.SUPERSEDED
    with state.db.transaction() as session:
        again = session.get(InterviewQuestion, first.id)
        assert (again.text, again.question_id, again.question_version) == (original_text, original_id, 1)


def test_personalisation_is_refused_without_consent(state, interview_id):
    _approved(state, interview_id)
    with state.db.transaction() as session:
        with pytest.raises(ConsentRequired, match="personalisation"):
            pin_questions(session, state, session.get(Interview, interview_id), resume_text=RESUME)
        assert session.scalars(select(InterviewQuestion)).all() == []


def test_personalisation_with_consent_targets_resume_experience(state, interview_id):
    from candor.consent.models import ConsentChannel, GateDecision
    from candor.consent.service import Evidence, record_decisions

    _approved(state, interview_id)
    with state.db.transaction() as session:
        interview = session.get(Interview, interview_id)
        record_decisions(session, candidate_id=interview.candidate_id, interview_id=interview_id,
                         decisions={"personalisation": True}, notice_version="test", notice_hash="0" * 64,
                         offered=["personalisation"], evidence=Evidence("en", ConsentChannel.WEB), ip_key=b"k")
    with state.db.transaction() as session:
        pinned = pin_questions(session, state, session.get(Interview, interview_id), resume_text=RESUME)
        decision = session.scalars(select(GateDecision)).one()
        assert (decision.plugin, decision.purpose, decision.allowed) == (
            "competency_questions", "personalisation", True)
        personal = [q for q in pinned if q.source == PinSource.PERSONALISED]
        assert 1 <= len(personal) <= 3
        texts = " ".join(q.text for q in personal)
        # Experience bearing on the job (people management, customer service) comes before technologies.
        assert "people management" in personal[0].text or "customer service" in personal[0].text
        assert "[NAME]" not in texts and "2019" not in texts  # nothing copied from the resume itself
        assert all(q.competencies and q.competencies[0]["indicators"] for q in personal)


def test_follow_ups_are_asked_next_and_capped(state, interview_id):
    _approved(state, interview_id)
    with state.db.transaction() as session:
        pinned = pin_questions(session, state, session.get(Interview, interview_id))
        first = pinned[0]
        follow_up = answer_given(session, state, first, "We did it together.")
        assert follow_up is not None and follow_up.reason == "too_short"
        assert follow_up.follow_up_of_id == first.id and follow_up.position == first.position
        assert next_question(session, interview_id).id == follow_up.id  # the candidate page asks it next
        # follow_ups_per_question defaults to 1: a second weak answer gets no more.
        assert answer_given(session, state, follow_up, "We did it.") is None
        assert next_question(session, interview_id).id == pinned[1].id


def test_follow_up_limit_is_a_setting(candor_settings):
    from candor.app import create_app

    app = create_app({**candor_settings, "follow_ups_per_question": 0})
    assert get_state(app).settings.follow_ups_per_question == 0
    get_state(app).db.dispose()


def test_coding_answer_is_run_and_stored(state, interview_id):
    _approved(state, interview_id)
    details = {
        "language": "python",
        "tests": [
            {"name": "adds", "code": "assert add(2, 3) == 5"},
            {"name": "zero", "code": "assert add(0, 0) == 0"},
        ],
        "limits": {"cpu_seconds": 2, "wall_seconds": 5},
    }
    with state.db.transaction() as session:
        interview = session.get(Interview, interview_id)
        from candor.questions.sets import approved_set

        question_set = approved_set(session, interview.job_id)
        session.add(
            Question(
                job_id=interview.job_id,
                set_id=question_set.id,
                key="coding01",
                position=99,
                kind="coding",
                language="en",
                text="Write add(a, b).",
                competencies=[],
                details=details,
            )
        )
        session.flush()
        pinned = pin_questions(session, state, interview)
        coding = next(q for q in pinned if q.kind == "coding")
        good = run_answer(session, state, coding, "def add(a, b):\n    return a + b\n")
        bad = run_answer(session, state, coding, "def add(a, b):\n    return a * b\n")
        loop = run_answer(session, state, coding, "while True:\n    pass\n")
    with state.db.transaction() as session:
        runs = {r.id: r for r in session.scalars(select(CodeRun))}
        assert (runs[good.id].score, runs[good.id].passed, runs[good.id].total) == (1.0, 2, 2)
        assert runs[bad.id].score == 0.5 and [t["passed"] for t in runs[bad.id].tests] == [False, True]
        assert (runs[loop.id].score, runs[loop.id].stopped) == (0.0, "time")
        assert len(runs[good.id].source_sha256) == 64
        json.dumps(runs[bad.id].tests)


def test_pinning_needs_an_approved_set(state, interview_id):
    with state.db.transaction() as session, pytest.raises(QuestionSetError, match="approve"):
        pin_questions(session, state, session.get(Interview, interview_id))
