"""An invitation to take: an organisation in Illinois, a job whose generated question set HR trimmed to two
behavioural questions with short answer times and approved, a candidate, and the interview's link.

The first question allows two minutes, so a few seconds of speech is short for it and earns a follow-up; the
second allows ten seconds, so the same speech is long enough for it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from candor.db import utcnow
from candor.interviews.links import issue_link_token
from candor.interviews.models import Candidate, Interview, QuestionKind
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.pinning import pin_questions
from candor.questions.sets import approve_set, current_questions, generate_set
from candor.state import get_state

JOB_TEXT = {
    "en": {"language": "en",
           "description": "Run and improve our billing services with a small team; lead incident reviews.",
           "requirements": "Python, SQL, teamwork, communication, problem solving, ownership."},
    "zh": {"language": "zh", "description": "与小团队一起运行和改进计费系统，主持事故复盘。",
           "requirements": "Python、SQL、团队合作、沟通能力、解决问题、责任心。"},
}
TIMINGS = ({"think_seconds": 20, "answer_seconds": 120, "max_retakes": 1},
           {"think_seconds": 20, "answer_seconds": 10, "max_retakes": 1})


def seed_interview(app: Flask, *, language: str = "en") -> dict[str, Any]:
    state = get_state(app)
    with state.db.transaction() as session:
        org = Organization(name="Prairie Freight", slug="prairie-freight", jurisdictions=["US-IL"],
                           contact_email="privacy@prairie.example")
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Billing Systems Engineer", location="US-IL",
                  **JOB_TEXT["zh" if language.startswith("zh") else "en"])
        session.add(job)
        session.flush()
        draft = generate_set(session, state, job, actor="user:hr")
        behavioural = [q for q in current_questions(session, draft) if q.kind == QuestionKind.BEHAVIOURAL]
        assert len(behavioural) >= len(TIMINGS), "the generator proposed too few behavioural questions"
        for question in current_questions(session, draft):  # HR keeps two questions and sets their timings
            if question not in behavioural[: len(TIMINGS)]:
                question.retired_at = utcnow()
        for position, (question, timing) in enumerate(zip(behavioural, TIMINGS, strict=False), start=1):
            question.position = position
            for name, value in timing.items():
                setattr(question, name, value)
        approve_set(session, draft, actor="user:hr")
        candidate = Candidate(organization_id=org.id, full_name="Robin Example", email="robin@example.com",
                              language=language)
        session.add(candidate)
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id, expires_at=utcnow() + timedelta(days=7))
        session.add(interview)
        session.flush()
        pinned = pin_questions(session, state, interview)
        interview.move_to(InterviewState.INVITED, actor="user:hr")
        token = issue_link_token(state.app_secret, interview)
        return {"interview_id": interview.id, "token": token, "questions": [q.text for q in pinned],
                "question_ids": [q.id for q in pinned]}
