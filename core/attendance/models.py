"""Attendance as stored: probation rules as data, check-in records pulled from attendance systems, and the
per-day evaluation of each employee's probation attendance.

Owns the tables ``probation_rules``, ``check_ins``, ``attendance_days`` and ``attendance_pull_lock``. A
check-in names the employee by id only (the person's name and contacts stay in the onboarding record, in the
vault); it holds the time of the punch because the evaluation needs it, and nothing else about the person
(no location, address or device). ``(adapter, external_id)`` is unique, so a record pulled twice is stored
once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class ProbationRules(Base):
    """A named, versioned set of probation rules of one organization.

    Rules are never edited in place: a change is a new version, so an employee's evaluation always names the
    rules it was made under. ``work_start``/``work_end`` are local wall-clock times ("09:00") at the
    employee's site; ``work_days`` are ISO weekdays (1 = Monday).
    """

    __tablename__ = "probation_rules"
    __table_args__ = (UniqueConstraint("organization_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    work_start: Mapped[str] = mapped_column(String(5), default="09:00")
    work_end: Mapped[str] = mapped_column(String(5), default="18:00")
    work_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 2, 3, 4, 5])
    #: Minutes after ``work_start`` that still count as on time (and before ``work_end`` for leaving).
    grace_minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: Flag when late arrivals during probation exceed this many (``3``: the fourth late day is flagged).
    late_threshold_count: Mapped[int] = mapped_column(Integer, default=3)
    absent_threshold_count: Mapped[int] = mapped_column(Integer, default=0)
    early_leave_threshold_count: Mapped[int] = mapped_column(Integer, default=3)
    #: The documented penalties, as the employer wrote them; the platform shows them, it never applies them.
    penalties: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "organization_id": self.organization_id, "name": self.name,
            "version": self.version,
            "work_start": self.work_start, "work_end": self.work_end, "work_days": list(self.work_days),
            "grace_minutes": self.grace_minutes, "late_threshold_count": self.late_threshold_count,
            "absent_threshold_count": self.absent_threshold_count,
            "early_leave_threshold_count": self.early_leave_threshold_count, "penalties": self.penalties,
        }


class CheckType(StrEnum):
    ON_DUTY = "on_duty"
    OFF_DUTY = "off_duty"


class CheckIn(Base):
    """One punch as the attendance system recorded it, in UTC, with the local work date at the site."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("adapter", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    adapter: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(100))
    check_type: Mapped[CheckType] = mapped_column(String(10))
    checked_at: Mapped[datetime]
    local_date: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(20), default="")  # USER, APPROVE, webhook...
    #: What the attendance system itself concluded (``Normal``, ``Late``...), kept for comparison only.
    result: Mapped[str] = mapped_column(String(20), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class DayStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    EARLY_LEAVE = "early_leave"
    LATE_AND_EARLY_LEAVE = "late_and_early_leave"
    ABSENT = "absent"


class AttendanceDay(Base):
    """The evaluation of one employee's local work day, recomputed whenever a record for that day arrives."""

    __tablename__ = "attendance_days"
    __table_args__ = (UniqueConstraint("employee_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    local_date: Mapped[date] = mapped_column(Date)
    status: Mapped[DayStatus] = mapped_column(String(30))
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    early_minutes: Mapped[int] = mapped_column(Integer, default=0)
    rules_id: Mapped[int] = mapped_column(ForeignKey("probation_rules.id"))
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AttendancePullLock(Base):
    """One row: when the last scheduled pull ran and whether one is running, so workers never overlap."""

    __tablename__ = "attendance_pull_lock"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_until: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
