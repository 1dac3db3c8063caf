"""Evaluating probation attendance: one employee's local work days against the probation rules.

Owns the arithmetic only (wall-clock times at the site, through ``zoneinfo`` so that DST days have the right
length) and the flags; it reads check-ins and writes ``AttendanceDay`` rows, nothing else. A work day that has
ended at the site with no punch is absent; a day with only an off-duty punch is late (the arrival is not
recorded) and one with only an on-duty punch is an early leave (the departure is not recorded).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.attendance.models import AttendanceDay, CheckIn, CheckType, DayStatus, ProbationRules
from candor.db import utcnow


def wall_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class DayResult:
    status: DayStatus
    late_minutes: int = 0
    early_minutes: int = 0


def evaluate_day(rules: ProbationRules, zone: ZoneInfo, day: date, punches: Sequence[CheckIn]) -> DayResult:
    """The status of one local work day from its punches (UTC times, any order, duplicates harmless)."""
    start = datetime.combine(day, wall_time(rules.work_start), tzinfo=zone)
    end = datetime.combine(day, wall_time(rules.work_end), tzinfo=zone)
    grace = timedelta(minutes=rules.grace_minutes)
    arrivals = [p.checked_at for p in punches if p.check_type == CheckType.ON_DUTY]
    departures = [p.checked_at for p in punches if p.check_type == CheckType.OFF_DUTY]
    if not arrivals and not departures:
        return DayResult(DayStatus.ABSENT)
    late = early = 0
    if arrivals:
        arrived = min(arrivals)
        if arrived > start + grace:
            late = int((arrived - start).total_seconds() // 60)
    if departures:
        left = max(departures)
        if left < end - grace:
            early = int((end - left).total_seconds() // 60)
    is_late = bool(late) or not arrivals
    is_early = bool(early) or not departures
    if is_late and is_early:
        status = DayStatus.LATE_AND_EARLY_LEAVE
    elif is_late:
        status = DayStatus.LATE
    elif is_early:
        status = DayStatus.EARLY_LEAVE
    else:
        status = DayStatus.ON_TIME
    return DayResult(status, late, early)


def local_date_of(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def probation_days(employee: Any, rules: ProbationRules, until: date) -> list[date]:
    """Work days from the start date to ``until`` (inclusive), within probation."""
    last = min(until, employee.probation_end) if employee.probation_end else until
    days, day = [], employee.start_date
    while day <= last:
        if day.isoweekday() in rules.work_days:
            days.append(day)
        day += timedelta(days=1)
    return days


def evaluate_employee(
    session: Session, employee: Any, *, days: Iterable[date] | None = None, now: datetime | None = None
) -> list[AttendanceDay]:
    """Write the evaluation of ``days`` (default: every probation work day that has ended at the site and has
    no evaluation yet, so absences appear), and return the rows written."""
    if employee.rules_id is None:
        return []
    rules = session.get(ProbationRules, employee.rules_id)
    if rules is None:
        raise LookupError(f"Employee {employee.id} names probation rules {employee.rules_id}, which do not "
                          "exist; assign existing rules to the employee.")
    zone = ZoneInfo(employee.timezone)
    today = (now or utcnow()).astimezone(zone).date()
    existing = {row.local_date: row for row in session.scalars(
        select(AttendanceDay).where(AttendanceDay.employee_id == employee.id))}
    if days is None:
        wanted = [d for d in probation_days(employee, rules, today - timedelta(days=1)) if d not in existing]
    else:
        # A punch on a rest day or outside probation is stored but not evaluated.
        allowed = set(probation_days(employee, rules, today))
        wanted = sorted(d for d in set(days) if d in allowed)
    if not wanted:
        return []
    punches: dict[date, list[CheckIn]] = {}
    for punch in session.scalars(select(CheckIn).where(
            CheckIn.employee_id == employee.id, CheckIn.local_date.in_(wanted))):
        punches.setdefault(punch.local_date, []).append(punch)
    written = []
    for day in wanted:
        if day == today and not punches.get(day):
            continue  # the day is not over: no punch yet is not an absence
        result = evaluate_day(rules, zone, day, punches.get(day, []))
        row = existing.get(day)
        if row is None:
            row = AttendanceDay(employee_id=employee.id, local_date=day)
            session.add(row)
        row.status, row.late_minutes = result.status, result.late_minutes
        row.early_minutes = result.early_minutes
        row.rules_id, row.evaluated_at = rules.id, utcnow()
        written.append(row)
    session.flush()
    return written


LATE_STATUSES = frozenset({DayStatus.LATE, DayStatus.LATE_AND_EARLY_LEAVE})
EARLY_STATUSES = frozenset({DayStatus.EARLY_LEAVE, DayStatus.LATE_AND_EARLY_LEAVE})


def summarize(session: Session, employee: Any) -> dict[str, Any]:
    """Counts and flags of the employee's probation so far, with the evaluated days (statuses and minutes,
    no punch times: HR needs how late, not when the person walked in)."""
    rows = list(session.scalars(select(AttendanceDay).where(AttendanceDay.employee_id == employee.id)
                                .order_by(AttendanceDay.local_date)))
    statuses = Counter(row.status for row in rows)
    counts = {
        "work_days": len(rows),
        "on_time": statuses[DayStatus.ON_TIME],
        "late": sum(statuses[s] for s in LATE_STATUSES),
        "early_leave": sum(statuses[s] for s in EARLY_STATUSES),
        "absent": statuses[DayStatus.ABSENT],
    }
    rules = session.get(ProbationRules, employee.rules_id) if employee.rules_id is not None else None
    flags = []
    if rules is not None:
        for key, limit in (("late", rules.late_threshold_count), ("absent", rules.absent_threshold_count),
                           ("early_leave", rules.early_leave_threshold_count)):
            if counts[key] > limit:
                flags.append({"flag": f"{key}_over_threshold", "count": counts[key], "threshold": limit})
    return {
        "employee": employee.id,
        "rules": rules.to_dict() if rules is not None else None,
        "counts": counts,
        "flags": flags,
        "days": [{"date": row.local_date.isoformat(), "status": str(row.status),
                  "late_minutes": row.late_minutes, "early_minutes": row.early_minutes} for row in rows],
    }
