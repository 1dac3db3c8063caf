"""An app with the DingTalk adapter pointed at a local DingTalk-style server and the webhook connector at a
receiver (the fake EHR), and employees with accounts in DingTalk built through the real models."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from outbox.helpers import SECRET
from outbox.receiver import Receiver
from support.dingtalk_server import FakeDingTalk

from candor.app import create_app
from candor.attendance.models import ProbationRules
from candor.interviews.models import Candidate
from candor.onboarding.models import AccountState, AttendanceAccount, Employee, EmployeeState
from candor.orgs.models import Organization
from candor.state import get_state


@pytest.fixture
def dingtalk() -> Iterator[FakeDingTalk]:
    server = FakeDingTalk().start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def app(candor_settings, dingtalk, receiver):
    application = create_app({
        **candor_settings, "outbox_backoff_base_seconds": 0.05, "outbox_backoff_cap_seconds": 0.5,
        "plugin_settings": {
            "webhooks": {"url": receiver.url, "secrets": SECRET, "timeout": 1.0, "region": "CN"},
            "dingtalk_attendance": {"base_url": dingtalk.base_url, "app_key": dingtalk.app_key,
                                    "app_secret": dingtalk.app_secret, "rate_limit_wait_seconds": 0.01},
        }})
    yield application
    get_state(application).db.dispose()


@pytest.fixture
def state(app):
    return get_state(app)


def make_rules(state: Any, **overrides: Any) -> int:
    with state.db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{random.randrange(10**9)}", jurisdictions=["CN"])
        session.add(org)
        session.flush()
        rules = ProbationRules(organization_id=org.id, name="standard", **{
            "work_start": "09:00", "work_end": "18:00", "grace_minutes": 5, "late_threshold_count": 3,
            "absent_threshold_count": 0, "early_leave_threshold_count": 3, **overrides})
        session.add(rules)
        session.flush()
        return rules.id


def make_employee(state: Any, rules_id: int, account_id: str, *, timezone: str = "Asia/Shanghai",
                  start: date = date(2025, 3, 3), probation_end: date = date(2025, 6, 3)) -> int:
    with state.db.transaction() as session:
        rules = session.get(ProbationRules, rules_id)
        candidate = Candidate(organization_id=rules.organization_id, full_name="Li Wei",
                              email=f"li.wei{random.randrange(10**9)}@example.org")
        session.add(candidate)
        session.flush()
        employee = Employee(candidate_id=candidate.id, organization_id=rules.organization_id,
                            position="Analyst", site="Hangzhou", timezone=timezone, start_date=start,
                            probation_end=probation_end, rules_id=rules_id, state=EmployeeState.ACTIVE,
                            uid=f"e{random.randrange(10**12)}")
        employee.full_name = "Li Wei"
        session.add(employee)
        session.flush()
        session.add(AttendanceAccount(employee_id=employee.id, adapter="dingtalk_attendance",
                                      account_id=account_id, state=AccountState.ACTIVE))
        return employee.id
