"""The stop button: suspending one analyzer, or all AI evaluation, for a job or an organisation.

A suspension takes effect at once in two places: queued analysis steps of the job (or organisation) are
cancelled when it is created, and the purpose gate refuses every later step (``gate_reasons``), so a step
already claimed by a worker, retried or queued again later is refused too. Lifting it lets new steps run;
cancelled ones are not revived (re-analysis is queued afresh by whoever wants it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.interviews.models import Answer, Candidate, Interview
from candor.jobs.models import Job
from candor.review.models import Suspension, SuspensionTarget
from candor.tasks.models import WorkItem, WorkState
from candor.tasks.work import cancel

if TYPE_CHECKING:
    from candor.declarations import Purpose
    from candor.state import CandorState

ANALYSE_KIND = (
    "core.analyse"  # candor.analysis.steps.ANALYSE_KIND, not imported to keep the gate import-light
)


class SuspensionError(ValueError):
    """The request to suspend names something that cannot be suspended; the message says what to send."""


def active_suspensions(
    session: Session, *, organization_id: int, job_id: int | None, plugin: str | None = None
) -> list[Suspension]:
    """Unlifted suspensions that cover this organisation and job, for ``plugin`` or for all AI evaluation."""
    query = select(Suspension).where(
        Suspension.lifted_at.is_(None),
        Suspension.organization_id == organization_id,
        or_(Suspension.job_id.is_(None), Suspension.job_id == job_id),
    )
    if plugin is not None:
        query = query.where(Suspension.plugin.in_([plugin, SuspensionTarget.ALL_AI]))
    return list(session.scalars(query.order_by(Suspension.id)))


def gate_reasons(
    session: Session,
    *,
    plugin: str,
    title: str,
    purpose: Purpose,
    candidate_id: int,
    interview_id: int | None,
) -> list[tuple[str, str]]:
    """``(code, message)`` pairs for the purpose gate: why this plugin may not run here now.

    A suspended plugin is refused for every purpose; "all AI evaluation" refuses the AI purposes only.
    """
    from candor.consent.gate import AI_PURPOSES

    job_id: int | None = None
    if interview_id is not None:
        row = session.execute(
            select(Job.id, Job.organization_id)
            .join(Interview, Interview.job_id == Job.id)
            .where(Interview.id == interview_id)
        ).first()
        if row is None:
            return []
        job_id, organization_id = row
    else:  # a column query: no candidate row is loaded, so no personal data is read
        found = session.scalar(select(Candidate.organization_id).where(Candidate.id == candidate_id))
        if found is None:
            return []
        organization_id = found
    reasons = []
    for suspension in active_suspensions(
        session, organization_id=organization_id, job_id=job_id, plugin=plugin
    ):
        scope = "this job" if suspension.job_id is not None else "this organisation"
        if suspension.all_ai:
            if purpose in AI_PURPOSES:
                reasons.append(
                    (
                        "suspended",
                        f"{title} skipped: AI evaluation is suspended for {scope} "
                        f"(suspension {suspension.id})",
                    )
                )
        else:
            reasons.append(
                ("suspended", f"{title} skipped: it is suspended for {scope} (suspension {suspension.id})")
            )
    return reasons


def suspend(
    state: CandorState,
    session: Session,
    *,
    job: Job | None,
    organization_id: int,
    plugin: str | None,
    reason: str,
    actor: str,
) -> Suspension:
    """Create a suspension and cancel the queued analysis steps it covers, in the caller's transaction."""
    reason = reason.strip()
    if not reason:
        raise SuspensionError("Give a reason for the suspension; it is kept and shown to reviewers.")
    if plugin is not None:
        analyzers = sorted({name for name, _ in state.analyzers})
        if plugin not in analyzers:
            raise SuspensionError(
                f"{plugin!r} is not an enabled analyzer plugin; name one of: "
                f"{', '.join(analyzers) or 'none'}, or leave 'plugin' out to suspend all AI "
                "evaluation."
            )
    suspension = Suspension(
        organization_id=organization_id,
        job_id=job.id if job is not None else None,
        plugin=plugin or SuspensionTarget.ALL_AI,
        reason=reason,
        created_by=actor,
    )
    session.add(suspension)
    session.flush()
    suspension.cancelled_work = cancel_queued_analysis(session, suspension)
    audit.record(
        session,
        "admin.suspend_ai",
        f"suspension:{suspension.id}",
        purpose="operations",
        details={
            "job": suspension.job_id,
            "organization": organization_id,
            "plugin": suspension.plugin,
            "cancelled_work": suspension.cancelled_work,
        },
    )
    return suspension


def lift(session: Session, suspension: Suspension, *, actor: str) -> None:
    if suspension.lifted_at is not None:
        raise SuspensionError(f"Suspension {suspension.id} was already lifted.")
    suspension.lifted_at, suspension.lifted_by = utcnow(), actor
    audit.record(
        session,
        "admin.lift_suspension",
        f"suspension:{suspension.id}",
        purpose="operations",
        details={"job": suspension.job_id, "plugin": suspension.plugin},
    )


def cancel_queued_analysis(session: Session, suspension: Suspension) -> int:
    """Cancel queued analysis steps on answers of the suspension's job or organisation (and plugin)."""
    answers = (
        select(Answer.id)
        .join(Interview, Answer.interview_id == Interview.id)
        .join(Job, Interview.job_id == Job.id)
        .where(Job.organization_id == suspension.organization_id)
    )
    if suspension.job_id is not None:
        answers = answers.where(Job.id == suspension.job_id)
    answer_ids = set(session.scalars(answers))
    if not answer_ids:
        return 0
    queued = session.execute(
        select(WorkItem.id, WorkItem.payload).where(
            WorkItem.kind == ANALYSE_KIND, WorkItem.state == WorkState.QUEUED
        )
    ).all()
    doomed = [
        item_id
        for item_id, payload in queued
        if payload.get("answer_id") in answer_ids
        and (suspension.all_ai or payload.get("plugin") == suspension.plugin)
    ]
    if not doomed:
        return 0
    return cancel(session, doomed, f"suspended: suspension {suspension.id}")
