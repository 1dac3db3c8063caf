"""Pulling check-ins from every attendance adapter on a schedule, as the ``core.pull_check_ins`` unit of work.

Owns the schedule (at most every ``attendance_pull_minutes``, taken from the worker's sweep with a lock row
so two workers never pull at once) and the window: from where the last successful pull of that adapter
stopped, minus ``attendance_late_window_hours`` so records that reach the attendance system late are picked
up (duplicates are skipped on storage). The adapter is called before any write; if it fails (down, refusing)
nothing is stored, the cursor stays and the next run asks again, so nothing is lost.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from candor.attendance.checkins import IngestReport, evaluate_absences, report_to_hr, store_check_ins
from candor.attendance.models import AttendancePullLock
from candor.db import utcnow
from candor.onboarding.models import AccountState, AttendanceAccount, Employee, EmployeeState
from candor.recruiting.models import SyncCursor
from candor.tasks import enqueue

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

log = logging.getLogger(__name__)

PULL_KIND = "core.pull_check_ins"
CURSOR_KIND = "check_ins"


def attendance_adapters(state: CandorState) -> list[tuple[str, Any]]:
    offered = state.plugins.call_each("candor_register_attendance_adapters")
    return [(plugin, adapter) for plugin, adapters in offered for adapter in adapters]


def _cursor(session: Session, plugin: str, adapter: Any, *, create: bool = False) -> SyncCursor | None:
    cursor = session.scalar(select(SyncCursor).where(
        SyncCursor.plugin == plugin, SyncCursor.connector == adapter.name, SyncCursor.kind == CURSOR_KIND))
    if cursor is None and create:
        cursor = SyncCursor(plugin=plugin, connector=adapter.name, kind=CURSOR_KIND)
        session.add(cursor)
    return cursor


def _setting(state: CandorState, name: str, default: float) -> float:
    return float(getattr(state.settings, name, default))


def pull_adapter(
    state: CandorState, plugin: str, adapter: Any, *, now: datetime | None = None
) -> IngestReport:
    """One adapter: read its window (network first, no transaction open), then store and evaluate in one
    transaction. Raises what the adapter raised, having written nothing."""
    now = now or utcnow()
    late_window = timedelta(hours=_setting(state, "attendance_late_window_hours", 48))
    with state.db.transaction() as session:
        cursor = _cursor(session, plugin, adapter)
        held = session.scalars(select(AttendanceAccount).where(
            AttendanceAccount.adapter == adapter.name, AttendanceAccount.state == AccountState.ACTIVE,
            AttendanceAccount.account_id.is_not(None)))
        accounts = {str(row.account_id): row.employee_id for row in held}
        starts = list(session.scalars(select(Employee.start_date).where(Employee.id.in_(accounts.values()))))
        since_text = cursor.since if cursor else None
    if not accounts:
        return IngestReport()
    earliest = datetime.combine(min(starts), datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    since = max(datetime.fromisoformat(since_text) - late_window, earliest) if since_text else earliest
    rows = list(adapter.pull_check_ins(since, now, sorted(accounts)))
    with state.db.transaction(immediate=True) as session:
        report = store_check_ins(session, adapter.name, rows, now=now)
        active = session.scalars(select(Employee).where(Employee.id.in_(accounts.values()),
                                                        Employee.state == EmployeeState.ACTIVE))
        changed = report.employees | evaluate_absences(session, active, now=now)
        for employee_id in sorted(changed):
            report_to_hr(state, session, session.get(Employee, employee_id))
        cursor = _cursor(session, plugin, adapter, create=True)
        assert cursor is not None
        cursor.since, cursor.last_run_at, cursor.last_error = now.isoformat(), now, None
    return report


def pull_all(state: CandorState, *, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Every adapter; one failing does not stop the others (its error is kept on its cursor, by class)."""
    results: dict[str, dict[str, Any]] = {}
    for plugin, adapter in attendance_adapters(state):
        if not getattr(adapter, "reads_check_ins", True):
            continue  # an account-only system (SCIM): its accounts' days would all look absent
        try:
            results[adapter.name] = pull_adapter(state, plugin, adapter, now=now).to_dict()
        except Exception as exc:  # the adapter's system is down or refused; retried next run
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("attendance pull from %s failed (%s)", adapter.name, type(exc).__name__)
            with state.db.transaction(immediate=True) as session:
                cursor = _cursor(session, plugin, adapter, create=True)
                assert cursor is not None
                cursor.last_error = error
            results[adapter.name] = {"error": error}
    return results


def run_pull(state: CandorState, context: WorkContext) -> dict[str, Any]:
    """The ``core.pull_check_ins`` handler. It opens its own transactions (network calls must not hold the
    unit's), so the unit's own session stays unused; a failing adapter fails the unit, which retries."""
    results = pull_all(state)
    failed = sorted(name for name, result in results.items() if "error" in result)
    if failed:
        raise RuntimeError(f"attendance pull failed for {', '.join(failed)}; retried with backoff")
    return {"adapters": results}


def pull_if_due(state: CandorState) -> bool:
    """For the worker's sweep: queue one pull when the last was more than ``attendance_pull_minutes`` ago."""
    now = utcnow()
    interval = timedelta(minutes=_setting(state, "attendance_pull_minutes", 15))
    with state.db.transaction(immediate=True) as session:
        if session.get(AttendancePullLock, 1) is None:
            session.add(AttendancePullLock(id=1))
            session.flush()
        taken = session.execute(update(AttendancePullLock).where(
            AttendancePullLock.id == 1,
            (AttendancePullLock.last_run_at.is_(None)) | (AttendancePullLock.last_run_at < now - interval),
        ).values(last_run_at=now)).rowcount
        if taken:
            enqueue(session, PULL_KIND, {}, dedupe_key=f"{PULL_KIND}:{now:%Y%m%d%H%M}")
    return bool(taken)
