"""HR's attendance API: a new hire's probation attendance and their probation rules.

``GET /api/v1/employees/<id>/attendance`` gives the evaluated work days (local dates at the site, status,
minutes late or early), the counts and the flags against the rules, with the site and its time zone; no
punch times (HR needs how late, not when the person walked in). ``GET/PUT /api/v1/employees/<id>/probation-
rules`` reads and changes the rules: a change is a new version of the organisation's rules (never an edit in
place, so earlier evaluations keep naming the rules they were made under), assigned to the employee, and
every evaluated day is evaluated again under it and the new counts reported to HR. Invalid rules are refused
with 422 and one message per field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from candor import audit
from candor.attendance.checkins import report_to_hr
from candor.attendance.evaluation import evaluate_employee, summarize
from candor.attendance.models import AttendanceDay, ProbationRules
from candor.auth import Permission, current_identity, requires
from candor.onboarding.models import Employee
from candor.state import get_state

if TYPE_CHECKING:
    from candor.state import CandorState

bp = Blueprint("attendance", __name__)

WALL_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_GRACE_MINUTES = 240
MAX_COUNT = 366
RULE_FIELDS = ("name", "work_start", "work_end", "work_days", "grace_minutes", "late_threshold_count",
               "absent_threshold_count", "early_leave_threshold_count", "penalties")


def _employee(employee_id: int) -> Employee:
    employee = get_state().db.session.get(Employee, employee_id)
    if employee is None:
        abort(404, f"No employee {employee_id}.")
    return employee


@bp.get("/api/v1/employees/<int:employee_id>/attendance")
@requires(Permission.ATTENDANCE_READ)
def attendance(employee_id: int) -> Any:
    session = get_state().db.session
    employee = _employee(employee_id)
    summary = summarize(session, employee)
    audit.record(session, "access.attendance", employee.subject_ref, purpose="attendance",
                 details={"days": len(summary["days"])})
    session.commit()
    return jsonify({
        **summary, "site": employee.site, "timezone": employee.timezone, "state": str(employee.state),
        "start_date": employee.start_date.isoformat(),
        "probation_end": employee.probation_end.isoformat() if employee.probation_end else None,
        "accounts": [account.to_public_dict() for account in employee.accounts],
    })


@bp.get("/api/v1/employees/<int:employee_id>/probation-rules")
@requires(Permission.ATTENDANCE_READ)
def get_rules(employee_id: int) -> Any:
    session = get_state().db.session
    employee = _employee(employee_id)
    rules = session.get(ProbationRules, employee.rules_id) if employee.rules_id is not None else None
    return jsonify({"employee": employee.id, "rules": rules.to_dict() if rules else None})


def validate_rules(body: Any, current: ProbationRules | None) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The complete rules from ``body`` over ``current`` (fields left out keep their value) and the problems,
    one per field, each saying what is expected."""
    if not isinstance(body, dict):
        return {}, [{"field": "", "message": "The body must be a JSON object of rule fields."}]
    problems: list[dict[str, str]] = []
    for name in sorted(set(body) - set(RULE_FIELDS)):
        problems.append({"field": name, "message": f"Unknown field; expected some of: {', '.join(RULE_FIELDS)}."})
    base = current.to_dict() if current is not None else {
        "name": "standard", "work_start": "09:00", "work_end": "18:00", "work_days": [1, 2, 3, 4, 5],
        "grace_minutes": 0, "late_threshold_count": 3, "absent_threshold_count": 0,
        "early_leave_threshold_count": 3, "penalties": ""}
    rules = {name: body.get(name, base[name]) for name in RULE_FIELDS}

    def problem(field: str, message: str) -> None:
        problems.append({"field": field, "message": message})

    if not isinstance(rules["name"], str) or not 1 <= len(rules["name"].strip()) <= 100:
        problem("name", "A name of 1 to 100 characters, e.g. 'standard'.")
    for field in ("work_start", "work_end"):
        if not isinstance(rules[field], str) or not WALL_TIME.match(rules[field]):
            problem(field, "A 24-hour local time HH:MM at the site, e.g. '09:00'.")
    if not any(p["field"] in ("work_start", "work_end") for p in problems) and rules["work_start"] >= rules["work_end"]:
        problem("work_end", "The working day must end after it starts (overnight shifts are not supported).")
    days = rules["work_days"]
    if (not isinstance(days, list) or not days or len(set(days)) != len(days)
            or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days)):
        problem("work_days", "A non-empty list of distinct ISO weekdays, 1 (Monday) to 7 (Sunday).")
    limits = {"grace_minutes": MAX_GRACE_MINUTES, "late_threshold_count": MAX_COUNT,
              "absent_threshold_count": MAX_COUNT, "early_leave_threshold_count": MAX_COUNT}
    for field, top in limits.items():
        value = rules[field]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
            problem(field, f"A whole number from 0 to {top}.")
    if not isinstance(rules["penalties"], str) or len(rules["penalties"]) > 4000:
        problem("penalties", "Text of at most 4000 characters (the documented penalties, as written).")
    if not problems:
        rules["name"] = rules["name"].strip()
        rules["work_days"] = sorted(days)
    return rules, problems


@dataclass(frozen=True)
class RulesChange:
    """What ``change_rules`` did: the employee's rules now, whether they are a new version, days re-evaluated."""

    rules: ProbationRules
    changed: bool
    days_evaluated: int


def change_rules(state: CandorState, session: Session, employee: Employee, body: Any,
                 *, actor: str) -> tuple[RulesChange | None, list[dict[str, str]]]:
    """Validate ``body`` over the employee's current rules and, when valid and different, make them a new version
    assigned to the employee, evaluate the evaluated days again, report the new counts to HR and audit it, in the
    caller's transaction. Returns the change, or ``None`` and the problems (one per field). The API and the admin
    form both call this, so they validate and record alike."""
    current = session.get(ProbationRules, employee.rules_id) if employee.rules_id is not None else None
    values, problems = validate_rules(body, current)
    if problems:
        return None, problems
    if current is not None and all(values[name] == current.to_dict()[name] for name in RULE_FIELDS):
        return RulesChange(current, False, 0), []
    version = (session.scalar(select(func.max(ProbationRules.version)).where(
        ProbationRules.organization_id == employee.organization_id, ProbationRules.name == values["name"])) or 0) + 1
    rules = ProbationRules(organization_id=employee.organization_id, version=version, created_by=actor, **values)
    session.add(rules)
    session.flush()
    employee.rules_id = rules.id
    days = list(session.scalars(select(AttendanceDay.local_date).where(AttendanceDay.employee_id == employee.id)))
    # The evaluated days, again, under the new rules; days not evaluated yet follow with the next pull.
    evaluate_employee(session, employee, days=days)
    report_to_hr(state, session, employee)
    audit.record(session, "admin.probation_rules_changed", employee.subject_ref, purpose="attendance",
                 details={"rules": rules.id, "version": version})
    return RulesChange(rules, True, len(days)), []


@bp.put("/api/v1/employees/<int:employee_id>/probation-rules")
@requires(Permission.ATTENDANCE_MANAGE)
def put_rules(employee_id: int) -> Any:
    state = get_state()
    session = state.db.session
    employee = _employee(employee_id)
    identity = current_identity()
    change, problems = change_rules(state, session, employee, request.get_json(silent=True),
                                    actor=identity.actor if identity else "staff")
    if change is None:
        response = jsonify({"error": "invalid_rules", "message": "The probation rules were not changed: "
                            + "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems),
                            "problems": problems})
        response.status_code = 422
        return response
    if not change.changed:
        return jsonify({"employee": employee.id, "rules": change.rules.to_dict(), "changed": False})
    session.commit()
    return jsonify({"employee": employee.id, "rules": change.rules.to_dict(), "changed": True,
                    "days_evaluated": change.days_evaluated}), 200
