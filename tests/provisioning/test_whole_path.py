"""The whole path of issue 9 over real servers: a reviewer's hire decision becomes an employee; the new hire
consents on the onboarding page over HTTP; the account appears in the SCIM server (scim2-server behind a proxy
failing its first requests) and a pre-hire entry in the DingTalk-style server (down at first); check-ins are
pulled from DingTalk (down, then up; a duplicate, a malformed record and an account DingTalk does not know);
the probation rules flag the late arrivals; and the report reaches the fake HR system through the outbox.
Nothing is lost and nothing counts twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from candor.attendance.models import CheckIn
from candor.attendance.pull import pull_all
from candor.onboarding.models import AccountState, AttendanceAccount, Employee, EmployeeState
from candor.testing import csrf_token_from

from .conftest import hire, link, run_due

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2025, 3, 3)
NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)  # the second Friday


def test_from_hire_decision_to_the_probation_report(app, candor_client, state, scim, proxy, dingtalk, receiver):
    # hire decision -> onboarding record (probation: more than 2 late arrivals is flagged)
    employee = hire(app, start=START, late_threshold_count=2)
    with state.db.transaction() as session:
        assert str(session.get(Employee, employee).state) == EmployeeState.PENDING.value

    # the new hire consents on the page (the link of the onboarding message), no biometrics
    token = link(app, employee)
    page = candor_client.get(f"/employee/onboarding?t={token}&lang=en").get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(page), "language": "en",
            "notice_hash": page.split('name="notice_hash" value="')[1].split('"')[0],
            "decision.onboarding": "yes", "decision.attendance": "yes", "decision.attendance_biometrics": "no"}
    assert candor_client.post(f"/employee/onboarding?t={token}", data=form).status_code == 200

    # both systems fail at first: SCIM answers 503 to every try of the first unit, DingTalk is down
    proxy.fail_next, dingtalk.down = 2, True
    first = run_due(app, horizon=0)
    assert first.get("retry", 0) >= 2 and scim.users() == [] and not dingtalk.users
    proxy.fail_next, dingtalk.down = 0, False
    run_due(app, horizon=60, timeout=120)
    [user] = scim.users()
    assert user["active"] and user["userName"] == "mei@example.com"
    with state.db.transaction() as session:
        accounts = {a.adapter: a for a in session.scalars(select(AttendanceAccount)
                                                           .where(AttendanceAccount.employee_id == employee))}
        assert {k: str(a.state) for k, a in accounts.items()} == {
            "scim_provisioning": "active", "dingtalk_attendance": "active", "face_clock": "active"}
        assert accounts["scim_provisioning"].account_id == user["id"]
        ding_user = accounts["dingtalk_attendance"].account_id
        assert dingtalk.users[ding_user]["name"] == "Mei Lin"  # one pre-hire entry, despite the outage
        assert len(dingtalk.users) == 1
        session.get(Employee, employee).state = EmployeeState.ACTIVE  # the first day came
    # an account DingTalk does not know (entered by hand for another employee)
    other = hire(app, start=START)
    with state.db.transaction() as session:
        session.add(AttendanceAccount(employee_id=other, adapter="dingtalk_attendance", account_id="ghost",
                                      state=AccountState.ACTIVE))

    # two weeks of punches: late on three days; DingTalk answers one record twice and one malformed
    for offset in range(12):
        day = datetime.combine(START + timedelta(days=offset), datetime.min.time(), tzinfo=SHANGHAI)
        if day.isoweekday() > 5:
            continue
        late = offset in (1, 3, 8)
        dingtalk.punch(ding_user, "OnDuty", day.replace(hour=9, minute=25 if late else 0),
                       time_result="Late" if late else "Normal")
        dingtalk.punch(ding_user, "OffDuty", day.replace(hour=18, minute=1))
    dingtalk.records.append(dict(dingtalk.records[0]))
    dingtalk.records.append({**dingtalk.records[1], "id": 99999, "recordId": 99999, "checkType": "Lunch"})

    dingtalk.down = True
    assert "error" in pull_all(state, now=NOW)["dingtalk_attendance"]
    with state.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
    dingtalk.down = False
    result = pull_all(state, now=NOW)["dingtalk_attendance"]
    assert result["stored"] == 20 and result["duplicates"] == 1
    assert result["unknown_accounts"] == 2  # the ghost, once in each of the two 7-day windows asked
    assert result["rejected"] == {"check_type must be on_duty or off_duty": 1}
    assert pull_all(state, now=NOW + timedelta(minutes=15))["dingtalk_attendance"]["stored"] == 0  # no double

    # flags computed; HR sees them through the API
    with state.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 20
    run_due(app, horizon=5, timeout=120)
    reports = [p for p in receiver.accepted.values()
               if "attendance.report" in (p.get("type"), p.get("event_type"))]
    assert reports, [p.get("type") for p in receiver.accepted.values()]
    latest = reports[-1]
    body = str(latest)
    assert "late_over_threshold" in body and "'late': 3" in body
    assert "Mei" not in body and "mei@" not in body and "13800138000" not in body and "09:25" not in body
