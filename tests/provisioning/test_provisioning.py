"""Provisioning as durable work: the SCIM server down then up (nothing lost), a refusal kept on the account,
the gate refusing without consent or for a system abroad, and the end of employment deactivating accounts."""

from __future__ import annotations

from sqlalchemy import select

from candor.consent.models import ConsentChannel
from candor.consent.service import Evidence, record_decisions
from candor.onboarding.models import AttendanceAccount, Employee
from candor.onboarding.provisioning import PROVISION_KIND, sync_accounts
from candor.tasks.models import WorkItem

from .conftest import hire, run_due

EVIDENCE = Evidence(language="en", channel=ConsentChannel.WEB)


def consent(state, employee_id: int, **decisions: bool) -> dict[str, str]:
    """Decisions as the page records them, then the accounts synchronised, in one transaction."""
    with state.db.transaction() as session:
        record_decisions(session, employee_id=employee_id, interview_id=None, decisions=decisions,
                         notice_version="onboarding-test", notice_hash="0" * 64, offered=list(decisions),
                         evidence=EVIDENCE, ip_key=b"k" * 32)
        return sync_accounts(state, session, session.get(Employee, employee_id))


def accounts(state, employee_id: int) -> dict[str, AttendanceAccount]:
    with state.db.transaction() as session:
        rows = session.scalars(select(AttendanceAccount).where(AttendanceAccount.employee_id == employee_id))
        found = {row.adapter: row for row in rows}
        session.expunge_all()
        return found


def test_scim_down_then_up_loses_nothing(app, state, scim, proxy):
    employee = hire(app)
    proxy.go_down()
    assert consent(state, employee, onboarding=True, attendance=True)["scim_provisioning"] == "provision"
    outcomes = run_due(app, horizon=0)
    assert outcomes.get("retry") == 1 and scim.users() == []
    scim_account = accounts(state, employee)["scim_provisioning"]
    assert str(scim_account.state) == "pending" and "ScimUnavailable" in scim_account.last_error
    assert "mei" not in scim_account.last_error.lower()
    proxy.come_up()
    with state.db.transaction() as session:  # the backoff has passed
        for item in session.scalars(select(WorkItem).where(WorkItem.kind == PROVISION_KIND,
                                                           WorkItem.state == "queued")):
            item.not_before = None
    run_due(app)
    [user] = scim.users()
    scim_account = accounts(state, employee)["scim_provisioning"]
    assert (str(scim_account.state), scim_account.account_id, scim_account.last_error) == (
        "active", user["id"], None)


def test_refusal_is_kept_on_the_account_and_not_retried(app, state, scim, candor_settings, plugin_settings,
                                                        face_clock):
    from candor.app import create_app
    from candor.state import get_state

    employee = hire(app)
    # the same installation after the SCIM server revoked its token
    revoked = {**plugin_settings, "scim_provisioning": {**plugin_settings["scim_provisioning"], "token": "revoked"}}
    app = create_app({**candor_settings, "plugin_settings": revoked}, plugins=[face_clock])
    consent(state, employee, onboarding=True, attendance=True)
    outcomes = run_due(app)
    assert outcomes.get("retry") is None
    refused = accounts(state, employee)["scim_provisioning"]
    assert str(refused.state) == "failed" and "401" in refused.last_error and "token setting" in refused.last_error
    assert str(accounts(state, employee)["dingtalk_attendance"].state) == "active"  # the others go on
    get_state(app).db.dispose()


def test_gate_needs_attendance_consent_and_cross_border_for_a_system_abroad(
        app, state, scim, face_clock, candor_settings, plugin_settings):
    from candor.app import create_app
    from candor.state import get_state

    employee = hire(app)
    assert consent(state, employee, onboarding=True, attendance=False) == {}
    with state.db.transaction() as session:
        assert session.scalar(select(WorkItem.id).where(WorkItem.kind == PROVISION_KIND)) is None
    # the same installation with a SCIM server that keeps the accounts abroad
    abroad = {**plugin_settings, "scim_provisioning": {**plugin_settings["scim_provisioning"], "region": "US"}}
    app = create_app({**candor_settings, "plugin_settings": abroad}, plugins=[face_clock])
    state = get_state(app)
    consent(state, employee, attendance=True)
    run_due(app)
    refused = accounts(state, employee)["scim_provisioning"]
    assert str(refused.state) == "pending"
    assert "no separate consent for cross_border_transfer" in refused.last_error
    assert scim.users() == [] and face_clock.provisioned  # only the system abroad waits
    consent(state, employee, cross_border_transfer=True)
    run_due(app)
    assert len(scim.users()) == 1 and str(accounts(state, employee)["scim_provisioning"].state) == "active"
    state.db.dispose()


def test_end_of_employment_deactivates_every_account(app, state, scim, face_clock, make_staff):
    employee = hire(app)
    consent(state, employee, onboarding=True, attendance=True)
    run_due(app)
    [user] = scim.users()
    hr_user = make_staff("recruiter")
    reviewer = make_staff("reviewer")
    from candor.auth.tokens import TokenError, create_token

    with state.db.transaction() as session:
        secret, _ = create_token(session, session.merge(hr_user), "hr", ["attendance:manage"])
        try:
            create_token(session, session.merge(reviewer), "r", ["attendance:manage"])
            raise AssertionError("a reviewer may not end employments")
        except TokenError:
            pass
    answer = app.test_client().post(f"/api/v1/employees/{employee}/end",
                                    headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["queued"] == {"dingtalk_attendance": "deactivate", "face_clock": "deactivate",
                                           "scim_provisioning": "deactivate"}
    run_due(app)
    assert scim.user(user["id"])["active"] is False and len(face_clock.deactivated) == 1
    assert {str(a.state) for a in accounts(state, employee).values()} == {"deactivated"}
    assert app.test_client().post("/api/v1/employees/999999/end",
                                  headers={"Authorization": f"Bearer {secret}"}).status_code == 404
