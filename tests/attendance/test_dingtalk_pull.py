"""Check-ins pulled from the local DingTalk-style server through the real adapter: token caching and
refresh, errcode retries, the adapter down and recovering with nothing lost, duplicates and late records,
unknown users, and the report reaching the fake EHR through the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from outbox.helpers import run_queued
from sqlalchemy import select

from candor.attendance.evaluation import summarize
from candor.attendance.models import CheckIn
from candor.attendance.pull import attendance_adapters, pull_all
from candor.onboarding.models import Employee
from candor.recruiting.models import SyncCursor

from .conftest import make_employee, make_rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 3, 21, 12, 0, tzinfo=UTC)  # a Friday, three weeks after the start


def _client(state):
    [(_, adapter)] = attendance_adapters(state)
    return adapter.client


def test_pull_through_faults_counts_each_punch_once_and_reports_to_hr(app, state, dingtalk, receiver):
    rules = make_rules(state, late_threshold_count=3)
    dingtalk.add_user("d1")
    employee = make_employee(state, rules, "d1", start=date(2025, 3, 3), probation_end=date(2025, 6, 3))
    # 15 work days; late on five of them (two more records than a 7-day window and a 50-row page hold)
    for offset in range(19):
        day = datetime(2025, 3, 3, tzinfo=SHANGHAI) + timedelta(days=offset)
        if day.isoweekday() > 5:
            continue
        late = offset in (0, 2, 4, 8, 10)
        dingtalk.punch("d1", "OnDuty", day.replace(hour=9, minute=40 if late else 0),
                       time_result="Late" if late else "Normal")
        dingtalk.punch("d1", "OffDuty", day.replace(hour=18, minute=2))
    # a NotSigned shift carries no punch (skipped); a record DingTalk answers twice is stored once
    dingtalk.punch("d1", "OnDuty", datetime(2025, 3, 12, 9, 0, tzinfo=SHANGHAI), time_result="NotSigned")
    dingtalk.records.append({**dingtalk.records[0]})
    dingtalk.busy = 2  # errcode -1 twice: retried
    dingtalk.down = True
    assert pull_all(state, now=NOW)["dingtalk_attendance"]["error"].startswith("HTTPStatusError")
    with state.db.transaction() as session:
        assert session.scalar(select(CheckIn.id)) is None  # nothing half-stored
        cursor = session.scalar(select(SyncCursor).where(SyncCursor.kind == "check_ins"))
        assert cursor.since is None and "HTTPStatusError" in cursor.last_error
    dingtalk.down = False
    _client(state).token()  # cached from here on
    dingtalk.expire_token()  # the cached token now answers 42001: fetched again once
    result = pull_all(state, now=NOW)["dingtalk_attendance"]
    assert result["stored"] == 30 and result["duplicates"] == 1, result
    assert dingtalk.token_requests == 2  # once, then once more after 42001
    assert _client(state).token_fetches == 2
    with state.db.transaction() as session:
        summary = summarize(session, session.get(Employee, employee))
    assert summary["counts"] == {"work_days": 15, "on_time": 10, "late": 5, "early_leave": 0, "absent": 0}
    assert summary["flags"] == [{"flag": "late_over_threshold", "count": 5, "threshold": 3}]

    # a record reaching DingTalk late (inside the late window), pulled with everything already stored
    dingtalk.punch("d1", "OnDuty", datetime(2025, 3, 21, 8, 50, tzinfo=SHANGHAI))
    again = pull_all(state, now=NOW + timedelta(hours=1))["dingtalk_attendance"]
    assert again["stored"] == 1 and again["duplicates"] >= 1

    run_queued(app, until=lambda: len(receiver.accepted) >= 2)
    reports = [p for p in receiver.accepted.values() if p.get("type") == "attendance.report"
               or p.get("event_type") == "attendance.report"]
    assert reports, list(receiver.accepted.values())[:1]
    latest = reports[-1]
    body = str(latest)
    assert "late_over_threshold" in body and "Li Wei" not in body and "09:40" not in body


def test_unknown_user_is_reported_and_the_others_still_come(app, state, dingtalk):
    rules = make_rules(state)
    dingtalk.add_user("k1")
    known = make_employee(state, rules, "k1", start=date(2025, 3, 17), probation_end=date(2025, 6, 17))
    make_employee(state, rules, "gone", start=date(2025, 3, 17), probation_end=date(2025, 6, 17))
    dingtalk.punch("k1", "OnDuty", datetime(2025, 3, 17, 9, 0, tzinfo=SHANGHAI))
    dingtalk.rate_limited = 1  # 90002 once: backed off and retried
    result = pull_all(state, now=NOW)["dingtalk_attendance"]
    assert result["stored"] == 1 and result["unknown_accounts"] == 1, result
    with state.db.transaction() as session:
        assert session.scalar(select(CheckIn.employee_id)) == known


def test_the_sweep_queues_one_pull_per_interval_and_the_unit_pulls(app, state, dingtalk):
    from candor.attendance.pull import PULL_KIND, pull_if_due
    from candor.tasks.models import WorkItem

    rules = make_rules(state)
    dingtalk.add_user("s1")
    make_employee(state, rules, "s1", start=date(2025, 3, 17), probation_end=date(2025, 6, 17))
    dingtalk.punch("s1", "OnDuty", datetime(2025, 3, 17, 9, 0, tzinfo=SHANGHAI))
    assert pull_if_due(state) is True
    assert pull_if_due(state) is False  # within attendance_pull_minutes
    with state.db.transaction() as session:
        assert len(session.scalars(select(WorkItem).where(WorkItem.kind == PULL_KIND)).all()) == 1
    run_queued(app)
    with state.db.transaction() as session:
        assert session.scalar(select(CheckIn.external_id)) is not None
