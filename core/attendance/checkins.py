"""Storing check-ins from attendance adapters (pulled or pushed) and re-evaluating the days they touch.

Owns the rules that make ingestion lose nothing and count nothing twice: a record is stored once per adapter
and external id (a duplicate is counted and skipped); a malformed record or one for an account no employee
holds is reported by its position and reason (never its content) and the rest go on; a record arriving days
late re-evaluates its own day only. Reports go to HR through the outbox as counts and flags.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.attendance.evaluation import evaluate_employee, local_date_of, summarize
from candor.attendance.models import CheckIn, CheckType
from candor.onboarding.models import AttendanceAccount, Employee

if TYPE_CHECKING:
    from candor.state import CandorState


class MalformedCheckIn(ValueError):
    """A record lacks a field or has one in the wrong form; the message names the field, never the value."""


@dataclass
class IngestReport:
    stored: int = 0
    duplicates: int = 0
    #: reason -> count; reasons name fields, never values.
    rejected: Counter[str] = field(default_factory=Counter)
    unknown_accounts: int = 0
    employees: set[int] = field(default_factory=set)
    days_evaluated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"stored": self.stored, "duplicates": self.duplicates, "rejected": dict(self.rejected),
                "unknown_accounts": self.unknown_accounts, "employees": sorted(self.employees),
                "days_evaluated": self.days_evaluated}


def parse_moment(value: Any) -> datetime:
    """An aware datetime from epoch milliseconds or ISO 8601 with an offset; naive times are refused because
    the site's zone cannot be guessed."""
    if isinstance(value, bool):
        raise MalformedCheckIn("checked_at must be epoch milliseconds or ISO 8601 with an offset")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise MalformedCheckIn("checked_at is not ISO 8601 (e.g. 2025-03-03T09:01:00+08:00)") from None
    else:
        raise MalformedCheckIn("checked_at is missing")
    if moment.tzinfo is None:
        raise MalformedCheckIn("checked_at has no UTC offset; send it with one (e.g. +08:00 or Z)")
    return moment.astimezone(UTC)


def _parse(row: Mapping[str, Any]) -> tuple[str, str, CheckType, datetime]:
    if row.get("error"):
        raise MalformedCheckIn(str(row["error"]))
    external_id = str(row.get("external_id") or "").strip()
    account_id = str(row.get("account_id") or "").strip()
    if not external_id or len(external_id) > 100:
        raise MalformedCheckIn("external_id is missing or longer than 100 characters")
    if not account_id:
        raise MalformedCheckIn("account_id is missing")
    try:
        check_type = CheckType(str(row.get("check_type") or ""))
    except ValueError:
        raise MalformedCheckIn("check_type must be on_duty or off_duty") from None
    return external_id, account_id, check_type, parse_moment(row.get("checked_at"))


def store_check_ins(
    session: Session, adapter: str, rows: Iterable[Mapping[str, Any]], *, now: datetime | None = None
) -> IngestReport:
    """Store ``rows`` from ``adapter`` in ``session`` (the caller commits), then re-evaluate each touched day
    and fill in absences. Unknown users reported by the adapter (``{"error": "unknown_user"}``) count as
    unknown accounts."""
    report = IngestReport()
    accounts: dict[str, Employee | None] = {}
    touched: dict[int, set[date]] = {}
    seen: set[str] = set()
    for row in rows:
        if row.get("error") == "unknown_user":
            report.unknown_accounts += 1
            continue
        try:
            external_id, account_id, check_type, moment = _parse(row)
        except MalformedCheckIn as exc:
            report.rejected[str(exc)] += 1
            continue
        if account_id not in accounts:
            accounts[account_id] = session.scalar(
                select(Employee).join(AttendanceAccount, AttendanceAccount.employee_id == Employee.id)
                .where(AttendanceAccount.adapter == adapter, AttendanceAccount.account_id == account_id))
        employee = accounts[account_id]
        if employee is None:
            report.unknown_accounts += 1
            continue
        if external_id in seen or session.scalar(select(CheckIn.id).where(
                CheckIn.adapter == adapter, CheckIn.external_id == external_id)) is not None:
            report.duplicates += 1
            continue
        seen.add(external_id)
        day = local_date_of(moment, employee.timezone)
        session.add(CheckIn(employee_id=employee.id, adapter=adapter, external_id=external_id,
                            check_type=check_type, checked_at=moment, local_date=day,
                            source=str(row.get("source") or "")[:20],
                            result=str(row.get("result") or "")[:20]))
        report.stored += 1
        touched.setdefault(employee.id, set()).add(day)
    session.flush()
    for employee_id, days in touched.items():
        employee = session.get(Employee, employee_id)
        report.days_evaluated += len(evaluate_employee(session, employee, days=days, now=now))
        report.employees.add(employee_id)
    return report


def evaluate_absences(
    session: Session, employees: Iterable[Employee], *, now: datetime | None = None
) -> set[int]:
    """Evaluate the ended work days nobody punched on; returns the employees whose days changed."""
    changed = set()
    for employee in employees:
        if evaluate_employee(session, employee, now=now):
            changed.add(employee.id)
    return changed


def report_to_hr(state: CandorState, session: Session, employee: Employee) -> list[int]:
    """Emit ``attendance.report`` for one employee: counts, flags and the rules' id and version; no punch
    times and no day list (HR asks the API for those). The stream is the hire's candidate, so the report
    follows the ``decision.made`` it came from."""
    from candor.outbox import emit

    if employee.candidate_id is None:
        return []
    summary = summarize(session, employee)
    rules = summary["rules"]
    data = {"employee": employee.id, "candidate": employee.candidate_id,
            "probation_end": employee.probation_end.isoformat() if employee.probation_end else None,
            "rules": {"id": rules["id"], "version": rules["version"]} if rules else None,
            "counts": summary["counts"], "flags": summary["flags"]}
    return emit(session, "attendance.report", f"candidate:{employee.candidate_id}", data)
