"""What must hold after a run, whatever happened during it: nothing lost, nothing done twice, order kept, the
audit chain intact. Read from the database of the deployment under test."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from candor.analysis.pipeline import PIPELINE_KINDS
from candor.audit.models import AuditCheckpoint, AuditEntry
from candor.interviews.models import Analysis, Answer, AnswerState, Interview
from candor.interviews.states import InterviewState
from candor.outbox.models import OutboxEvent, OutboxState
from candor.review.models import InterviewRecommendation
from candor.tasks.models import WorkItem, WorkState

ATTENDANCE_PULL_KIND = "core.pull_check_ins"


def settled(state: Any, interview_ids: Iterable[int]) -> bool:
    """Every interview waits for review and no unit of work is queued or running."""
    ids = list(interview_ids)
    with state.db.transaction() as session:
        waiting = session.scalar(select(func.count()).select_from(Interview).where(
            Interview.id.in_(ids), Interview.state == InterviewState.AWAITING_REVIEW))
        busy = session.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING]), WorkItem.kind != ATTENDANCE_PULL_KIND))
    return waiting == len(ids) and busy == 0


def progress(state: Any) -> str:
    with state.db.transaction() as session:
        interviews = dict(session.execute(select(Interview.state, func.count()).group_by(Interview.state)).all())
        answers = dict(session.execute(select(Answer.state, func.count()).group_by(Answer.state)).all())
        work = dict(session.execute(select(WorkItem.state, func.count()).group_by(WorkItem.state)).all())
    return f"interviews {interviews}; answers {answers}; work {work}"


def assert_every_answer_analysed_once(state: Any, accepted: Mapping[int, Sequence[int]]) -> dict[str, int]:
    """Each accepted answer is analysed, each analyzer's result committed once, each interview concluded once."""
    answer_ids = sorted(a for answers in accepted.values() for a in answers)
    assert answer_ids, "no answer was accepted"
    with state.db.transaction() as session:
        answers = {a.id: a for a in session.scalars(select(Answer).where(Answer.id.in_(answer_ids)))}
        assert sorted(answers) == answer_ids, "an accepted answer is missing from the database"
        lost = {a.id: str(a.state) for a in answers.values() if a.state != AnswerState.ANALYSED}
        if lost:
            units = [(kind, str(st), attempts, error) for kind, st, attempts, error, payload in session.execute(
                select(WorkItem.kind, WorkItem.state, WorkItem.attempts, WorkItem.last_error, WorkItem.payload))
                if payload.get("answer_id") in lost]
            found = session.execute(select(Analysis.answer_id, Analysis.analyzer, Analysis.state, Analysis.error)
                                    .where(Analysis.answer_id.in_(list(lost)))).all()
            raise AssertionError(f"answers not analysed: {lost}; their units {units}; analyses {found}")
        # No answer of these interviews other than the accepted ones was analysed (a retried upload made none).
        extra = session.scalars(select(Answer.id).where(Answer.interview_id.in_(list(accepted)),
                                                        Answer.state == AnswerState.ANALYSED,
                                                        Answer.id.not_in(answer_ids))).all()
        assert not extra, f"answers analysed that the candidates never saw accepted: {extra}"
        analyses = session.execute(select(Analysis.answer_id, Analysis.plugin, Analysis.state)
                                   .where(Analysis.answer_id.in_(answer_ids))).all()
        pending = [(a, p, s) for a, p, s in analyses if s in ("pending", "running")]
        assert not pending, f"analyses left unfinished: {pending}"
        committed = Counter()
        for details in session.scalars(select(AuditEntry.details).where(AuditEntry.action == "plugin.analyse")):
            if details.get("answer") in answers:
                committed[(details["answer"], details["plugin"])] += 1
        done = {(a, p) for a, p, s in analyses if s == "done"}
        twice = {key: n for key, n in committed.items() if n != 1}
        assert not twice, f"analysis results committed more than once: {twice}"
        assert done <= set(committed), f"done analyses without their audit entry: {done - set(committed)}"
        received = Counter(details.get("answer") for details in session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "system.answer_received")))
        assert all(received[a] == 1 for a in answer_ids), "an answer was received (joined) twice or never"
        pipeline = session.execute(select(WorkItem.kind, WorkItem.state, WorkItem.payload)
                                   .where(WorkItem.kind.in_(PIPELINE_KINDS))).all()
        mine = [(kind, st) for kind, st, payload in pipeline if payload.get("answer_id") in answers]
        assert all(st == WorkState.DONE for _kind, st in mine), f"pipeline units not done: {Counter(mine)}"
        recommendations = Counter(session.scalars(select(InterviewRecommendation.interview_id).where(
            InterviewRecommendation.interview_id.in_(list(accepted)))))
        assert set(recommendations) == set(accepted), "an interview has no recommendation"
        assert all(n == 1 for n in recommendations.values()), f"concluded twice: {recommendations}"
    return {"answers": len(answer_ids), "analyses": len(analyses), "interviews": len(accepted)}


def assert_outbox_in_order(state: Any, receiver: Any, interview_ids: Iterable[int]) -> int:
    """Every event is delivered, accepted once by the receiver, and each candidate's arrive in emission order."""
    with state.db.transaction() as session:
        candidates = set(session.scalars(select(Interview.candidate_id).where(Interview.id.in_(list(interview_ids)))))
        events = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        mine = [e for e in events if int(e.subject.split(":")[1]) in candidates]
        assert mine, "no outbox event was written"
        not_delivered = [(e.id, e.state) for e in mine if e.state != OutboxState.DELIVERED]
        assert not not_delivered, f"outbox events not delivered: {not_delivered}"
        emitted: dict[str, list[str]] = defaultdict(list)
        for event in mine:
            emitted[event.subject].append(event.idempotency_key)
    with receiver.lock:
        arrived = list(receiver.order)
    for subject, keys in emitted.items():
        seen = [key for key in arrived if key in set(keys)]
        assert seen == keys, f"events of {subject} arrived out of order or not at all"
    return len(mine)


def assert_periodic_jobs_once(state: Any) -> dict[str, int]:
    """Within one period every worker's sweep offered to run each periodic job; exactly one ran it."""
    with state.db.transaction() as session:
        retention_runs = session.scalar(select(func.count()).select_from(AuditEntry)
                                        .where(AuditEntry.action == "system.retention_purge"))
        checkpoints = session.scalar(select(func.count()).select_from(AuditCheckpoint))
        pulls = session.scalar(select(func.count()).select_from(WorkItem).where(WorkItem.kind == ATTENDANCE_PULL_KIND))
    assert retention_runs == 1, f"retention ran {retention_runs} times in one period"
    assert checkpoints == 1, f"{checkpoints} periodic audit checkpoints were signed in one period"
    assert pulls == 1, f"{pulls} attendance pulls were queued in one period"
    return {"retention_runs": retention_runs, "checkpoints": checkpoints, "pulls": pulls}
