"""The new hire's onboarding page over HTTP: a new notice in English and Chinese with escaped output, one
explicit decision per purpose through a CSRF-protected form, face or fingerprint clock-in asked separately
with the PIN-or-card alternative, and the decisions reaching the attendance systems through the gate."""

from __future__ import annotations

from sqlalchemy import select

from candor.consent.models import ConsentRecord
from candor.consent.service import granted_purposes
from candor.onboarding.models import AccountState, AttendanceAccount
from candor.onboarding.provisioning import PROVISION_KIND
from candor.tasks.models import WorkItem
from candor.testing import csrf_token_from

from .conftest import hire, link, run_due

ALL_YES = {"decision.onboarding": "yes", "decision.attendance": "yes", "decision.attendance_biometrics": "no"}


def _form(page: str, **decisions: str) -> dict[str, str]:
    notice_hash = page.split('name="notice_hash" value="')[1].split('"')[0]
    language = page.split('name="language" value="')[1].split('"')[0]
    return {"csrf_token": csrf_token_from(page), "notice_hash": notice_hash, "language": language, **decisions}


def test_new_notice_in_both_languages_with_escaped_output(app, candor_client):
    employee = hire(app, organization='Acme <script>alert("x")</script>')
    token = link(app, employee)
    english = candor_client.get(f"/employee/onboarding?t={token}&lang=en")
    assert english.status_code == 200 and english.headers["Cache-Control"] == "no-store"
    page = english.get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "does not carry over" in page
    assert "PIN or your employee card" in page  # the non-biometric alternative, visible
    assert "SCIM 2.0 provisioning receives" in page and "DingTalk attendance receives" in page
    assert "Face clock terminals receives" in page
    # nothing pre-selected: no radio checked before any decision
    assert " checked" not in page
    chinese = candor_client.get(f"/employee/onboarding?t={token}&lang=zh-CN").get_data(as_text=True)
    assert "候选人时的同意不适用" in chinese and "工卡打卡" in chinese and 'lang="zh-CN"' in chinese
    assert "Mei" not in page and "mei@example.com" not in page  # the page shows no personal data


def test_decisions_need_csrf_every_answer_and_the_current_notice(app, candor_client, state):
    employee = hire(app)
    token = link(app, employee)
    page = candor_client.get(f"/employee/onboarding?t={token}&lang=en").get_data(as_text=True)
    without_csrf = {k: v for k, v in _form(page, **ALL_YES).items() if k != "csrf_token"}
    assert candor_client.post(f"/employee/onboarding?t={token}", data=without_csrf).status_code == 400
    missing = candor_client.post(f"/employee/onboarding?t={token}",
                                 data=_form(page, **{"decision.onboarding": "yes"}))
    assert missing.status_code == 422
    assert "choose whether you agree" in missing.get_data(as_text=True)
    stale = candor_client.post(f"/employee/onboarding?t={token}",
                               data={**_form(page, **ALL_YES), "notice_hash": "0" * 64})
    assert stale.status_code == 409 and "notice changed" in stale.get_data(as_text=True)
    assert candor_client.get("/employee/onboarding?t=forged.token").status_code == 403
    assert candor_client.get("/employee/onboarding").status_code == 401
    with state.db.transaction() as session:
        assert session.scalar(select(ConsentRecord.id).where(ConsentRecord.employee_id == employee)) is None
        assert session.scalar(select(WorkItem.id).where(WorkItem.kind == PROVISION_KIND)) is None


def test_consent_provisions_and_biometrics_need_their_own_consent(app, candor_client, state, scim, face_clock):
    employee = hire(app)
    token = link(app, employee)
    page = candor_client.get(f"/employee/onboarding?t={token}&lang=en").get_data(as_text=True)
    saved = candor_client.post(f"/employee/onboarding?t={token}", data=_form(page, **ALL_YES))
    assert saved.status_code == 200 and "Your decisions are saved" in saved.get_data(as_text=True)
    with state.db.transaction() as session:
        records = session.scalars(select(ConsentRecord).where(ConsentRecord.employee_id == employee)).all()
        assert {(r.purpose, r.granted) for r in records} == {
            ("onboarding", True), ("attendance", True), ("attendance_biometrics", False)}
        assert all(r.candidate_id is None and r.notice_version.startswith("onboarding-") for r in records)
        assert {p.value for p in granted_purposes(session, employee_id=employee)} == {"onboarding", "attendance"}
    # a second submission of the same form queues nothing twice
    again = candor_client.get(f"/employee/onboarding?t={token}&lang=en").get_data(as_text=True)
    candor_client.post(f"/employee/onboarding?t={token}", data=_form(again, **ALL_YES))
    run_due(app)
    [user] = scim.users()
    assert user["active"] is True and user["name"]["formatted"] == "Mei Lin"
    with state.db.transaction() as session:
        accounts = {a.adapter: a for a in session.scalars(select(AttendanceAccount)
                                                           .where(AttendanceAccount.employee_id == employee))}
        assert {name: str(a.state) for name, a in accounts.items()} == {
            "scim_provisioning": "active", "dingtalk_attendance": "active", "face_clock": "active"}
        assert accounts["scim_provisioning"].account_id == user["id"]
        assert not any(a.biometric_clock_in for a in accounts.values())
    [(face_account, handed)] = face_clock.provisioned.items()
    # the face clock declares employment and biometric data only: no name, e-mail or phone; no enrolment
    assert "full_name" not in handed and "email" not in handed and "biometric_clock_in" not in handed
    assert handed["site"] == "Shanghai HQ" and face_clock.rules[face_account]["work_start"] == "09:00"
    listed = candor_client.get(f"/employee/onboarding?t={token}&lang=en").get_data(as_text=True)
    assert "PIN or card clock-in" in listed and 'value="no" checked' in listed

    # the separate biometric consent, given later, enrols the face at the one system that takes it
    page = candor_client.get(f"/employee/onboarding?t={token}&lang=en").get_data(as_text=True)
    candor_client.post(f"/employee/onboarding?t={token}",
                       data=_form(page, **{**ALL_YES, "decision.attendance_biometrics": "yes"}))
    run_due(app)
    assert face_clock.provisioned[face_account]["biometric_clock_in"] is True
    assert "biometric_clock_in" not in str(scim.users())
    with state.db.transaction() as session:
        face = session.scalar(select(AttendanceAccount).where(AttendanceAccount.adapter == "face_clock"))
        assert face.biometric_clock_in is True

    # withdrawing attendance on the same page switches every account off
    page = candor_client.get(f"/employee/onboarding?t={token}&lang=en").get_data(as_text=True)
    candor_client.post(f"/employee/onboarding?t={token}",
                       data=_form(page, **{"decision.onboarding": "yes", "decision.attendance": "no",
                                           "decision.attendance_biometrics": "no"}))
    run_due(app)
    assert scim.user(user["id"])["active"] is False and face_clock.deactivated == [face_account]
    with state.db.transaction() as session:
        states = {str(a.state) for a in session.scalars(select(AttendanceAccount))}
        assert states == {AccountState.DEACTIVATED.value}
        withdrawn = session.scalars(select(ConsentRecord).where(
            ConsentRecord.employee_id == employee, ConsentRecord.withdrawn_at.is_not(None))).all()
        assert {r.purpose for r in withdrawn} >= {"attendance", "attendance_biometrics"}
