"""A new hire in probation with real check-ins, made with the core's own models and the attendance ingest.

An organisation with probation rules (09:00-18:00 Monday to Friday, 5 minutes' grace, no late day and no
absence allowed), a hired candidate's employee at a site in Asia/Shanghai whose probation started on the
Monday two weeks ago, an account in the attendance system, and two days of punches stored through
``store_check_ins``: on the first day an arrival at 08:55 local time (00:55 UTC, so the UTC date is the day
before) and on the second an arrival 20 minutes late; every later work day that has ended has no punch and is
evaluated absent.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from candor.attendance.checkins import evaluate_absences, store_check_ins
from candor.attendance.models import ProbationRules
from candor.db import utcnow
from candor.interviews.models import Candidate
from candor.onboarding.models import AccountState, AttendanceAccount, Employee, EmployeeState
from candor.orgs.models import Organization
from candor.state import get_state

SITE_ZONE = ZoneInfo("Asia/Shanghai")
ADAPTER = "dingtalk_attendance"


def probation_start() -> date:
    """The Monday two weeks before today (at the site), so several work days have ended."""
    today = utcnow().astimezone(SITE_ZONE).date()
    return today - timedelta(days=today.weekday() + 14)


def seed_new_hire(app: Flask, *, full_name: str = "Li Wei", position: str = "Analyst") -> dict[str, Any]:
    state = get_state(app)
    start = probation_start()
    account = f"u{random.randrange(10**9)}"
    with state.db.transaction() as session:
        org = Organization(name="Hangzhou Freight", slug=f"hz-{random.randrange(10**9)}", jurisdictions=["CN"])
        session.add(org)
        session.flush()
        rules = ProbationRules(organization_id=org.id, name="standard", work_start="09:00", work_end="18:00",
                               work_days=[1, 2, 3, 4, 5], grace_minutes=5, late_threshold_count=0,
                               absent_threshold_count=0, early_leave_threshold_count=3,
                               penalties="A written warning after the second absence.")
        session.add(rules)
        session.flush()
        candidate = Candidate(organization_id=org.id, full_name=full_name,
                              email=f"hire{random.randrange(10**9)}@example.org")
        session.add(candidate)
        session.flush()
        employee = Employee(candidate_id=candidate.id, organization_id=org.id, position=position,
                            site="Hangzhou", timezone=str(SITE_ZONE), start_date=start,
                            probation_end=start + timedelta(days=91), rules_id=rules.id,
                            state=EmployeeState.ACTIVE, uid=f"e{random.randrange(10**12)}")
        employee.full_name = full_name
        session.add(employee)
        session.flush()
        session.add(AttendanceAccount(employee_id=employee.id, adapter=ADAPTER, account_id=account,
                                      state=AccountState.ACTIVE))
        employee_id, rules_id, org_id = employee.id, rules.id, org.id

    def punch(ref: str, kind: str, day: date, hour: int, minute: int) -> dict[str, Any]:
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=SITE_ZONE)
        return {"external_id": f"{account}-{ref}", "account_id": account, "check_type": kind,
                "checked_at": local.isoformat()}

    second = start + timedelta(days=1)
    rows = [punch("1", "on_duty", start, 8, 55), punch("2", "off_duty", start, 18, 5),
            punch("3", "on_duty", second, 9, 20), punch("4", "off_duty", second, 18, 0)]
    with state.db.transaction() as session:
        store_check_ins(session, ADAPTER, rows)
        evaluate_absences(session, [session.get(Employee, employee_id)])
    return {"employee_id": employee_id, "rules_id": rules_id, "organization_id": org_id, "start": start,
            "late_day": second}
