"""An app with both attendance adapters pointed at real local servers: SCIM provisioning at scim2-server
behind a faulty proxy, DingTalk at the local DingTalk-style server; the webhook connector at a receiver (the
fake EHR) and e-mail at a local SMTP server. A hire is made through the real onboarding service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import pytest
from onboarding.helpers import advanced_decision
from outbox.helpers import SECRET
from outbox.receiver import Receiver
from support.dingtalk_server import FakeDingTalk
from support.mailbox import Mailbox
from support.scim_server import FaultyProxy, ScimServer

from candor import DataCategory, PluginDeclaration, Purpose, hookimpl
from candor.app import create_app
from candor.attendance.models import ProbationRules
from candor.onboarding import start_onboarding
from candor.onboarding.links import employee_token
from candor.onboarding.models import Employee
from candor.state import get_state


class FaceClock:
    """A throwaway attendance plugin whose terminals enrol faces: it keeps what it is handed."""

    name = "face_clock"
    takes_rules = True
    reads_check_ins = False

    def __init__(self) -> None:
        self.provisioned: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, Mapping[str, Any]] = {}
        self.deactivated: list[str] = []

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(name="face_clock", title="Face clock terminals",
                                 description="Clock-in terminals that can recognise faces.",
                                 capabilities=frozenset({"attendance_sync", "biometric_clock_in"}),
                                 data_categories=frozenset({DataCategory.EMPLOYMENT, DataCategory.BIOMETRIC}),
                                 purposes=frozenset({Purpose.ATTENDANCE}))

    @hookimpl
    def candor_register_attendance_adapters(self, settings: Mapping[str, Any]) -> list[Any]:
        return [self]

    def provision(self, employee: Mapping[str, Any], rules: Mapping[str, Any]) -> str:
        account = f"fc-{employee['employee_number']}"
        self.provisioned[account] = dict(employee)
        self.rules[account] = rules
        return account

    def update(self, account_id: str, employee: Mapping[str, Any]) -> None:
        self.provisioned[account_id] = dict(employee)

    def deactivate(self, account_id: str) -> None:
        self.deactivated.append(account_id)

    def pull_check_ins(self, since: Any, until: Any, account_ids: Any) -> Iterator[Mapping[str, Any]]:
        return iter(())


@pytest.fixture
def scim() -> Iterator[ScimServer]:
    server = ScimServer().start()
    yield server
    server.stop()


@pytest.fixture
def proxy(scim) -> Iterator[FaultyProxy]:
    faulty = FaultyProxy(scim.base_url)
    yield faulty
    faulty.stop()


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
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def face_clock() -> FaceClock:
    return FaceClock()


@pytest.fixture
def plugin_settings(proxy, scim, dingtalk, receiver, mailbox) -> dict[str, Any]:
    return {
        "scim_provisioning": {"base_url": proxy.base_url, "token": scim.token, "retries": 1,
                              "backoff_seconds": 0.01, "timeout_seconds": 2.0},
        "dingtalk_attendance": {"base_url": dingtalk.base_url, "app_key": dingtalk.app_key,
                                "app_secret": dingtalk.app_secret, "rate_limit_wait_seconds": 0.01},
        "webhooks": {"url": receiver.url, "secrets": SECRET, "timeout": 1.0, "region": "CN"},
        "smtp_mail": mailbox.settings(),
    }


@pytest.fixture
def candor_app(candor_settings, plugin_settings, face_clock):
    """Overrides the plugin's app, so ``candor_client``, ``make_staff`` and ``sign_in`` use this one."""
    app = create_app({**candor_settings, "public_url": "https://candor.acme.example",
                      "outbox_backoff_base_seconds": 0.05, "outbox_backoff_cap_seconds": 0.5,
                      "plugin_settings": plugin_settings}, plugins=[face_clock])
    yield app
    get_state(app).db.dispose()


@pytest.fixture
def app(candor_app):
    return candor_app


@pytest.fixture
def state(app):
    return get_state(app)


def hire(app: Any, *, start: date | None = None, organization: str | None = None, **rules: Any) -> int:
    """An advanced candidate hired through ``start_onboarding`` with probation rules of their organisation."""
    decision_id, _ = advanced_decision(app, language="zh-CN")
    state = get_state(app)
    with state.db.transaction() as session:
        from candor.interviews.models import Interview
        from candor.jobs.models import Job
        from candor.review.models import ReviewDecision

        interview = session.get(Interview, session.get(ReviewDecision, decision_id).interview_id)
        job = session.get(Job, interview.job_id)
        if organization is not None:
            from candor.orgs.models import Organization

            session.get(Organization, job.organization_id).name = organization
        probation = ProbationRules(organization_id=job.organization_id, name="standard", **{
            "work_start": "09:00", "work_end": "18:00", "grace_minutes": 5, "late_threshold_count": 3,
            "absent_threshold_count": 0, "early_leave_threshold_count": 3, **rules})
        session.add(probation)
        session.flush()
        employee = start_onboarding(state, session, decision_id, start_date=start or date.today() + timedelta(days=7),
                                    site="Shanghai HQ", timezone="Asia/Shanghai", position="Backend Engineer",
                                    rules_id=probation.id, documents=["Resident identity card"],
                                    base_pay="12000")
        return employee.id


def link(app: Any, employee_id: int) -> str:
    state = get_state(app)
    with state.db.transaction() as session:
        return employee_token(state.app_secret, session.get(Employee, employee_id))


def run_due(app: Any, *, horizon: float = 10.0, timeout: float = 60.0) -> dict[str, int]:
    """Run queued units through the real work runner until none is due within ``horizon`` seconds (so retries
    after a short backoff run, and reminders days ahead stay queued); returns outcomes counted."""
    import time

    from sqlalchemy import select

    from candor.db import utcnow
    from candor.tasks import WorkState
    from candor.tasks import work as work_module
    from candor.tasks.models import WorkItem

    state = get_state(app)
    outcomes: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = utcnow()
        with state.db.transaction() as session:
            rows = session.execute(select(WorkItem.id, WorkItem.not_before)
                                   .where(WorkItem.state == WorkState.QUEUED).order_by(WorkItem.id)).all()
        soon = [(i, nb) for i, nb in rows if nb is None or (nb - now).total_seconds() <= horizon]
        if not soon:
            return outcomes
        due = [i for i, nb in soon if nb is None or nb <= now]
        if not due:
            time.sleep(0.05)
            continue
        for item_id in due:
            with app.app_context():
                outcome = work_module.run(state, item_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    raise AssertionError("queued work did not finish in time")
