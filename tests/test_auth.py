"""Staff sign-in, CSRF, roles on endpoints and API tokens, as a browser and an integration use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from candor.auth.access import hash_token
from candor.auth.models import ApiToken, User
from candor.auth.passwords import WeakPassword, hash_password, verify_password
from candor.db import utcnow
from candor.state import get_state
from candor.testing import STAFF_PASSWORD, csrf_token_from


def test_passwords_are_argon2_hashes():
    stored = hash_password("a sufficiently long one")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a sufficiently long one")
    assert not verify_password(stored, "a sufficiently long two")
    assert not verify_password(None, "anything at all")
    with pytest.raises(WeakPassword):
        hash_password("short")


def test_sign_in_and_out(candor_client, make_staff, sign_in):
    user = make_staff("recruiter")
    sign_in(user)
    assert candor_client.get("/api/v1/me").json["role"] == "recruiter"
    home = candor_client.get("/admin/")
    assert home.status_code == 200 and user.email in home.get_data(as_text=True)
    token = csrf_token_from(home.get_data(as_text=True))
    assert candor_client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert candor_client.get("/api/v1/me").status_code == 401


def test_wrong_password_is_refused_without_saying_which_part(candor_client, make_staff):
    user = make_staff()
    page = candor_client.get("/admin/login").get_data(as_text=True)
    response = candor_client.post("/admin/login", data={
        "email": user.email, "password": "not the password", "csrf_token": csrf_token_from(page)})
    assert response.status_code == 401
    assert "e-mail or password is not right" in response.get_data(as_text=True)
    assert candor_client.get("/api/v1/me").status_code == 401


def test_login_form_without_csrf_token_is_refused(candor_client, make_staff):
    user = make_staff()
    response = candor_client.post("/admin/login", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_session_api_calls_need_the_csrf_header(candor_client, make_staff, sign_in):
    user = make_staff("recruiter")
    sign_in(user)
    body = {"name": "sync", "scopes": ["jobs:read"]}
    assert candor_client.post("/api/v1/tokens", json=body).status_code == 400
    token = csrf_token_from(candor_client.get("/admin/").get_data(as_text=True))
    created = candor_client.post("/api/v1/tokens", json=body, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.json


def test_redirects_to_login_and_back_only_to_own_paths(candor_client, make_staff):
    response = candor_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login?next=/admin/" in response.headers["Location"]
    user = make_staff()
    page = candor_client.get("/admin/login").get_data(as_text=True)
    response = candor_client.post("/admin/login?next=//evil.example/x", data={
        "email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_token_from(page)})
    assert response.headers["Location"] == "/admin/"


def test_session_cookie_flags(candor_client, make_staff):
    user = make_staff()
    page = candor_client.get("/admin/login").get_data(as_text=True)
    response = candor_client.post("/admin/login", data={
        "email": user.email, "password": STAFF_PASSWORD, "csrf_token": csrf_token_from(page)})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("candor_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_roles_are_enforced(candor_client, make_staff, sign_in):
    sign_in(make_staff("auditor"))
    token = csrf_token_from(candor_client.get("/admin/").get_data(as_text=True))
    # Auditors manage no tokens.
    assert candor_client.get("/api/v1/tokens").status_code == 403
    assert candor_client.post("/api/v1/tokens", json={"name": "x", "scopes": ["audit:read"]},
                              headers={"X-CSRFToken": token}).status_code == 403
    assert candor_client.get("/api/v1/plugins").status_code == 200


def test_anonymous_callers_get_401(candor_client):
    for path in ("/api/v1/me", "/api/v1/plugins", "/api/v1/tokens"):
        response = candor_client.get(path)
        assert response.status_code == 401, path
        assert response.json["error"] == "unauthorized"


def _admin_with_token(app, scopes, days=30):
    from candor.auth.models import Role
    from candor.auth.tokens import create_token

    with get_state(app).db.transaction() as session:
        user = User(email="integration@example.com", role=Role.ADMIN, password_hash=hash_password(STAFF_PASSWORD))
        session.add(user)
        session.flush()
        plaintext, token = create_token(session, user, "EHR sync", scopes, days)
        return plaintext, token.id


def test_tokens_are_stored_hashed_scoped_and_expire(candor_app, candor_client):
    plaintext, token_id = _admin_with_token(candor_app, ["plugins:read"])
    bearer = {"Authorization": f"Bearer {plaintext}"}
    assert candor_client.get("/api/v1/plugins", headers=bearer).status_code == 200
    # The scope limits the token below what the admin role could do.
    assert candor_client.get("/api/v1/tokens", headers=bearer).status_code == 403
    with get_state(candor_app).db.transaction() as session:
        stored = session.get(ApiToken, token_id)
        assert stored.token_hash == hash_token(plaintext) and plaintext not in stored.token_hash
        assert stored.last_used_at is not None
        stored.expires_at = utcnow() - timedelta(seconds=1)
    expired = candor_client.get("/api/v1/plugins", headers=bearer)
    assert expired.status_code == 401
    assert "expired" in expired.json["message"]


def test_revoked_token_stops_working(candor_app, candor_client, make_staff, sign_in):
    admin = make_staff("admin")
    sign_in(admin)
    csrf = {"X-CSRFToken": csrf_token_from(candor_client.get("/admin/").get_data(as_text=True))}
    created = candor_client.post("/api/v1/tokens", json={"name": "ci", "scopes": ["plugins:read"], "days": 7},
                                 headers=csrf).json
    other = candor_app.test_client()
    bearer = {"Authorization": f"Bearer {created['token']}"}
    assert other.get("/api/v1/plugins", headers=bearer).status_code == 200
    assert candor_client.delete(f"/api/v1/tokens/{created['id']}", headers=csrf).json["revoked"] is True
    assert other.get("/api/v1/plugins", headers=bearer).status_code == 401


def test_token_scopes_must_fit_the_role(candor_client, make_staff, sign_in):
    sign_in(make_staff("recruiter"))
    csrf = {"X-CSRFToken": csrf_token_from(candor_client.get("/admin/").get_data(as_text=True))}
    response = candor_client.post("/api/v1/tokens", json={"name": "x", "scopes": ["audit:export"]}, headers=csrf)
    assert response.status_code == 422
    assert "may not hold the scope 'audit:export'" in response.json["message"]
    response = candor_client.post("/api/v1/tokens", json={"name": "x", "scopes": ["jobs:read"], "extra": 1},
                                  headers=csrf)
    assert response.status_code == 400 and "extra" in response.json["message"]


def test_every_endpoint_declares_its_access(candor_settings):
    from flask import Blueprint

    from candor import PluginDeclaration, hookimpl
    from candor.app import create_app

    class Careless:
        @hookimpl
        def candor_declare(self):
            return PluginDeclaration(name="careless", title="Careless")

        @hookimpl
        def candor_register_blueprints(self, settings):
            bp = Blueprint("pages", __name__, url_prefix="/plugins/careless")
            bp.add_url_rule("/open", "open", lambda: "anyone")
            return [bp]

    with pytest.raises(RuntimeError, match=r"careless\.pages\.open"):
        create_app(candor_settings, plugins=[Careless()])


def test_user_can_be_created_from_the_command_line(candor_app, candor_cli):
    result = candor_cli("users", "create-admin", "--email", "Boss@Example.com", input="a long admin password\n")
    assert result.exit_code == 0, result.output
    with get_state(candor_app).db.transaction() as session:
        user = session.scalar(select(User).where(User.email == "boss@example.com"))
        assert user.role == "admin" and verify_password(user.password_hash, "a long admin password")
    weak = candor_cli("users", "create-admin", "--email", "x@example.com", "--password", "short")
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output


def test_admin_actions_are_audited(candor_app, candor_client, make_staff, sign_in, candor_cli):
    from candor.audit.models import AuditEntry

    admin = make_staff("admin")
    sign_in(admin)
    csrf = {"X-CSRFToken": csrf_token_from(candor_client.get("/admin/").get_data(as_text=True))}
    created = candor_client.post("/api/v1/tokens", json={"name": "ci", "scopes": ["plugins:read"]}, headers=csrf).json
    candor_client.delete(f"/api/v1/tokens/{created['id']}", headers=csrf)
    assert candor_cli("users", "create", "--email", "rev@example.com", "--role", "reviewer",
                      "--password", "a long reviewer password").exit_code == 0
    with get_state(candor_app).db.transaction() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action.like("admin.%"))
                                  .order_by(AuditEntry.seq)).all()
        assert [(e.action, e.actor) for e in entries] == [
            ("admin.token_create", f"user:{admin.id}"), ("admin.token_revoke", f"user:{admin.id}"),
            ("admin.user_create", "system:cli")]
        assert all("@" not in str(e.details) for e in entries)
