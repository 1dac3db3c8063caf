"""New hires' probation attendance in the admin pages (issue 9): who may open and change what, the counts and
flags the attendance API reports, days as local dates at the site, names only for roles that read personal
data, every view audited, and the rules form validating and changing rules as ``PUT .../probation-rules`` does."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from candor.attendance.models import ProbationRules
from candor.audit.models import AuditEntry
from candor.auth.models import User
from candor.auth.permissions import Permission, role_allows
from candor.auth.tokens import create_token
from candor.outbox.models import OutboxEvent
from candor.state import get_state

from .conftest import ROLES, csrf_of
from .probation_seeding import seed_new_hire


@pytest.fixture
def candor_settings(candor_settings: dict[str, Any]) -> dict[str, Any]:
    """An HR system behind the webhook connector, so changed rules are reported (nothing is delivered here)."""
    webhooks = {"url": "http://127.0.0.1:9/hr-events", "secrets": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "region": "CN"}
    return {**candor_settings, "plugin_settings": {**candor_settings.get("plugin_settings", {}),
                                                   "webhooks": webhooks}}


@pytest.fixture
def hire(candor_app) -> dict[str, Any]:
    return seed_new_hire(candor_app, full_name="<b>Li</b> Wei")


def _entries(app: Any, action: str, subject: str | None = None) -> list[AuditEntry]:
    with get_state(app).db.transaction() as session:
        query = select(AuditEntry).where(AuditEntry.action == action)
        if subject is not None:
            query = query.where(AuditEntry.subject == subject)
        return list(session.scalars(query))


def _token(app: Any, user: Any, *scopes: str) -> dict[str, str]:
    with get_state(app).db.transaction() as session:
        plaintext, _token = create_token(session, session.get(User, user.id), "probation test", scopes, 1)
    return {"Authorization": f"Bearer {plaintext}"}


def _cells(html: str, employee_id: int) -> list[str]:
    """The text of each cell of the employee's row in the list."""
    row = re.search(rf'<tr[^>]*>\s*<td><a href="/admin/probation/{employee_id}">.*?</tr>', html, flags=re.S)
    assert row is not None, html
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(0), re.S)]


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_form_open_exactly_for_the_roles_allowed(role, client_as, hire):
    client, _user = client_as(role)
    employee = hire["employee_id"]
    for url in ("/admin/probation", "/admin/probation?show=all", f"/admin/probation/{employee}"):
        expected = 200 if role_allows(role, Permission.ATTENDANCE_READ) else 403
        assert client.get(url).status_code == expected, (role, url)
    menu = client.get("/admin/").get_data(as_text=True)
    menu = menu[menu.index('<nav class="menu"'):menu.index("</nav>")]
    assert ('href="/admin/probation"' in menu) == role_allows(role, Permission.ATTENDANCE_READ)
    posted = client.post(f"/admin/probation/{employee}/rules", data={"csrf_token": csrf_of(client)})
    if not role_allows(role, Permission.ATTENDANCE_MANAGE):
        assert posted.status_code == 403
    page = client.get(f"/admin/probation/{employee}").get_data(as_text=True)
    if role_allows(role, Permission.ATTENDANCE_READ):
        assert ('id="rules-form"' in page) == role_allows(role, Permission.ATTENDANCE_MANAGE)


def test_the_list_shows_the_apis_counts_and_flags_with_names_escaped_and_audited(client_as, hire, candor_app):
    client, user = client_as("recruiter")
    employee = hire["employee_id"]
    api = client.get(f"/api/v1/employees/{employee}/attendance",
                     headers=_token(candor_app, user, "attendance:read")).get_json()
    counts = api["counts"]
    assert counts["on_time"] == 1 and counts["late"] == 1 and counts["absent"] >= 1  # what was seeded

    html = client.get("/admin/probation").get_data(as_text=True)
    assert "&lt;b&gt;Li&lt;/b&gt; Wei" in html and "<b>Li</b>" not in html
    cells = _cells(html, employee)
    # number, name, position and site, probation, on time, late, absent, early leave, flags
    assert cells[4:8] == [str(counts["on_time"]), str(counts["late"]), str(counts["absent"]),
                          str(counts["early_leave"])]
    assert {f["flag"] for f in api["flags"]} == {"late_over_threshold", "absent_over_threshold"}
    assert f"Late {counts['late']} times, more than the 0 allowed" in cells[8]
    assert f"Absent {counts['absent']} times, more than the 0 allowed" in cells[8]
    shown = _entries(candor_app, "access.attendance", f"employee:{employee}")
    assert any(e.actor == f"user:{user.id}" and e.details.get("view") == "list" for e in shown)
    reads = _entries(candor_app, "access.read", f"employee:{employee}")
    assert any(e.actor == f"user:{user.id}" for e in reads)  # the name was decrypted, and that is recorded


def test_ended_and_finished_probations_leave_the_list_but_not_the_all_view(client_as, hire, candor_app):
    from candor.onboarding.models import Employee, EmployeeState

    other = seed_new_hire(candor_app, full_name="Wang Fang")
    with get_state(candor_app).db.transaction() as session:
        session.get(Employee, other["employee_id"]).state = EmployeeState.ENDED
    client, _user = client_as("admin")
    current = client.get("/admin/probation").get_data(as_text=True)
    assert f'href="/admin/probation/{hire["employee_id"]}"' in current
    assert f'href="/admin/probation/{other["employee_id"]}"' not in current
    everyone = client.get("/admin/probation?show=all").get_data(as_text=True)
    assert f'href="/admin/probation/{other["employee_id"]}"' in everyone
    assert client.get("/admin/probation?show=some").status_code == 400


def test_a_caller_who_may_not_read_personal_data_sees_numbers_not_names(client_as, hire, candor_app):
    """A token limited to attendance:read opens the pages, but no name is decrypted, shown or read."""
    client, user = client_as("recruiter")
    headers = _token(candor_app, user, "attendance:read")
    anonymous = candor_app.test_client()
    employee = hire["employee_id"]
    reads_before = len(_entries(candor_app, "access.read", f"employee:{employee}"))  # the seeding's own
    for url in ("/admin/probation", f"/admin/probation/{employee}"):
        response = anonymous.get(url, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "Wei" not in html, url
    assert "Names show only to roles that manage personal records" in anonymous.get(
        "/admin/probation", headers=headers).get_data(as_text=True)
    assert len(_entries(candor_app, "access.read", f"employee:{employee}")) == reads_before
    shown = _entries(candor_app, "access.attendance", f"employee:{employee}")
    assert {e.details.get("view") for e in shown} == {"list", "detail"}


def test_the_detail_page_shows_local_dates_at_the_site_and_the_rules(client_as, hire, candor_app):
    client, user = client_as("admin")
    employee = hire["employee_id"]
    api = client.get(f"/api/v1/employees/{employee}/attendance",
                     headers=_token(candor_app, user, "attendance:read")).get_json()
    html = client.get(f"/admin/probation/{employee}").get_data(as_text=True)
    assert "&lt;b&gt;Li&lt;/b&gt; Wei" in html
    assert "Dates are local dates at the site (Asia/Shanghai)." in html
    days = re.findall(r'<tr><td><time datetime="([0-9-]+)">.*?</td><td><span class="state">([^<]+)</span>', html)
    names = {"on_time": "on time", "late": "late", "absent": "absent", "early_leave": "early leave",
             "late_and_early_leave": "late and early leave"}
    assert days == [(d["date"], names[d["status"]]) for d in api["days"]]
    # The first arrival was 08:55 in Shanghai, 00:55 UTC the day before: the page names the local day.
    assert days[0] == (hire["start"].isoformat(), "on time")
    assert (hire["start"] - timedelta(days=1)).isoformat() not in [d for d, _s in days]
    assert "09:00–18:00" in html and "A written warning after the second absence." in html
    shown = _entries(candor_app, "access.attendance", f"employee:{employee}")
    assert any(e.actor == f"user:{user.id}" and e.details.get("view") == "detail" for e in shown)
    assert client.get("/admin/probation/999999").status_code == 404


def test_the_rules_form_refuses_what_the_api_refuses_with_its_messages_per_field(client_as, hire, candor_app):
    client, user = client_as("recruiter")
    employee = hire["employee_id"]
    bad = {"name": "standard", "work_start": "17:00", "work_end": "9am", "work_days": ["1", "8"],
           "grace_minutes": "five", "late_threshold_count": "400", "absent_threshold_count": "0",
           "early_leave_threshold_count": "3", "penalties": ""}
    refused = client.post(f"/admin/probation/{employee}/rules", data={**bad, "csrf_token": csrf_of(client)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "The probation rules were not changed; correct the fields marked below." in html
    api = client.put(f"/api/v1/employees/{employee}/probation-rules",
                     headers=_token(candor_app, user, "attendance:manage"),
                     json={"work_end": "9am", "work_days": [1, 8], "grace_minutes": "five",
                           "late_threshold_count": 400})
    assert api.status_code == 422
    problems = api.get_json()["problems"]
    assert {p["field"] for p in problems} == {"work_end", "work_days", "grace_minutes", "late_threshold_count"}
    for problem in problems:  # the API's own message, beside the field it is about
        message = problem["message"].replace("'", "&#39;")
        assert f'<p class="error" id="err-{problem["field"]}">{message}</p>' in html, problem
        assert f'aria-describedby="err-{problem["field"]}"' in html
    assert 'value="five"' in html  # what was typed stays in the form
    with get_state(candor_app).db.transaction() as session:
        assert session.scalar(select(ProbationRules.id).where(
            ProbationRules.organization_id == hire["organization_id"]).order_by(ProbationRules.id.desc())) \
            == hire["rules_id"]


def test_the_rules_form_makes_a_new_version_evaluates_again_reports_and_audits(client_as, hire, candor_app):
    client, user = client_as("recruiter")
    employee = hire["employee_id"]
    before = client.get(f"/api/v1/employees/{employee}/attendance",
                        headers=_token(candor_app, user, "attendance:read")).get_json()["counts"]
    with get_state(candor_app).db.transaction() as session:
        reports_before = len(list(session.scalars(select(OutboxEvent.id).where(
            OutboxEvent.event_type == "attendance.report"))))
    form = {"name": "standard", "work_start": "09:00", "work_end": "18:00", "work_days": ["1", "2", "3", "4", "5"],
            "grace_minutes": "30", "late_threshold_count": "2", "absent_threshold_count": "0",
            "early_leave_threshold_count": "3", "penalties": "Warning <first>,\r\nthen a talk."}
    saved = client.post(f"/admin/probation/{employee}/rules", data={**form, "csrf_token": csrf_of(client)},
                        follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert "Probation rules saved as version 2 of standard;" in html
    assert "Warning &lt;first&gt;," in html
    after = client.get(f"/api/v1/employees/{employee}/attendance",
                       headers=_token(candor_app, user, "attendance:read")).get_json()
    # 20 minutes late is within the new 30 minutes' grace: the late day is on time now.
    assert after["counts"]["late"] == before["late"] - 1 and after["counts"]["on_time"] == before["on_time"] + 1
    assert after["rules"]["version"] == 2 and after["rules"]["penalties"] == "Warning <first>,\nthen a talk."
    assert "late_over_threshold" not in {f["flag"] for f in after["flags"]}
    changed = _entries(candor_app, "admin.probation_rules_changed", f"employee:{employee}")
    assert [e.actor for e in changed] == [f"user:{user.id}"] and changed[0].details["version"] == 2
    with get_state(candor_app).db.transaction() as session:
        reports = list(session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "attendance.report")))
        assert len(reports) == reports_before + 1 and reports[-1].data["rules"]["version"] == 2
    again = client.post(f"/admin/probation/{employee}/rules", data={**form, "csrf_token": csrf_of(client)},
                        follow_redirects=True)
    assert "The probation rules are unchanged." in again.get_data(as_text=True)
    assert len(_entries(candor_app, "admin.probation_rules_changed", f"employee:{employee}")) == 1


@pytest.mark.candor_backends("sqlite")
def test_forms_need_the_csrf_token_and_a_signed_in_person(client_as, candor_client, hire):
    url = f"/admin/probation/{hire['employee_id']}/rules"
    client, _user = client_as("admin")
    refused = client.post(url, data={"name": "x"})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    page = client.get(f"/admin/probation/{hire['employee_id']}").get_data(as_text=True)
    for form in re.findall(r"<form[^>]*>.*?</form>", page, flags=re.S):
        if 'method="post"' in form:
            assert 'name="csrf_token"' in form
    assert candor_client.get("/admin/probation").status_code == 302
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      candor_client.get("/admin/login").get_data(as_text=True)).group(1)
    assert candor_client.post(url, data={"csrf_token": token}).status_code == 401


@pytest.mark.candor_backends("sqlite")
def test_the_pages_speak_chinese(client_as, hire):
    client, _user = client_as("admin")
    client.post("/admin/language", data={"locale": "zh_CN", "next": "/admin/", "csrf_token": csrf_of(client)})
    listed = client.get("/admin/probation").get_data(as_text=True)
    assert 'lang="zh-CN"' in listed and "试用期考勤" in listed and "迟到" in listed
    detail = client.get(f"/admin/probation/{hire['employee_id']}").get_data(as_text=True)
    assert "日期为工作地点的当地日期（Asia/Shanghai）。" in detail and "星期一" in detail and "准时" in detail
