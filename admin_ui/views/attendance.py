"""New hires' probation attendance (issue 9): the employees in probation with their counts (on time, late,
absent, early leave) and flags, and one employee's evaluated days (local dates at the site) and probation rules,
with the form that changes the rules.

Counts and flags are ``candor.attendance.evaluation.summarize``, the same as the attendance API; the rules form
calls ``candor.attendance.views.change_rules``, the service behind ``PUT /api/v1/employees/<id>/probation-rules``,
so it validates alike and shows the same messages, one per field. The list and the page read employees by
column (ids, site, dates), so no personal field is decrypted unless the person's role may read personal data
(``candidates:write``, as for candidates' names); then the name is shown and the row load is recorded by the
vault's access hooks. Every employee whose attendance a page shows gets an ``access.attendance`` entry, as the
API records.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from candor import audit
from candor.attendance.evaluation import summarize
from candor.attendance.views import RULE_FIELDS, change_rules, validate_rules
from candor.auth import Permission, current_identity, requires
from candor.db import utcnow
from candor.onboarding.models import Employee, EmployeeState
from candor.state import get_state
from candor.vault import SubjectErased
from candor_admin.blueprint import bp, can
from candor_admin.paging import paginate
from candor_admin.writes import writing_session

#: What the pages show of an employee without decrypting anything.
COLUMNS = (Employee.id, Employee.organization_id, Employee.position, Employee.site, Employee.timezone,
           Employee.start_date, Employee.probation_end, Employee.state, Employee.rules_id)
SHOWS = ("current", "all")
WEEKDAYS = range(1, 8)
COUNT_FIELDS = ("grace_minutes", "late_threshold_count", "absent_threshold_count", "early_leave_threshold_count")
WHOLE_NUMBER = re.compile(r"^\s*\d{1,6}\s*$")


def _names(session: Session, ids: list[int]) -> dict[int, str | None]:
    """Employees' names for roles that may read personal data; ``{}`` for others (nothing is decrypted)."""
    if not ids or not can(Permission.CANDIDATES_WRITE):
        return {}
    names: dict[int, str | None] = {}
    for employee in session.scalars(select(Employee).where(Employee.id.in_(ids))):
        try:
            names[employee.id] = employee.full_name
        except SubjectErased:
            names[employee.id] = None  # erased: the page says so instead of a name
    return names


def _note_shown(session: Session, employee_ids: list[int], view: str) -> None:
    for employee_id in employee_ids:
        audit.record(session, "access.attendance", f"employee:{employee_id}", purpose="attendance",
                     details={"view": view})


@bp.get("/probation")
@requires(Permission.ATTENDANCE_READ)
def probation() -> Any:
    session = writing_session()
    show = request.args.get("show", "current")
    if show not in SHOWS:
        abort(400, _("Show must be current or all."))
    query = select(*COLUMNS)
    if show == "current":
        # The earliest date any site can still be at (UTC-12), so nobody leaves the list before their last day.
        earliest = (utcnow() - timedelta(hours=12)).date()
        query = query.where(Employee.state != EmployeeState.ENDED,
                            or_(Employee.probation_end.is_(None), Employee.probation_end >= earliest))
    page = paginate(session, query.order_by(Employee.start_date.desc(), Employee.id.desc()), scalars=False)
    ids = [row.id for row in page.items]
    names = _names(session, ids)
    rows = [{"employee": row, "summary": summarize(session, row), "name": names.get(row.id),
             "named": row.id in names} for row in page.items]
    html = render_template("admin/probation.html", page=page, rows=rows, show=show,
                           names_shown=can(Permission.CANDIDATES_WRITE))
    _note_shown(session, ids, "list")
    session.commit()  # the access entries of what was shown
    return html


def _form_values(rules: dict[str, Any]) -> dict[str, Any]:
    """The form's fields from rules as ``to_dict`` or ``validate_rules`` give them."""
    return {name: rules[name] for name in RULE_FIELDS}


def _employee_page(session: Session, employee_id: int, *, form: dict[str, Any] | None = None,
                   problems: list[dict[str, str]] | None = None, status: int = 200) -> Any:
    row = session.execute(select(*COLUMNS).where(Employee.id == employee_id)).first()
    if row is None:
        abort(404, _("There is no employee %(id)s.", id=employee_id))
    summary = summarize(session, row)
    names = _names(session, [row.id])
    if form is None:
        form = _form_values(summary["rules"] or validate_rules({}, None)[0])
    by_field: dict[str, list[str]] = {}
    for problem in problems or []:
        by_field.setdefault(problem["field"] if problem["field"] in RULE_FIELDS else "", []).append(
            problem["message"])
    html = render_template("admin/probation_employee.html", employee=row, summary=summary,
                           name=names.get(row.id), named=row.id in names, form=form, problems=by_field,
                           weekdays=WEEKDAYS, may_manage=can(Permission.ATTENDANCE_MANAGE))
    _note_shown(session, [row.id], "detail")
    session.commit()
    return make_response(html, status)


@bp.get("/probation/<int:employee_id>")
@requires(Permission.ATTENDANCE_READ)
def probation_employee(employee_id: int) -> Any:
    return _employee_page(writing_session(), employee_id)


def _rules_body(form: Any) -> dict[str, Any]:
    """The form as the API's JSON body: numbers where the text is a whole number, the text as typed otherwise,
    so that ``validate_rules`` judges what was typed and says what is expected."""
    body: dict[str, Any] = {name: form.get(name, "") for name in ("name", "work_start", "work_end", "penalties")}
    body["penalties"] = body["penalties"].replace("\r\n", "\n")
    for name in COUNT_FIELDS:
        raw = form.get(name, "")
        body[name] = int(raw) if WHOLE_NUMBER.match(raw) else raw
    days = form.getlist("work_days")
    body["work_days"] = [int(d) for d in days] if all(d.isdigit() for d in days) else days
    return body


@bp.post("/probation/<int:employee_id>/rules")
@requires(Permission.ATTENDANCE_MANAGE)
def probation_rules(employee_id: int) -> Any:
    state = get_state()
    session = writing_session()
    employee = session.get(Employee, employee_id)
    if employee is None:
        abort(404, _("There is no employee %(id)s.", id=employee_id))
    identity = current_identity()
    assert identity is not None
    body = _rules_body(request.form)
    change, problems = change_rules(state, session, employee, body, actor=identity.actor)
    if change is None:
        session.rollback()
        flash(_("The probation rules were not changed; correct the fields marked below."), "error")
        return _employee_page(writing_session(), employee_id, form=body, problems=problems, status=422)
    session.commit()
    if change.changed:
        flash(_("Probation rules saved as version %(version)s of %(name)s; %(days)s evaluated days were evaluated "
                "again.", version=change.rules.version, name=change.rules.name, days=change.days_evaluated), "ok")
    else:
        flash(_("The probation rules are unchanged."), "ok")
    return redirect(url_for("admin.probation_employee", employee_id=employee_id), code=303)
