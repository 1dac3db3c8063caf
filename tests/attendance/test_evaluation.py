"""Rule evaluation by hand: sites in Asia/Shanghai and Europe/Berlin (with the spring DST change), late and
early leave against grace minutes, absence, and flags beyond the thresholds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from candor.attendance.checkins import store_check_ins
from candor.attendance.evaluation import summarize
from candor.attendance.models import AttendanceDay, CheckIn, DayStatus
from candor.onboarding.models import Employee

from .conftest import make_employee, make_rules

SHANGHAI, BERLIN = ZoneInfo("Asia/Shanghai"), ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)


def punch(ref: str, account: str, kind: str, local: datetime) -> dict:
    return {"external_id": ref, "account_id": account, "check_type": kind, "checked_at": local.isoformat()}


def days_of(state, employee_id):
    with state.db.transaction() as session:
        return {row.local_date: (row.status, row.late_minutes, row.early_minutes) for row in session.scalars(
            select(AttendanceDay).where(AttendanceDay.employee_id == employee_id))}


def test_shanghai_site_late_early_and_on_time(state):
    rules = make_rules(state)
    employee = make_employee(state, rules, "u1", start=date(2025, 3, 3), probation_end=date(2025, 3, 7))
    rows = [
        punch("1", "u1", "on_duty", datetime(2025, 3, 3, 9, 5, tzinfo=SHANGHAI)),  # within grace
        punch("2", "u1", "off_duty", datetime(2025, 3, 3, 18, 0, tzinfo=SHANGHAI)),
        punch("3", "u1", "on_duty", datetime(2025, 3, 4, 9, 6, tzinfo=SHANGHAI)),  # one minute past grace
        punch("4", "u1", "off_duty", datetime(2025, 3, 4, 17, 30, tzinfo=SHANGHAI)),  # early by 30
        # 00:30 UTC on 5 March is 08:30 in Shanghai the same day
        punch("5", "u1", "on_duty", datetime(2025, 3, 5, 0, 30, tzinfo=UTC)),
        punch("6", "u1", "off_duty", datetime(2025, 3, 5, 10, 0, tzinfo=UTC)),
    ]
    with state.db.transaction() as session:
        report = store_check_ins(session, "dingtalk_attendance", rows, now=NOW)
    assert report.stored == 6 and report.duplicates == 0
    with state.db.transaction() as session:
        summarize_now = session.get(Employee, employee)
        from candor.attendance.checkins import evaluate_absences
        evaluate_absences(session, [summarize_now], now=NOW)
    days = days_of(state, employee)
    assert days[date(2025, 3, 3)] == (DayStatus.ON_TIME, 0, 0)
    assert days[date(2025, 3, 4)] == (DayStatus.LATE_AND_EARLY_LEAVE, 6, 30)
    assert days[date(2025, 3, 5)] == (DayStatus.ON_TIME, 0, 0)
    assert days[date(2025, 3, 6)][0] == DayStatus.ABSENT and days[date(2025, 3, 7)][0] == DayStatus.ABSENT
    assert date(2025, 3, 8) not in days  # a Saturday, and after probation


def test_berlin_site_on_the_dst_day(state):
    """30 March 2025: Berlin moves from UTC+1 to UTC+2, so 09:00 local is 07:00 UTC that Monday... the 31st
    is the first work day at +2; the Friday before is at +1."""
    rules = make_rules(state, grace_minutes=0)
    employee = make_employee(state, rules, "b1", timezone="Europe/Berlin", start=date(2025, 3, 28),
                             probation_end=date(2025, 3, 31))
    rows = [
        punch("f-in", "b1", "on_duty", datetime(2025, 3, 28, 8, 0, tzinfo=UTC)),  # 09:00 at +1: on time
        punch("f-out", "b1", "off_duty", datetime(2025, 3, 28, 17, 0, tzinfo=UTC)),  # 18:00
        punch("m-in", "b1", "on_duty", datetime(2025, 3, 31, 8, 0, tzinfo=UTC)),  # 10:00 at +2: 60 late
        punch("m-out", "b1", "off_duty", datetime(2025, 3, 31, 16, 0, tzinfo=UTC)),  # 18:00 at +2
    ]
    with state.db.transaction() as session:
        store_check_ins(session, "dingtalk_attendance", rows, now=NOW)
    days = days_of(state, employee)
    assert days[date(2025, 3, 28)] == (DayStatus.ON_TIME, 0, 0)
    assert days[date(2025, 3, 31)] == (DayStatus.LATE, 60, 0)


def test_flags_beyond_thresholds_and_duplicates_not_double_counted(state):
    rules = make_rules(state, late_threshold_count=3)
    employee = make_employee(state, rules, "u2", start=date(2025, 3, 3), probation_end=date(2025, 3, 9))
    rows = []
    for offset in range(4):  # four late mornings Monday to Thursday
        day = datetime(2025, 3, 3, 9, 30, tzinfo=SHANGHAI) + timedelta(days=offset)
        rows.append(punch(f"in{offset}", "u2", "on_duty", day))
        rows.append(punch(f"out{offset}", "u2", "off_duty", day.replace(hour=18)))
    with state.db.transaction() as session:
        store_check_ins(session, "dingtalk_attendance", rows[:4], now=NOW)
    with state.db.transaction() as session:
        again = store_check_ins(session, "dingtalk_attendance", rows + rows[:2], now=NOW)
    assert again.stored == 4 and again.duplicates == 6
    with state.db.transaction() as session:
        assert session.query(CheckIn).filter_by(employee_id=employee).count() == 8
        summary = summarize(session, session.get(Employee, employee))
    assert summary["counts"]["late"] == 4
    assert summary["flags"] == [{"flag": "late_over_threshold", "count": 4, "threshold": 3}]


def test_late_record_re_evaluates_its_day_and_bad_rows_are_reported(state):
    rules = make_rules(state)
    employee = make_employee(state, rules, "u3", start=date(2025, 3, 3), probation_end=date(2025, 3, 4))
    with state.db.transaction() as session:
        from candor.attendance.checkins import evaluate_absences
        evaluate_absences(session, [session.get(Employee, employee)], now=NOW)
    assert days_of(state, employee)[date(2025, 3, 3)][0] == DayStatus.ABSENT
    rows = [
        punch("late-in", "u3", "on_duty", datetime(2025, 3, 3, 8, 55, tzinfo=SHANGHAI)),
        punch("late-out", "u3", "off_duty", datetime(2025, 3, 3, 18, 5, tzinfo=SHANGHAI)),
        {"external_id": "x1", "account_id": "u3", "check_type": "on_duty", "checked_at": "2025-03-04 09:00"},
        {"external_id": "x2", "account_id": "u3", "check_type": "lunch", "checked_at": 1741050000000},
        {"external_id": "x3", "account_id": "nobody", "check_type": "on_duty", "checked_at": 1741050000000},
    ]
    with state.db.transaction() as session:
        report = store_check_ins(session, "dingtalk_attendance", rows, now=NOW)
    assert report.stored == 2 and report.unknown_accounts == 1
    assert sum(report.rejected.values()) == 2 and all("2025" not in reason for reason in report.rejected)
    days = days_of(state, employee)
    assert days[date(2025, 3, 3)] == (DayStatus.ON_TIME, 0, 0)  # was absent; the late record fixed it
    assert days[date(2025, 3, 4)][0] == DayStatus.ABSENT  # untouched
