"""An interview ready for review, made with the core's own services and the real competency scorer.

A job with a generated and approved question set, a candidate (named as the test wishes, e.g. ``<script>``),
one answer per pinned question with an encrypted transcript and the scorer's analysis of it, and the AI's
recommendation recorded by ``candor.recruiting.loop.conclude``, which moves the interview to review.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from candor.analysis.transcripts import Transcript
from candor.db import utcnow
from candor.interviews.models import Analysis, Answer, AnswerState, Candidate, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.pinning import pin_questions
from candor.questions.sets import approve_set, generate_set
from candor.recruiting.loop import conclude
from candor.state import get_state
from candor_plugins.competency_scorer import CompetencyScorer

ANSWER = ("In my last job a customer was billed twice. I checked the billing records myself and found that a "
          "retry in the payment system caused it. I refunded the customer the same day and wrote a report for "
          "the product team. As a result complaints about double billing fell by thirty percent.")


def seed_reviewable(app: Flask, *, full_name: str = "Robin Example", email: str = "robin@example.com",
                    phone: str | None = None, questions: int = 2) -> dict[str, Any]:
    state = get_state(app)
    scorer = CompetencyScorer()
    with state.db.transaction() as session:
        org = Organization(name="Prairie Freight", slug=f"prairie-{utcnow().timestamp():.0f}-{id(app) % 997}",
                           jurisdictions=["US-IL"], contact_email="privacy@prairie.example")
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Customer Support Specialist", location="US-IL", language="en",
                  description="Help customers by phone and chat and solve their problems.",
                  requirements="Customer orientation. Problem solving. Teamwork.")
        session.add(job)
        session.flush()
        draft = generate_set(session, state, job, actor="user:hr")
        approve_set(session, draft, actor="user:hr")
        candidate = Candidate(organization_id=org.id, full_name=full_name, email=email, phone=phone,
                              language="en")
        session.add(candidate)
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id, expires_at=utcnow() + timedelta(days=7))
        session.add(interview)
        session.flush()
        asked = pin_questions(session, state, interview)[:questions]
        for step in (InterviewState.INVITED, InterviewState.IN_PROGRESS, InterviewState.SUBMITTED,
                     InterviewState.ANALYSING):
            interview.move_to(step, actor="system:test")
        answer_ids = []
        for question in asked:
            answer = Answer(interview_id=interview.id, question_id=question.question_id,
                            interview_question_id=question.id, state=AnswerState.ANALYSED, duration_seconds=21.0,
                            uploaded_at=utcnow())
            session.add(answer)
            session.flush()
            session.add(Transcript(answer_id=answer.id, subject=candidate.subject, language="en", engine="test",
                                   full_text=ANSWER, redacted_text=ANSWER, found={}))
            output = scorer.analyze({"transcript": ANSWER, "language": "en",
                                     "question": {"text": question.text, "competencies": question.competencies}},
                                    {"max_evidence_per_indicator": 3})
            session.add(Analysis(answer_id=answer.id, analyzer="competency_scorer.competency_scorer",
                                 plugin="competency_scorer", plugin_version="test", model_id=output["model_id"],
                                 state="done", output=dict(output), started_at=utcnow(), finished_at=utcnow()))
            answer_ids.append(answer.id)
        session.flush()
        conclude(state, session, interview)
        return {"interview_id": interview.id, "candidate_id": candidate.id, "job_id": job.id,
                "answer_ids": answer_ids}
