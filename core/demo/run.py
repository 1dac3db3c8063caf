"""``candor demo``: a synthesized candidate takes the demo interview through the whole pipeline, no browser.

The candidate reads the notice and consents to every purpose offered, then answers each question (and any
follow-up the platform asks) with a recording made on the spot (``candor.demo.media``), uploaded in pieces
through the same service the candidate page uses. The work runs in this process, so no worker is needed; a
running worker may take part, the database keeps every unit to exactly one runner. Returns what a reviewer would
see first: the recommendation, its explanation, and each answer's transcript (redacted) and analyses.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from candor.analysis.transcripts import Transcript
from candor.consent.models import ConsentChannel
from candor.consent.notice import build_notice
from candor.consent.service import Evidence, record_decisions
from candor.demo import seed_demo
from candor.demo.media import speak, write_recording
from candor.interviews.models import Analysis, Answer, AnswerState, Interview
from candor.interviews.states import InterviewState
from candor.interviews.uploads import ChunkRange, receive_chunk, start_answer
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.models import InterviewQuestion
from candor.review.models import InterviewRecommendation
from candor.tasks.work import run_queued

if TYPE_CHECKING:
    from candor.state import CandorState

#: What the synthesized candidate says: the first answer whose keyword the question contains; follow-ups get
#: the last one, which adds detail.
ANSWERS = (
    ("customer", "In my last job a customer was billed twice for the same order. I listened to the customer, "
     "checked the billing records myself and found that a retry in the payment system caused it. I refunded the "
     "customer the same day and wrote a short report for the product team. As a result the bug was fixed within "
     "a week and complaints about double billing fell by thirty percent."),
    ("problem", "Our support queue kept losing tickets every Monday. I compared the logs of three weeks and found "
     "that a weekend import job locked the database. I moved the job to the night and added an alert. As a "
     "result no ticket was lost in the next six months and the team saved two hours a week."),
    ("explain", "I had to explain a new refund policy to a customer who was not technical. I drew the steps on "
     "one page, avoided jargon and checked that she understood each step by asking her to repeat it. In the end "
     "she agreed with the solution and rated the call five out of five."),
    ("", "I called the customer myself, explained each step by phone and sent a written summary afterwards, so "
     "that she knew what would happen next. As a result she stayed with the company."),
)


def answer_for(question: str, kind: str) -> str:
    if kind == "follow_up":
        return ANSWERS[-1][1]
    lowered = question.lower()
    return next(text for keyword, text in ANSWERS if keyword in lowered)


@dataclass
class DemoReport:
    interview_id: int
    recommendation: str
    confidence: float | None
    explanation: str
    answers: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _consent(state: CandorState, session: Any, interview: Interview) -> None:
    job = session.get(Job, interview.job_id)
    organization = session.get(Organization, job.organization_id)
    notice = build_notice(state, job.location, "en", contact=organization.contact_email)
    record_decisions(session, candidate_id=interview.candidate_id, interview_id=interview.id,
                     decisions={p.purpose: True for p in notice.purposes}, notice_version=notice.version,
                     notice_hash=notice.hash, offered=[p.purpose for p in notice.purposes],
                     evidence=Evidence(language="en", channel=ConsentChannel.WEB, user_agent="candor demo",
                                       ip_address=None),
                     ip_key=state.consent_ip_key)


def _upload(state: CandorState, interview_id: int, asked_id: int, path: Path, seconds: float) -> str:
    data = path.read_bytes()
    chunk = state.settings.answer_chunk_bytes
    with state.db.transaction(immediate=True) as session:
        interview = session.get(Interview, interview_id)
        asked = session.get(InterviewQuestion, asked_id)
        answer = start_answer(state, session, interview, asked, mime_type="video/webm;codecs=vp8,opus",
                              total_bytes=len(data), recorded_seconds=seconds)
        answer_id = answer.id
    for first in range(0, len(data), chunk):
        piece = data[first : first + chunk]
        with state.db.transaction(immediate=True) as session:
            answer = session.get(Answer, answer_id)
            receive_chunk(state, session, answer, ChunkRange(first, first + len(piece) - 1, len(data)), piece,
                          need_video=True)
            outcome = str(answer.state)
    return outcome


def _next_question(state: CandorState, interview_id: int) -> tuple[int, str, str] | None:
    with state.db.transaction() as session:
        asked = session.scalars(select(InterviewQuestion).where(InterviewQuestion.interview_id == interview_id)
                                .order_by(InterviewQuestion.position, InterviewQuestion.step)).all()
        answered = set(session.scalars(select(Answer.interview_question_id).where(
            Answer.interview_id == interview_id, Answer.state != AnswerState.REJECTED)))
        waiting = next((q for q in asked if q.id not in answered), None)
        return (waiting.id, waiting.kind, waiting.text) if waiting else None


def take_demo_interview(state: CandorState, *, progress: Callable[[str], None] = lambda _message: None,
                        questions: int = 2) -> DemoReport:
    """Seed (or reuse) the demo, take its interview as a synthesized candidate, and report the outcome."""
    timings: dict[str, float] = {}
    with state.db.transaction(immediate=True) as session:
        demo = seed_demo(state, session, questions=questions)
        interview = session.get(Interview, demo.interview_id)
        _consent(state, session, interview)
    progress("consent recorded")
    workdir = Path(tempfile.mkdtemp(prefix="candor-demo-"))
    answered = 0
    try:
        while (waiting := _next_question(state, demo.interview_id)) is not None:
            asked_id, kind, question = waiting
            text = answer_for(question, kind)
            started = time.perf_counter()
            samples, rate = speak(text)
            path = workdir / f"answer-{asked_id}.webm"
            seconds = write_recording(path, samples, rate, seconds=len(samples) / rate + 0.5)
            timings["recording"] = timings.get("recording", 0.0) + time.perf_counter() - started
            started = time.perf_counter()
            outcome = _upload(state, demo.interview_id, asked_id, path, seconds)
            timings["upload"] = timings.get("upload", 0.0) + time.perf_counter() - started
            progress(f"answer {answered + 1} uploaded ({seconds:.0f} s, {outcome})")
            started = time.perf_counter()
            run_queued(state, on_run=lambda kind, result: progress(f"  {kind}: {result}"))
            timings["analysis"] = timings.get("analysis", 0.0) + time.perf_counter() - started
            answered += 1
    finally:
        for leftover in workdir.iterdir():
            leftover.unlink()
        workdir.rmdir()
    from candor.recruiting.loop import submit_interview

    with state.db.transaction(immediate=True) as session:
        submit_interview(state, session, session.get(Interview, demo.interview_id), actor="candidate")
    progress("interview submitted")
    started = time.perf_counter()
    run_queued(state, until=lambda: _in_review(state, demo.interview_id),
               on_run=lambda kind, result: progress(f"  {kind}: {result}"))
    timings["conclusion"] = time.perf_counter() - started
    return _report(state, demo.interview_id, timings)


def _in_review(state: CandorState, interview_id: int) -> bool:
    with state.db.transaction() as session:
        return session.get(Interview, interview_id).state == InterviewState.AWAITING_REVIEW


def _report(state: CandorState, interview_id: int, timings: dict[str, float]) -> DemoReport:
    with state.db.transaction() as session:
        recommendation = session.scalar(select(InterviewRecommendation).where(
            InterviewRecommendation.interview_id == interview_id).order_by(InterviewRecommendation.id.desc()))
        report = DemoReport(interview_id, str(recommendation.recommendation) if recommendation else "none",
                            recommendation.confidence if recommendation else None,
                            recommendation.explanation if recommendation else "",
                            seconds={k: round(v, 2) for k, v in timings.items()})
        answers = session.scalars(select(Answer).where(Answer.interview_id == interview_id,
                                                       Answer.state != AnswerState.REJECTED).order_by(Answer.id))
        for answer in answers:
            asked = session.get(InterviewQuestion, answer.interview_question_id)
            transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer.id))
            analyses = session.scalars(select(Analysis).where(Analysis.answer_id == answer.id)
                                       .order_by(Analysis.id)).all()
            report.answers.append({
                "question": asked.text if asked else "",
                "follow_up": bool(asked and asked.follow_up_of_id),
                "duration_s": round(answer.duration_seconds or 0.0, 1),
                "transcript": transcript.redacted_text if transcript else None,
                "analyses": [{"analyzer": a.analyzer, "version": a.plugin_version, "model": a.model_id,
                              "state": a.state, "seconds": (a.output or {}).get("seconds"),
                              "score": (a.output or {}).get("score"), "flags": (a.output or {}).get("flags")}
                             for a in analyses],
            })
    return report
