"""Invitations over SMTP to a real local server: language, links, the notice lead time and reminders."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from support.mailbox import Mailbox

from candor.app import create_app
from candor.db import utcnow
from candor.interviews.models import Interview
from candor.recruiting import intake_applicant
from candor.recruiting.invitations import add_business_days
from candor.recruiting.models import Invitation, InvitationStatus
from candor.state import get_state
from candor.tasks import work
from candor.tasks.models import WorkItem

from .helpers import make_job, make_organization

PUBLIC = "https://candor.acme.example"


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def app(candor_settings, mailbox):
    app = create_app(
        {**candor_settings, "public_url": PUBLIC, "plugin_settings": {"smtp_mail": mailbox.settings()}}
    )
    yield app
    get_state(app).db.dispose()


def _invite(app, location: str, language: str = "en") -> tuple[int, int]:
    org = make_organization(app)
    job = make_job(app, org, location=location)
    state = get_state(app)
    with state.db.transaction() as session:
        interview = intake_applicant(
            state,
            session,
            job_id=job,
            external_ref="C-1",
            full_name="Mei Lin",
            email="mei@example.com",
            phone="+12125550101",
            language=language,
            source="manual",
        )
        invitation = session.scalar(select(Invitation).where(Invitation.interview_id == interview.id))
        return interview.id, invitation.id


def _run_all(app, kind: str) -> list[str]:
    state = get_state(app)
    with state.db.transaction() as session:
        ids = session.scalars(
            select(WorkItem.id).where(WorkItem.kind == kind, WorkItem.state == "queued")
        ).all()
    return [work.run(state, item_id) for item_id in ids]


def _token(text: str, path: str) -> str:
    match = re.search(re.escape(f"{PUBLIC}{path}?t=") + r"([A-Za-z0-9_.\-]+)", text)
    assert match, f"no {path} link in the message"
    return match.group(1)


@pytest.mark.parametrize(("sent", "opens"), [
    ("2026-12-07T07:37", "2026-12-21T07:37"),  # Monday: ten weekdays later, same time
    ("2026-12-04T23:00", "2026-12-18T23:00"),  # Friday night: its last hour counts as a business day's part
    ("2026-12-09T10:00", "2026-12-23T10:00"),  # Wednesday
    ("2026-12-05T07:37", "2026-12-21T00:00"),  # Saturday: the period starts on Monday at 00:00
    ("2026-12-06T23:59", "2026-12-21T00:00"),  # Sunday
])
def test_ten_business_days_whatever_the_day_of_the_notice(sent, opens):
    start = datetime.fromisoformat(sent).replace(tzinfo=UTC)
    assert add_business_days(start, 10) == datetime.fromisoformat(opens).replace(tzinfo=UTC)
    assert add_business_days(start, 0) == start


def test_nyc_invitation_waits_ten_business_days_and_reminds(app, mailbox):
    interview_id, invitation_id = _invite(app, "US-NYC")
    before = utcnow()
    assert _run_all(app, "core.send_invitation") == ["done"]
    [message] = mailbox.messages
    body = message.get_content()
    assert message["To"] == "mei@example.com" and message["Subject"].startswith("Your interview for Backend")
    assert body.startswith("Dear Mei Lin,") and "10 business days" in body
    assert "mei@example.com" not in body and "2125550101" not in body  # nothing personal but the greeting
    link, withdraw = _token(body, "/interview"), _token(body, "/candidate/withdraw")
    assert link == withdraw or link.split(".")[0] == withdraw.split(".")[0]
    state = get_state(app)
    with state.db.transaction() as session:
        invitation = session.get(Invitation, invitation_id)
        interview = session.get(Interview, interview_id)
        assert invitation.status == InvitationStatus.SENT and interview.state == "invited"
        assert invitation.opens_at == add_business_days(invitation.sent_at, 10)
        assert invitation.opens_at - before >= timedelta(days=14)  # ten weekdays span two weekends
        assert invitation.opens_at.strftime("%Y-%m-%d") in body
        reminder = session.scalar(select(WorkItem).where(WorkItem.kind == "core.send_reminder"))
        assert reminder.not_before == invitation.opens_at

    client = app.test_client()
    early = client.get("/api/v1/candidate/notice", headers={"Authorization": f"Candidate {link}"})
    assert early.status_code == 403 and "opens on" in early.get_json()["message"]
    assert client.get(f"/candidate/withdraw?t={withdraw}").status_code == 200  # withdrawal never waits

    assert _run_all(app, "core.send_reminder") == ["skipped"]  # not due: nothing sent
    assert len(mailbox.messages) == 1
    with state.db.transaction() as session:  # time passes: the link opens
        session.execute(update(Invitation).values(opens_at=utcnow() - timedelta(minutes=1)))
        session.execute(
            update(WorkItem)
            .where(WorkItem.kind == "core.send_reminder")
            .values(not_before=utcnow() - timedelta(seconds=1))
        )
    assert _run_all(app, "core.send_reminder") == ["done"]
    reminder_body = mailbox.messages[1].get_content()
    assert mailbox.messages[1]["Subject"].startswith("Reminder:") and "is open" in reminder_body
    opened = client.get("/api/v1/candidate/notice", headers={"Authorization": f"Candidate {link}"})
    assert opened.status_code == 200  # the first message's link still works after the reminder
    assert (
        client.get(
            "/api/v1/candidate/notice",
            headers={"Authorization": f"Candidate {_token(reminder_body, '/interview')}"},
        ).status_code
        == 200
    )
    with state.db.transaction() as session:
        invitation = session.get(Invitation, invitation_id)
        assert invitation.reminders_sent == 1 and invitation.next_reminder_at is not None
        assert mailbox.messages[0]["Message-ID"] != mailbox.messages[1]["Message-ID"]


def test_chinese_invitation_without_lead_time(app, mailbox):
    _invite(app, "DE", language="zh-CN")
    assert _run_all(app, "core.send_invitation") == ["done"]
    [message] = mailbox.messages
    body = message.get_content()
    assert message["Subject"].endswith("在线面试邀请") and body.startswith("Mei Lin，您好")
    assert "工作日" not in body and f"{PUBLIC}/candidate/withdraw?t=" in body
    assert message["Content-Language"] == "zh-CN"


def test_a_refusing_mail_server_means_a_retry_not_a_lost_invitation(app, mailbox):
    interview_id, invitation_id = _invite(app, "DE")
    mailbox.handler.refuse_next = 1
    assert _run_all(app, "core.send_invitation") == ["retry"]
    state = get_state(app)
    with state.db.transaction() as session:
        assert session.get(Invitation, invitation_id).status == InvitationStatus.QUEUED
        item = session.scalar(select(WorkItem).where(WorkItem.kind == "core.send_invitation"))
        assert "451" in item.last_error and "mei@" not in item.last_error
        item.not_before = None
    assert _run_all(app, "core.send_invitation") == ["done"]
    assert len(mailbox.messages) == 1
    with state.db.transaction() as session:
        assert session.get(Interview, interview_id).state == "invited"


def test_no_mail_channel_configured_is_said_plainly(candor_app):
    _invite(candor_app, "DE")
    assert _run_all(candor_app, "core.send_invitation") == ["retry"]
    with get_state(candor_app).db.transaction() as session:
        item = session.scalar(select(WorkItem).where(WorkItem.kind == "core.send_invitation"))
        assert "smtp_mail" in item.last_error
