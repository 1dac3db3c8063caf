"""The dashboard: interviews by state, the review queue, pipeline health (readiness checks, the work queue,
dead letters), connectors' last sync and overdue data-subject requests; each part only for roles that may see it.

It reads counts and ids only, so opening it reads no personal data.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template
from sqlalchemy import func, select

from candor.auth import Permission, current_identity, requires
from candor.auth.models import User
from candor.db import utcnow
from candor.dsar.service import overdue
from candor.health.checks import run_checks
from candor.interviews.models import Interview
from candor.interviews.states import InterviewState
from candor.outbox.models import OutboxEvent, OutboxState
from candor.recruiting.models import SyncCursor
from candor.review.models import ReviewAssignment
from candor.state import get_state
from candor.tasks.models import WorkItem, WorkState
from candor_admin.blueprint import bp, can


@bp.get("/")
@requires()
def home() -> Any:
    identity = current_identity()
    assert identity is not None
    state = get_state()
    session = state.db.session
    user = session.get(User, identity.user_id)
    context: dict[str, Any] = {"user": user}
    if can(Permission.CANDIDATES_READ):
        context["by_state"] = dict(session.execute(
            select(Interview.state, func.count()).group_by(Interview.state).order_by(Interview.state)).all())
    if can(Permission.INTERVIEWS_REVIEW):
        waiting = select(func.count()).select_from(Interview).where(
            Interview.state == InterviewState.AWAITING_REVIEW)
        context["queue_total"] = session.scalar(waiting) or 0
        context["queue_mine"] = session.scalar(waiting.join(
            ReviewAssignment, ReviewAssignment.interview_id == Interview.id).where(
            ReviewAssignment.reviewer_id == identity.user_id)) or 0
    if can(Permission.SYSTEM_READ):
        context["checks"] = run_checks(current_app._get_current_object(), readiness_only=True)  # type: ignore[attr-defined]
        context["work"] = dict(session.execute(
            select(WorkItem.state, func.count()).group_by(WorkItem.state)).all())
        oldest = session.scalar(select(func.min(WorkItem.enqueued_at)).where(WorkItem.state == WorkState.QUEUED))
        context["oldest_queued_minutes"] = None if oldest is None else int(
            (utcnow() - _aware(oldest)).total_seconds() // 60)
        context["last_done"] = session.scalar(select(func.max(WorkItem.finished_at)).where(
            WorkItem.state == WorkState.DONE))
        context["failed_work"] = session.execute(
            select(WorkItem.id, WorkItem.kind, WorkItem.finished_at).where(WorkItem.state == WorkState.FAILED)
            .order_by(WorkItem.id.desc()).limit(5)).all()
    if can(Permission.SYSTEM_READ) or can(Permission.OUTBOX_MANAGE):
        context["dead_letters"] = dict(session.execute(
            select(OutboxEvent.connector, func.count()).where(OutboxEvent.state == OutboxState.DEAD)
            .group_by(OutboxEvent.connector).order_by(OutboxEvent.connector)).all())
    if can(Permission.INTEGRATION_SYNC) or can(Permission.SYSTEM_READ):
        context["syncs"] = list(session.scalars(select(SyncCursor).order_by(SyncCursor.plugin, SyncCursor.connector,
                                                                            SyncCursor.kind)))
    if can(Permission.DSAR_MANAGE):
        context["overdue_dsars"] = overdue(session)
    return render_template("admin/dashboard.html", **context)


def _aware(moment: Any) -> Any:
    """SQLite returns naive times; they are UTC like every time the platform stores."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
