"""The AI stop button and the outbox's dead letters in the admin pages: who may use them, the forms doing what
the JSON API does (queued steps cancelled, the purpose gate refusing, an event queued again), refusals with
the reason, escaping, CSRF and the audit entries naming the person."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from candor.audit.models import AuditEntry
from candor.auth.permissions import Permission, role_allows
from candor.consent.gate import AI_PURPOSES
from candor.db import utcnow
from candor.interviews.models import Interview
from candor.outbox.models import OutboxEvent, OutboxState
from candor.review.models import Suspension
from candor.review.suspensions import gate_reasons
from candor.state import get_state
from candor.tasks.models import WorkItem, WorkState

from .conftest import ROLES, csrf_of

SCORER = "competency_scorer"


def _entries(app: Any, action: str) -> list[AuditEntry]:
    with get_state(app).db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _queue_analysis(app: Any, seeded: dict[str, Any], plugin: str = SCORER) -> int:
    with get_state(app).db.transaction() as session:
        item = WorkItem(kind="core.analyse", state=WorkState.QUEUED,
                        payload={"answer_id": seeded["answer_ids"][0], "plugin": plugin, "analyzer": plugin})
        session.add(item)
        session.flush()
        return item.id


def _gate(app: Any, seeded: dict[str, Any], plugin: str = SCORER) -> list[tuple[str, str]]:
    with get_state(app).db.transaction() as session:
        purpose = sorted(AI_PURPOSES)[0]
        return gate_reasons(session, plugin=plugin, title=plugin, purpose=purpose,
                            candidate_id=seeded["candidate_id"], interview_id=seeded["interview_id"])


def _dead_letter(app: Any, error: str = "HTTP 500 <html>from the HR system</html>") -> int:
    with get_state(app).db.transaction() as session:
        event = OutboxEvent(idempotency_key=f"evt_admin_{utcnow().timestamp()}", event_type="decision.made",
                            subject="candidate:1", plugin="webhooks", connector="webhooks", data={},
                            state=OutboxState.DEAD, attempts=8, last_error=error, dead_at=utcnow())
        session.add(event)
        session.flush()
        return event.id


@pytest.mark.parametrize("role", ROLES)
def test_pages_menu_and_forms_follow_the_permission_table(role, client_as, seeded, candor_app):
    event_id = _dead_letter(candor_app)
    client, _user = client_as(role)
    token = csrf_of(client)
    menu = client.get("/admin/").get_data(as_text=True)
    menu = menu[menu.index('<nav class="menu"'):menu.index("</nav>")]
    for page, permission in (("/admin/suspensions", Permission.AI_SUSPEND),
                             ("/admin/outbox", Permission.OUTBOX_MANAGE)):
        allowed = role_allows(role, permission)
        assert client.get(page).status_code == (200 if allowed else 403), (role, page)
        assert (f'href="{page}"' in menu) == allowed, (role, page)
    if not role_allows(role, Permission.AI_SUSPEND):
        assert client.post("/admin/suspensions", data={"csrf_token": token}).status_code == 403
        assert client.post("/admin/suspensions/1/lift", data={"csrf_token": token}).status_code == 403
    if not role_allows(role, Permission.OUTBOX_MANAGE):
        assert client.post(f"/admin/outbox/{event_id}/retry", data={"csrf_token": token}).status_code == 403
        with get_state(candor_app).db.transaction() as session:
            assert session.get(OutboxEvent, event_id).state == OutboxState.DEAD


@pytest.mark.candor_backends("sqlite")
def test_forms_need_the_csrf_token_and_a_signed_in_person(client_as, candor_client, seeded, candor_app):
    event_id = _dead_letter(candor_app)
    forms = ["/admin/suspensions", "/admin/suspensions/1/lift", f"/admin/outbox/{event_id}/retry"]
    client, _user = client_as("admin")
    for url in forms:
        refused = client.post(url, data={"scope": "job", "job": seeded["job_id"], "reason": "x"})
        assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True), url
    for page in ("/admin/suspensions", "/admin/outbox", "/admin/"):
        html = client.get(page).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S):
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form, (page, form[:200])
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      candor_client.get("/admin/login").get_data(as_text=True)).group(1)
    for url in forms:
        assert candor_client.post(url, data={"csrf_token": token}).status_code == 401, url
    for page in ("/admin/suspensions", "/admin/outbox"):
        assert candor_client.get(page).status_code == 302


def test_stopping_ai_for_a_job_cancels_queued_steps_the_gate_refuses_and_lifting_restores(
        client_as, seeded, candor_app):
    queued = _queue_analysis(candor_app, seeded)
    assert _gate(candor_app, seeded) == []
    client, user = client_as("admin")
    token = csrf_of(client)
    page = client.get("/admin/suspensions").get_data(as_text=True)
    assert f'<option value="{seeded["job_id"]}"' in page and f'<option value="{SCORER}"' in page
    made = client.post("/admin/suspensions", data={"scope": "job", "job": seeded["job_id"], "plugin": "",
                                                   "reason": "Fairness check <pending>", "csrf_token": token},
                       follow_redirects=True)
    html = made.get_data(as_text=True)
    assert made.status_code == 200
    assert "is in force; 1 queued analysis steps were cancelled." in html
    assert "Fairness check &lt;pending&gt;" in html and "<pending>" not in html
    with get_state(candor_app).db.transaction() as session:
        assert session.get(WorkItem, queued).state == WorkState.CANCELLED
        suspension = session.scalar(select(Suspension))
        assert (suspension.job_id, suspension.all_ai, suspension.created_by) == (
            seeded["job_id"], True, f"user:{user.id}")
        suspension_id = suspension.id
    assert [code for code, _message in _gate(candor_app, seeded)] == ["suspended"]
    entries = _entries(candor_app, "admin.suspend_ai")
    assert [(e.actor, e.subject) for e in entries] == [(f"user:{user.id}", f"suspension:{suspension_id}")]

    lifted = client.post(f"/admin/suspensions/{suspension_id}/lift", data={"csrf_token": token},
                         follow_redirects=True)
    assert f"Suspension {suspension_id} lifted" in lifted.get_data(as_text=True)
    assert _gate(candor_app, seeded) == []
    assert [e.actor for e in _entries(candor_app, "admin.lift_suspension")] == [f"user:{user.id}"]
    twice = client.post(f"/admin/suspensions/{suspension_id}/lift", data={"csrf_token": token},
                        follow_redirects=True)
    assert f"Suspension {suspension_id} was already lifted." in twice.get_data(as_text=True)
    assert len(_entries(candor_app, "admin.lift_suspension")) == 1
    assert client.post("/admin/suspensions/999999/lift", data={"csrf_token": token}).status_code == 404
    active = client.get("/admin/suspensions?active=1").get_data(as_text=True)
    assert "Fairness check" not in active


def test_stopping_one_analyzer_for_an_organisation_leaves_the_others(client_as, seeded, candor_app):
    with get_state(candor_app).db.transaction() as session:
        from candor.jobs.models import Job

        organization_id = session.get(Job, seeded["job_id"]).organization_id
    scorer_step, other_step = _queue_analysis(candor_app, seeded), _queue_analysis(candor_app, seeded, "delivery")
    client, _user = client_as("admin")
    made = client.post("/admin/suspensions", data={"scope": "organization", "organization": organization_id,
                                                   "plugin": SCORER, "reason": "Model under review",
                                                   "csrf_token": csrf_of(client)}, follow_redirects=True)
    assert "1 queued analysis steps were cancelled." in made.get_data(as_text=True)
    with get_state(candor_app).db.transaction() as session:
        assert session.get(WorkItem, scorer_step).state == WorkState.CANCELLED
        assert session.get(WorkItem, other_step).state == WorkState.QUEUED
        suspension = session.scalar(select(Suspension))
        assert (suspension.job_id, suspension.plugin) == (None, SCORER)
    assert _gate(candor_app, seeded) and not _gate(candor_app, seeded, "delivery")


@pytest.mark.candor_backends("sqlite")
def test_the_stop_form_refuses_what_the_service_refuses(client_as, seeded, candor_app):
    client, _user = client_as("admin")
    token = csrf_of(client)
    cases = [
        ({"scope": "job", "job": seeded["job_id"], "reason": "  "}, "Give a reason for the suspension"),
        ({"scope": "job", "job": seeded["job_id"], "plugin": "no_such_plugin", "reason": "x"},
         "is not an enabled analyzer plugin"),
        ({"scope": "job", "job": "", "reason": "x"}, "Choose the job to suspend AI evaluation for."),
        ({"scope": "organization", "organization": "999999", "reason": "x"},
         "Choose the organisation to suspend AI evaluation for."),
        ({"reason": "x"}, "Choose whether to suspend for a job or for a whole organisation."),
    ]
    for data, message in cases:
        refused = client.post("/admin/suspensions", data={**data, "csrf_token": token})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422 and message.replace("'", "&#39;") in html, (data, html[-2000:])
        assert f'value="{data["reason"]}"' in html or f">{data['reason']}</textarea>" in html  # kept in the form
    with get_state(candor_app).db.transaction() as session:
        assert session.scalar(select(Suspension)) is None
        assert session.get(Interview, seeded["interview_id"]) is not None


def test_a_dead_letter_is_retried_from_its_page_and_the_retry_audited(client_as, candor_app):
    event_id = _dead_letter(candor_app)
    client, user = client_as("admin")
    home = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/outbox"' in home[home.index('id="h-dead"'):]  # the dashboard leads to the page
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "HTTP 500 &lt;html&gt;from the HR system&lt;/html&gt;" in page and "<html>from" not in page
    assert f'action="/admin/outbox/{event_id}/retry"' in page
    token = csrf_of(client)
    retried = client.post(f"/admin/outbox/{event_id}/retry", data={"csrf_token": token}, follow_redirects=True)
    html = retried.get_data(as_text=True)
    assert f"Event {event_id} is queued for delivery again" in html
    assert f'action="/admin/outbox/{event_id}/retry"' not in html  # no longer a dead letter
    with get_state(candor_app).db.transaction() as session:
        event = session.get(OutboxEvent, event_id)
        assert (event.state, event.attempts, event.dead_at) == (OutboxState.PENDING, 0, None)
        deliveries = [w.payload for w in session.scalars(select(WorkItem).where(WorkItem.state == WorkState.QUEUED))]
        assert {"event_id": event_id} in deliveries
    entries = _entries(candor_app, "admin.outbox_retry")
    assert [(e.actor, e.details["event"]) for e in entries] == [(f"user:{user.id}", event_id)]
    again = client.post(f"/admin/outbox/{event_id}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert f"Event {event_id} is not a dead letter (any more)" in again.get_data(as_text=True)
    assert len(_entries(candor_app, "admin.outbox_retry")) == 1
    assert client.post("/admin/outbox/999999/retry", data={"csrf_token": token}).status_code == 404


@pytest.mark.candor_backends("sqlite")
def test_the_pages_speak_chinese(client_as, candor_app):
    _dead_letter(candor_app)
    client, _user = client_as("admin")
    client.post("/admin/language", data={"locale": "zh_CN", "next": "/admin/", "csrf_token": csrf_of(client)})
    stop = client.get("/admin/suspensions").get_data(as_text=True)
    assert 'lang="zh-CN"' in stop and "停止 AI 评估" in stop and "立即暂停" in stop
    dead = client.get("/admin/outbox").get_data(as_text=True)
    assert "死信" in dead and "重试" in dead
