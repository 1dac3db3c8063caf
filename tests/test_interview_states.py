"""The interview's state machine: a recommendation always waits for a person."""

from __future__ import annotations

import pytest

from candor.interviews.states import TRANSITIONS, InterviewState, InvalidTransition, check_transition


def test_analysis_can_only_end_in_review():
    assert TRANSITIONS[InterviewState.ANALYSING] - {InterviewState.WITHDRAWN, InterviewState.CANCELLED} == {
        InterviewState.AWAITING_REVIEW}
    assert InterviewState.DECIDED not in TRANSITIONS[InterviewState.ANALYSING]


def test_every_state_is_reachable_from_created():
    seen, frontier = {InterviewState.CREATED}, [InterviewState.CREATED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(InterviewState)


def test_invalid_transition_says_what_is_allowed():
    with pytest.raises(InvalidTransition, match="cannot become decided; allowed: .*cancelled.*expired"):
        check_transition(InterviewState.INVITED, InterviewState.DECIDED)


def test_history_is_kept(candor_app):
    from candor.interviews.models import Candidate, Interview
    from candor.jobs.models import Job
    from candor.orgs.models import Organization
    from candor.state import get_state

    with get_state(candor_app).db.transaction() as session:
        org = Organization(name="Acme", slug="acme", jurisdictions=["US-NYC"])
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Analyst", location="US-NYC")
        candidate = Candidate(organization_id=org.id, full_name="Test Person")
        session.add_all([job, candidate])
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id)
        session.add(interview)
        for state in ("invited", "in_progress", "submitted", "analysing", "awaiting_review"):
            interview.move_to(InterviewState(state), actor="system:test")
        with pytest.raises(InvalidTransition):
            interview.move_to(InterviewState.INVITED, actor="system:test")
        session.flush()
        interview_id = interview.id
    with get_state(candor_app).db.transaction() as session:
        stored = session.get(Interview, interview_id)
        assert stored.state == "awaiting_review"
        assert [(t.from_state, t.to_state) for t in stored.transitions][-1] == ("analysing", "awaiting_review")
        assert len(stored.transitions) == 5
