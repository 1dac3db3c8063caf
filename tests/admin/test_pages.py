"""The admin pages through the Flask test client: who may open what (from the one permission table), CSRF on
every form, escaping, audit entries for personal data, the review forms, search, tokens, users, languages."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from candor.audit.models import AuditEntry
from candor.auth.models import ApiToken, User
from candor.auth.permissions import Permission, role_allows
from candor.interviews.models import Interview
from candor.interviews.states import InterviewState
from candor.review.models import ReviewAssignment, ReviewDecision
from candor.state import get_state

from .conftest import ROLES, csrf_of

#: Every admin page with the permission it needs (None: any signed-in staff member). ``{i}``, ``{j}`` are the
#: seeded interview and job.
PAGES: dict[str, Permission | None] = {
    "/admin/": None,
    "/admin/interviews": Permission.CANDIDATES_READ,
    "/admin/interviews/{i}": Permission.CANDIDATES_READ,
    "/admin/jobs": Permission.JOBS_READ,
    "/admin/jobs/{j}": Permission.JOBS_READ,
    "/admin/audit": Permission.AUDIT_READ,
    "/admin/consent": Permission.AUDIT_READ,
    "/admin/consent?view=gate": Permission.AUDIT_READ,
    "/admin/dsar": Permission.DSAR_MANAGE,
    "/admin/retention": Permission.SYSTEM_READ,
    "/admin/bias": Permission.AUDIT_READ,
    "/admin/bias?job={j}": Permission.AUDIT_READ,
    "/admin/plugins": Permission.PLUGINS_READ,
    "/admin/records": Permission.RECORDS_READ,
    "/admin/users": Permission.USERS_MANAGE,
    "/admin/tokens": Permission.TOKENS_MANAGE,
    "/admin/connectors": Permission.INTEGRATION_SYNC,
}

#: Every form's target with the permission it needs.
FORMS: dict[str, Permission | None] = {
    "/admin/logout": None,
    "/admin/interviews/search": Permission.CANDIDATES_READ,
    "/admin/interviews/{i}/decision": Permission.INTERVIEWS_REVIEW,
    "/admin/interviews/{i}/rating": Permission.INTERVIEWS_REVIEW,
    "/admin/interviews/{i}/assignments": Permission.JOBS_WRITE,
    "/admin/jobs/{j}/generate": Permission.JOBS_WRITE,
    "/admin/jobs/{j}/questions/1": Permission.JOBS_WRITE,
    "/admin/jobs/{j}/sets/1/approve": Permission.JOBS_WRITE,
    "/admin/audit/verify": Permission.AUDIT_READ,
    "/admin/audit/verify-bundle": Permission.AUDIT_READ,
    "/admin/users": Permission.USERS_MANAGE,
    "/admin/users/1": Permission.USERS_MANAGE,
    "/admin/tokens": Permission.TOKENS_MANAGE,
    "/admin/tokens/1/revoke": Permission.TOKENS_MANAGE,
}


def _url(template: str, seeded: dict[str, Any]) -> str:
    return template.format(i=seeded["interview_id"], j=seeded["job_id"])


def _entries(app: Any, action: str) -> list[AuditEntry]:
    with get_state(app).db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize("role", ROLES)
def test_each_page_opens_exactly_for_the_roles_the_permission_table_allows(role, client_as, seeded):
    client, _user = client_as(role)
    for template, permission in PAGES.items():
        response = client.get(_url(template, seeded))
        allowed = permission is None or role_allows(role, permission)
        assert response.status_code == (200 if allowed else 403), (role, template, response.status_code)
        if not allowed:  # an admin page, not the API's JSON, and no hint of the data behind it
            assert "text/html" in response.content_type


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_offers_only_pages_the_role_may_open(role, client_as, seeded):
    client, _user = client_as(role)
    html = client.get("/admin/").get_data(as_text=True)
    menu = html[html.index('<nav class="menu"'):html.index("</nav>")]
    for template, permission in PAGES.items():
        if "{" in template or "?" in template or template == "/admin/":
            continue
        allowed = permission is None or role_allows(role, permission)
        assert (f'href="{template}"' in menu) == allowed, (role, template)


@pytest.mark.candor_backends("sqlite")
def test_signed_out_visitors_are_sent_to_sign_in_and_forms_refused(candor_client, seeded):
    for template in PAGES:
        response = candor_client.get(_url(template, seeded))
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], template
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      candor_client.get("/admin/login").get_data(as_text=True)).group(1)
    for template in FORMS:
        response = candor_client.post(_url(template, seeded), data={"csrf_token": token})
        assert response.status_code == 401, template


@pytest.mark.candor_backends("sqlite")
def test_every_form_refuses_a_post_without_the_csrf_token(client_as, seeded):
    client, _user = client_as("admin")
    for template in [*FORMS, "/admin/language"]:
        response = client.post(_url(template, seeded), data={"outcome": "advance", "reason": "x"})
        assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True), template


@pytest.mark.candor_backends("sqlite")
def test_every_form_in_every_page_carries_the_csrf_token(client_as, seeded):
    client, _user = client_as("admin")
    for template in PAGES:
        html = client.get(_url(template, seeded)).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S):
            if 'method="post"' in form:
                assert 'name="csrf_token"' in form, (template, form[:200])


@pytest.mark.candor_backends("sqlite")
def test_roles_are_refused_forms_they_may_not_use(client_as, seeded):
    for role in ROLES:
        client, _user = client_as(role)
        token = csrf_of(client)
        for template, permission in FORMS.items():
            if permission is None or role_allows(role, permission):
                continue
            response = client.post(_url(template, seeded), data={"csrf_token": token})
            assert response.status_code == 403, (role, template)


def test_a_candidate_named_script_renders_as_text(client_as, seeded):
    client, _user = client_as("recruiter")
    for url in ("/admin/interviews", f"/admin/interviews/{seeded['interview_id']}"):
        html = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Robin" in html, url
        assert "<script>alert" not in html


def test_reviewers_see_answers_not_names_and_every_candidate_read_is_audited(client_as, seeded, candor_app):
    reviewer, reviewer_user = client_as("reviewer")
    html = reviewer.get(f"/admin/interviews/{seeded['interview_id']}").get_data(as_text=True)
    assert "Robin" not in html and "robin@example.com" not in html
    assert "<mark>" in html and "billing records myself" in html  # the transcript with the evidence highlighted
    assert "Measured accuracy" in html and "needs_human_review" in html or "advance" in html
    recruiter, recruiter_user = client_as("recruiter")
    assert "robin@example.com" in recruiter.get("/admin/interviews").get_data(as_text=True)
    reads = [e for e in _entries(candor_app, "access.read") if e.subject == f"candidate:{seeded['candidate_id']}"]
    assert f"user:{recruiter_user.id}" in {e.actor for e in reads}


def test_the_video_plays_only_for_an_assigned_reviewer(client_as, seeded, candor_app):
    with get_state(candor_app).db.transaction() as session:  # give the answers a stored video key
        from candor.interviews.models import Answer

        for answer in session.scalars(select(Answer).where(Answer.interview_id == seeded["interview_id"])):
            answer.media_key = f"answers/{answer.id}.webm"
    url = f"/admin/interviews/{seeded['interview_id']}"
    reviewer, reviewer_user = client_as("reviewer")
    assert "<video" not in reviewer.get(url).get_data(as_text=True)  # not assigned yet
    recruiter, _ = client_as("recruiter")
    assert "<video" not in recruiter.get(url).get_data(as_text=True)
    response = recruiter.post(f"{url}/assignments",
                              data={"reviewer": reviewer_user.id, "csrf_token": csrf_of(recruiter)})
    assert response.status_code == 303
    assert '<video controls preload="none"' in reviewer.get(url).get_data(as_text=True)
    admin, _ = client_as("admin")
    assert "<video" not in admin.get(url).get_data(as_text=True)  # administrators never see videos


def test_a_reviewer_decides_through_the_form_with_reasons_checked(client_as, seeded, candor_app):
    reviewer, reviewer_user = client_as("reviewer")
    with get_state(candor_app).db.transaction() as session:
        session.add(ReviewAssignment(interview_id=seeded["interview_id"], reviewer_id=reviewer_user.id,
                                     assigned_by="user:1"))
    url = f"/admin/interviews/{seeded['interview_id']}"
    page = reviewer.get(url).get_data(as_text=True)
    assert 'id="decision-form"' in page and '<label for="reason">' in page
    token = csrf_of(reviewer)
    refused = reviewer.post(f"{url}/decision", data={"outcome": "advance", "reason": " ", "csrf_token": token},
                            follow_redirects=True)
    assert "Give the reason for the decision" in refused.get_data(as_text=True)
    done = reviewer.post(f"{url}/decision", data={"outcome": "hold", "reason": "Wants a second interview.",
                                                  "override_reason": "The evidence is thin either way.",
                                                  "csrf_token": token}, follow_redirects=True)
    assert "Decision recorded: hold." in done.get_data(as_text=True)
    with get_state(candor_app).db.transaction() as session:
        assert session.get(Interview, seeded["interview_id"]).state == InterviewState.DECIDED
        decision = session.scalar(select(ReviewDecision))
        assert decision.reviewer_id == reviewer_user.id and decision.outcome == "hold"
    assert any(e.actor == f"user:{reviewer_user.id}" for e in _entries(candor_app, "admin.review_decision"))


def test_search_finds_exact_values_by_post_only(client_as, seeded, candor_app):
    client, _user = client_as("recruiter")
    token = csrf_of(client)
    found = client.post("/admin/interviews/search", data={"field": "email", "value": "Robin@Example.com",
                                                          "csrf_token": token}).get_data(as_text=True)
    assert f"/admin/interviews/{seeded['interview_id']}" in found and "1 interviews found." in found
    none = client.post("/admin/interviews/search", data={"field": "email", "value": "robin@example",
                                                         "csrf_token": token}).get_data(as_text=True)
    assert "0 interviews found." in none
    assert len(_entries(candor_app, "access.search")) == 2
    assert client.get("/admin/interviews/search").status_code == 405  # never a value in a URL


@pytest.mark.candor_backends("sqlite")
def test_lists_paginate(client_as, seeded, candor_app):
    from candor import audit

    with get_state(candor_app).db.transaction() as session:  # more than one page of 50 entries
        for number in range(60):
            audit.record(session, "admin.test_entry", f"job:{number}", purpose="administration", actor="user:1")
    client, _user = client_as("auditor")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert 'rel="next"' in first and "Page 1 of" in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second
    assert client.get("/admin/audit?page=0").status_code == 400
    assert client.get("/admin/audit?page=x").status_code == 400


def test_auditors_export_and_check_the_bundle_admins_cannot_export(client_as, seeded):
    auditor, _ = client_as("auditor")
    page = auditor.get("/admin/audit").get_data(as_text=True)
    assert 'id="export-form"' in page and 'action="/api/v1/audit/export"' in page
    bundle = auditor.get("/api/v1/audit/export?kind=all")
    assert bundle.status_code == 200 and bundle.mimetype == "application/zip"
    token = csrf_of(auditor)
    checked = auditor.post("/admin/audit/verify-bundle", data={"csrf_token": token,
                           "bundle": (io.BytesIO(bundle.data), "bundle.zip")}, content_type="multipart/form-data")
    assert checked.status_code == 200 and "The bundle verifies." in checked.get_data(as_text=True)
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data.replace(b'"success"', b'"failure"', 1) if item.filename == "entries.jsonl"
                            else data)
    refused = auditor.post("/admin/audit/verify-bundle", data={"csrf_token": token,
                           "bundle": (io.BytesIO(tampered.getvalue()), "bundle.zip")},
                           content_type="multipart/form-data")
    assert refused.status_code == 422 and "does NOT verify" in refused.get_data(as_text=True)
    chain = auditor.post("/admin/audit/verify", data={"csrf_token": token})
    assert chain.status_code == 200 and "The audit log verifies." in chain.get_data(as_text=True)
    admin, _ = client_as("admin")
    assert 'id="export-form"' not in admin.get("/admin/audit").get_data(as_text=True)
    assert admin.get("/api/v1/audit/export").status_code == 403
    reviewer, _ = client_as("reviewer")
    assert reviewer.get("/admin/audit").status_code == 403


@pytest.mark.candor_backends("sqlite")
def test_a_token_is_shown_once_and_can_be_revoked(client_as, candor_app):
    client, user = client_as("recruiter")
    token = csrf_of(client)
    created = client.post("/admin/tokens", data={"name": "EHR <sync>", "scopes": ["jobs:read"], "days": "30",
                                                 "csrf_token": token})
    html = created.get_data(as_text=True)
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token" class="secret" value="(cnd_[^"]+)"', html).group(1)
    assert "EHR &lt;sync&gt;" in html
    listed = client.get("/admin/tokens").get_data(as_text=True)
    assert secret not in listed and secret[:12] in listed
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    refused = client.post("/admin/tokens", data={"name": "x", "scopes": ["users:manage"], "csrf_token": token})
    assert refused.status_code == 422 and "may not hold the scope" in refused.get_data(as_text=True)
    with get_state(candor_app).db.transaction() as session:
        token_id = session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


@pytest.mark.candor_backends("sqlite")
def test_administrators_create_users_and_change_roles_but_not_their_own(client_as, candor_app):
    client, me = client_as("admin")
    token = csrf_of(client)
    client.post("/admin/users", data={"email": "New.Reviewer@example.com", "role": "reviewer",
                                      "password": "long enough password", "csrf_token": token})
    with get_state(candor_app).db.transaction() as session:
        new = session.scalar(select(User).where(User.email == "new.reviewer@example.com"))
        assert new is not None and new.role == "reviewer"
        new_id = new.id
    weak = client.post("/admin/users", data={"email": "x@example.com", "role": "reviewer", "password": "short",
                                             "csrf_token": token}, follow_redirects=True)
    assert "at least 12 characters" in weak.get_data(as_text=True)
    client.post(f"/admin/users/{new_id}", data={"role": "auditor", "csrf_token": token})  # unchecked: disabled
    own = client.post(f"/admin/users/{me.id}", data={"role": "auditor", "active": "1", "csrf_token": token},
                      follow_redirects=True)
    assert "cannot change your own role" in own.get_data(as_text=True)
    with get_state(candor_app).db.transaction() as session:
        changed = session.get(User, new_id)
        assert changed.role == "auditor" and not changed.active
        assert session.get(User, me.id).role == "admin"


def test_hr_edits_a_question_into_a_new_draft_and_approves_it(client_as, seeded, candor_app):
    from candor.questions.models import QuestionSet
    from candor.questions.sets import approved_set, current_questions

    client, _ = client_as("recruiter")
    token = csrf_of(client)
    with get_state(candor_app).db.transaction() as session:
        approved = approved_set(session, seeded["job_id"])
        question_id = current_questions(session, approved)[0].id
    url = f"/admin/jobs/{seeded['job_id']}"
    edited = client.post(f"{url}/questions/{question_id}", data={
        "text": "Tell us about a <difficult> customer.", "indicators": "listens\nfollows up", "answer_seconds": "90",
        "csrf_token": token}, follow_redirects=True)
    assert "approve the draft to use it" in edited.get_data(as_text=True)
    assert "Tell us about a &lt;difficult&gt; customer." in edited.get_data(as_text=True)
    with get_state(candor_app).db.transaction() as session:
        draft = session.scalar(select(QuestionSet).where(QuestionSet.job_id == seeded["job_id"],
                                                         QuestionSet.state == "draft"))
        assert draft is not None and draft.id != approved.id
        draft_id = draft.id
    client.post(f"{url}/sets/{draft_id}/approve", data={"csrf_token": token})
    with get_state(candor_app).db.transaction() as session:
        assert approved_set(session, seeded["job_id"]).id == draft_id
        texts = [q.text for q in current_questions(session, approved_set(session, seeded["job_id"]))]
        assert "Tell us about a <difficult> customer." in texts


@pytest.mark.candor_backends("sqlite")
def test_secret_settings_never_reach_the_page(candor_settings, make_staff):
    from candor.app import create_app
    from candor.testing import STAFF_PASSWORD, csrf_token_from

    settings = {**candor_settings, "plugin_settings": {"smtp_mail": {"password": "hunter2-secret-value"}}}
    app = create_app(settings)
    try:
        with get_state(app).db.transaction() as session:
            from candor.auth.passwords import hash_password

            session.add(User(email="a@example.com", role="admin", password_hash=hash_password(STAFF_PASSWORD)))
        client = app.test_client()
        token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
        client.post("/admin/login", data={"email": "a@example.com", "password": STAFF_PASSWORD, "csrf_token": token})
        html = client.get("/admin/plugins").get_data(as_text=True)
        assert "hunter2-secret-value" not in html and "secret: set" in html
    finally:
        get_state(app).db.dispose()


@pytest.mark.candor_backends("sqlite")
def test_the_language_switch_turns_every_page_chinese_and_survives_sign_in(candor_client, make_staff, seeded):
    from candor.testing import STAFF_PASSWORD, csrf_token_from

    token = csrf_token_from(candor_client.get("/admin/login").get_data(as_text=True))
    switched = candor_client.post("/admin/language", data={"locale": "zh_CN", "next": "/admin/login",
                                                           "csrf_token": token})
    assert switched.status_code == 303 and switched.headers["Location"] == "/admin/login"
    login = candor_client.get("/admin/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in login and "登录" in login
    user = make_staff("admin")
    candor_client.post("/admin/login", data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token})
    for template in PAGES:
        html = candor_client.get(_url(template, seeded)).get_data(as_text=True)
        assert 'lang="zh-CN"' in html and "退出登录" in html, template
    home = candor_client.get("/admin/").get_data(as_text=True)
    assert "总览" in home
    token = csrf_token_from(home)  # a new session since sign-in, so a new token
    evil = candor_client.post("/admin/language", data={"locale": "en", "next": "//evil.example/",
                                                       "csrf_token": token})
    assert evil.headers["Location"] == "/admin/"


def test_the_chinese_catalog_translates_every_message():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    from candor_admin.i18n import CATALOGS

    root = CATALOGS.parent
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"_": None, "gettext": None, "_l": None}
    wanted = {message for _f, _l, message, _c, _x in extract_from_dir(str(root), method_map, keywords=keywords)
              if isinstance(message, str)}
    with (CATALOGS / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in wanted if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, f"untranslated admin messages (update messages.po): {missing}"
