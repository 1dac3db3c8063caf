"""HR's attendance API (statuses, counts and flags per site time zone; rules read and changed as new versions
with 422 per field) and the erasure and retention of check-ins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from candor.attendance.checkins import store_check_ins
from candor.attendance.models import AttendanceDay, CheckIn, ProbationRules
from candor.auth.tokens import create_token
from candor.onboarding.erasure import erase_employee
from candor.onboarding.models import AccountState, AttendanceAccount, Employee, EmployeeState
from candor.retention.engine import make_plan, run_retention
from candor.vault.models import DataSubject

from .conftest import hire, run_due
from .test_provisioning import consent

BERLIN = ZoneInfo("Europe/Berlin")
START = date(2025, 3, 3)  # a Monday
NOW = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)  # the Saturday after


def _week(state, employee_id: int, zone: ZoneInfo, *, late_days: tuple[int, ...]) -> None:
    """Punches for the first working week, given to the store as an adapter would (account ``acc-<id>``)."""
    rows = []
    for offset in range(5):
        day = datetime.combine(START + timedelta(days=offset), datetime.min.time(), tzinfo=zone)
        arrive = day.replace(hour=9, minute=30 if offset in late_days else 0)
        rows += [{"external_id": f"{employee_id}-{offset}-in", "account_id": f"acc-{employee_id}",
                  "check_type": "on_duty", "checked_at": arrive.isoformat()},
                 {"external_id": f"{employee_id}-{offset}-out", "account_id": f"acc-{employee_id}",
                  "check_type": "off_duty", "checked_at": day.replace(hour=18, minute=5).isoformat()}]
    with state.db.transaction() as session:
        session.add(AttendanceAccount(employee_id=employee_id, adapter="manual", account_id=f"acc-{employee_id}",
                                      state=AccountState.ACTIVE))
        session.flush()
        store_check_ins(session, "manual", rows, now=NOW)


def _bearer(state, make_staff, role: str, scope: str) -> dict[str, str]:
    user = make_staff(role)
    with state.db.transaction() as session:
        secret, _ = create_token(session, session.merge(user), "hr", [scope])
    return {"Authorization": f"Bearer {secret}"}


def test_attendance_and_rules_api(app, state, make_staff):
    employee = hire(app, start=START, late_threshold_count=1)
    with state.db.transaction() as session:
        row = session.get(Employee, employee)
        row.timezone, row.state = "Europe/Berlin", EmployeeState.ACTIVE  # a site in another zone
    _week(state, employee, BERLIN, late_days=(1, 3))
    client = app.test_client()
    read = _bearer(state, make_staff, "recruiter", "attendance:read")
    manage = _bearer(state, make_staff, "recruiter", "attendance:manage")
    answer = client.get(f"/api/v1/employees/{employee}/attendance", headers=read)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["timezone"] == "Europe/Berlin" and body["site"] == "Shanghai HQ"
    assert body["counts"] == {"work_days": 5, "on_time": 3, "late": 2, "early_leave": 0, "absent": 0}
    assert body["flags"] == [{"flag": "late_over_threshold", "count": 2, "threshold": 1}]
    assert body["days"][1] == {"date": "2025-03-04", "status": "late", "late_minutes": 30, "early_minutes": 0}
    assert "Mei" not in str(body) and "09:30" not in str(body)  # no names, no punch times
    assert client.get("/api/v1/employees/987654/attendance", headers=read).status_code == 404
    assert client.put(f"/api/v1/employees/{employee}/probation-rules", json={"grace_minutes": 45},
                      headers=read).status_code == 403

    bad = client.put(f"/api/v1/employees/{employee}/probation-rules", headers=manage, json={
        "work_start": "9am", "work_end": "08:00", "work_days": [1, 1, 8], "grace_minutes": -5,
        "late_threshold_count": True, "colour": "red"})
    assert bad.status_code == 422
    problems = {p["field"]: p["message"] for p in bad.get_json()["problems"]}
    assert set(problems) == {"work_start", "work_days", "grace_minutes", "late_threshold_count", "colour"}
    assert "HH:MM" in problems["work_start"] and "ISO weekdays" in problems["work_days"]
    backwards = client.put(f"/api/v1/employees/{employee}/probation-rules", headers=manage,
                           json={"work_start": "18:00", "work_end": "09:00"})
    assert backwards.status_code == 422 and "end after it starts" in backwards.get_json()["message"]

    changed = client.put(f"/api/v1/employees/{employee}/probation-rules", headers=manage,
                         json={"grace_minutes": 45, "penalties": "A written warning after the flag."})
    assert changed.status_code == 200, changed.get_json()
    rules = changed.get_json()["rules"]
    assert rules["version"] == 2 and rules["grace_minutes"] == 45 and rules["late_threshold_count"] == 1
    again = client.get(f"/api/v1/employees/{employee}/attendance", headers=read).get_json()
    assert again["counts"]["late"] == 0 and again["flags"] == []  # 30 minutes late is within 45 minutes' grace
    assert client.get(f"/api/v1/employees/{employee}/probation-rules", headers=read).get_json()["rules"] == rules
    with state.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ProbationRules)) == 2  # version 1 is kept
        assert {d.rules_id for d in session.scalars(select(AttendanceDay))} == {rules["id"]}


def test_erasure_shreds_the_employee_and_their_check_ins(app, state, scim, make_staff):
    employee = hire(app, start=START)
    consent(state, employee, onboarding=True, attendance=True)
    run_due(app)
    [user] = scim.users()
    _week(state, employee, ZoneInfo("Asia/Shanghai"), late_days=())
    other = hire(app, start=START)
    _week(state, other, ZoneInfo("Asia/Shanghai"), late_days=())
    headers = _bearer(state, make_staff, "recruiter", "dsar:manage")
    answer = app.test_client().post(f"/api/v1/employees/{employee}/erase", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    assert result["check_ins_deleted"] == 10 and result["days_deleted"] == 5 and result["key_destroyed"] is True
    assert "attendance" in result["consents_withdrawn"]
    run_due(app)
    assert scim.user(user["id"])["active"] is False
    with state.db.transaction() as session:
        erased = session.get(Employee, employee)
        assert session.get(DataSubject, erased.subject_id).erased and erased.state == EmployeeState.ENDED
        assert session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.employee_id == employee)) == 0
        assert session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.employee_id == other)) == 10
    assert erase_employee(state, employee)["key_destroyed"] is False  # a second run finds nothing left


def test_check_ins_fall_under_retention(app, state, candor_settings, plugin_settings, tmp_path, face_clock):
    from candor.app import create_app
    from candor.state import get_state

    employee = hire(app, start=START)
    _week(state, employee, ZoneInfo("Asia/Shanghai"), late_days=())
    folder = tmp_path / "packs"
    folder.mkdir()
    (folder / "acme.yaml").write_text("""
pack: acme_attendance
title: ACME attendance records
version: "1"
jurisdictions: [CN]
consent: {basis: "ACME policy 2", required: []}
notice: {version: "1", en: "Check-ins are kept for 30 days.", zh-CN: "打卡记录保存30天。"}
retention:
  attendance: {max_days: 30, basis: "ACME policy 9.1"}
""", encoding="utf-8")
    with_pack = create_app({**candor_settings, "policy_dirs": str(folder), "plugin_settings": plugin_settings},
                           plugins=[face_clock])
    packed = get_state(with_pack)
    with packed.db.transaction() as session:
        early = make_plan(packed, session, now=NOW + timedelta(days=20)).categories["attendance"]
        assert early.due == [] and early.kept == 10
        assert len(make_plan(state, session, now=NOW + timedelta(days=400)).categories["attendance"].due) == 0
    result = run_retention(packed, now=NOW + timedelta(days=40))
    assert result is not None and len(result.purged["attendance"]) == 10
    with packed.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
        assert session.scalar(select(func.count()).select_from(AttendanceDay)) == 5  # statuses stay
    packed.db.dispose()
