"""A hire decision becomes an employee with an onboarding e-mail, reminders and probation pay sent to HR."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from support.mailbox import Mailbox

from candor.app import create_app
from candor.db import utcnow
from candor.interviews.models import Candidate
from candor.onboarding import Employee, OnboardingError, start_onboarding
from candor.onboarding.messages import SEND_KIND
from candor.onboarding.service import add_months
from candor.outbox.models import OutboxEvent
from candor.review.models import Outcome
from candor.state import get_state
from candor.tasks import work
from candor.tasks.models import WorkItem
from candor.vault.models import DataSubject

from .helpers import RecordingHr, advanced_decision

PUBLIC = "https://candor.acme.example"


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def hr():
    return RecordingHr()


@pytest.fixture
def app(candor_settings, mailbox, hr):
    app = create_app({**candor_settings, "public_url": PUBLIC,
                      "plugin_settings": {"smtp_mail": mailbox.settings(), "probation_pay": {"percent": 80}}},
                     plugins=[hr])
    yield app
    get_state(app).db.dispose()


def _hire(app, decision_id, **overrides):
    state = get_state(app)
    values = {"start_date": date.today() + timedelta(days=10), "site": "Shanghai HQ",
              "timezone": "Asia/Shanghai", "position": "Backend Engineer", "rules_id": None,
              "documents": ["Resident identity card", "Degree certificate"], "base_pay": "12345.67",
              **overrides}
    with state.db.transaction() as session:
        return start_onboarding(state, session, decision_id, **values).id


def _run_queued(app, kind):
    state = get_state(app)
    with state.db.transaction() as session:
        ids = session.scalars(select(WorkItem.id).where(WorkItem.kind == kind, WorkItem.state == "queued")
                              .order_by(WorkItem.id)).all()
    return [work.run(state, item_id) for item_id in ids]


def test_hire_creates_employee_as_own_subject_and_sends_onboarding(app, mailbox, hr):
    decision_id, candidate_id = advanced_decision(app, language="zh-CN")
    employee_id = _hire(app, decision_id)
    state = get_state(app)
    with state.db.transaction() as session:
        employee = session.get(Employee, employee_id)
        candidate = session.get(Candidate, candidate_id)
        assert employee.subject_id != candidate.subject_id
        assert session.get(DataSubject, employee.subject_id).kind == "employee"
        assert (employee.full_name, employee.email, employee.base_pay) == ("Mei Lin", "mei@example.com",
                                                                           "12345.67")
        assert employee.probation_end == add_months(employee.start_date, 3)
        assert b"mei@example.com" not in employee.email_sealed and b"12345" not in employee.base_pay_sealed
        items = session.scalars(select(WorkItem).where(WorkItem.kind == SEND_KIND)).all()
        reminders = [item for item in items if item.payload["kind"] == "reminder"]
        assert len(reminders) == 2 and all(item.not_before > utcnow() for item in reminders)
        # Reminders are due at 09:00 Shanghai time, which is 01:00 UTC.
        assert {item.not_before.hour for item in reminders} == {1}
    # Only the welcome message is due now; reminders wait for their time.
    assert _run_queued(app, SEND_KIND) == ["done", "skipped", "skipped"]
    [message] = mailbox.messages
    body = message.get_content()
    assert message["To"] == "mei@example.com" and "欢迎" in message["Subject"]
    start = date.today() + timedelta(days=10)
    assert f"{start.isoformat()} 09:00 (Asia/Shanghai)" in body
    assert "Resident identity card" in body and "Degree certificate" in body
    assert f"{PUBLIC}/employee/onboarding?t=" in body
    # Probation pay, 80 % of base pay rounded half-up, went to the HR system with the hire.
    assert set(_run_queued(app, "core.deliver_outbox")) == {"done"}
    with state.db.transaction() as session:
        stored = session.scalar(select(OutboxEvent).where(OutboxEvent.event_type == "onboarding.started",
                                                          OutboxEvent.connector == "hr"))
        assert stored.state == "delivered" and stored.idempotency_key in hr.received
        assert stored.data["probation_pay"] == {"monthly": "9876.54", "currency": "CNY",
                                                "basis": "80% of base pay", "months": "3",
                                                "calculator": "probation_pay"}
        assert "Mei" not in str(stored.data) and "mei@" not in str(stored.data)


def test_hire_refused_for_bad_input_and_not_advanced(app):
    decision_id, _ = advanced_decision(app)
    with pytest.raises(OnboardingError, match="IANA"):
        _hire(app, decision_id, timezone="Mars/Olympus")
    with pytest.raises(OnboardingError, match="base_pay must be a number"):
        _hire(app, decision_id, base_pay="lots")
    rejected_id, _ = advanced_decision(app, outcome=Outcome.REJECT)
    with pytest.raises(OnboardingError, match="not advance") as refused:
        _hire(app, rejected_id)
    assert refused.value.status == 409
    _hire(app, decision_id)
    with pytest.raises(OnboardingError, match="already started"):
        _hire(app, decision_id)
    with get_state(app).db.transaction() as session:
        assert len(session.scalars(select(Employee)).all()) == 1


def test_add_months_keeps_to_month_ends():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 12, 15), 6) == date(2025, 6, 15)
