"""Users and roles, API tokens, and connectors. A token's secret is shown once, on the page that creates it
(never stored, never in a URL); connector secrets are never shown, only whether they are set."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from candor import audit
from candor.auth import Permission, current_identity, requires
from candor.auth.access import Identity
from candor.auth.models import ApiToken, Role, User
from candor.auth.passwords import WeakPassword, hash_password
from candor.auth.permissions import ROLE_PERMISSIONS
from candor.auth.tokens import TokenError, create_token, revoke_token
from candor.recruiting.models import SyncCursor
from candor.recruiting.sync import connectors_of
from candor.state import get_state
from candor_admin.blueprint import bp
from candor_admin.paging import paginate
from candor_admin.views.plugins import settings_shown
from candor_admin.writes import writing_session


def _identity() -> Identity:
    identity = current_identity()
    assert identity is not None
    return identity


@bp.get("/users")
@requires(Permission.USERS_MANAGE)
def users() -> Any:
    session = get_state().db.session
    page = paginate(session, select(User).order_by(User.id))
    return render_template("admin/users.html", page=page, roles=list(Role), me=_identity().user_id)


@bp.post("/users")
@requires(Permission.USERS_MANAGE)
def user_create() -> Any:
    session = writing_session()
    form = request.form
    try:
        email = validate_email(form.get("email", ""), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        flash(_("Give a valid e-mail address."), "error")
        return redirect(url_for("admin.users"), code=303)
    if form.get("role") not in {r.value for r in Role}:
        flash(_("Choose a role from the list."), "error")
        return redirect(url_for("admin.users"), code=303)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        flash(_("A user with this e-mail exists already."), "error")
        return redirect(url_for("admin.users"), code=303)
    try:
        password_hash = hash_password(form.get("password", ""))
    except WeakPassword:
        flash(_("Passwords need at least 12 characters."), "error")
        return redirect(url_for("admin.users"), code=303)
    user = User(email=email, display_name=(form.get("display_name") or "").strip()[:200], role=Role(form["role"]),
                password_hash=password_hash)
    session.add(user)
    session.flush()
    audit.record(session, "admin.user_create", f"user:{user.id}", purpose="administration",
                 details={"role": user.role})
    session.commit()
    flash(_("User %(id)s created.", id=user.id), "ok")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<int:user_id>")
@requires(Permission.USERS_MANAGE)
def user_change(user_id: int) -> Any:
    session = writing_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404, _("There is no user %(id)s.", id=user_id))
    if user.id == _identity().user_id:
        flash(_("You cannot change your own role or disable yourself; ask another administrator."), "error")
        return redirect(url_for("admin.users"), code=303)
    role = request.form.get("role", user.role)
    if role not in {r.value for r in Role}:
        flash(_("Choose a role from the list."), "error")
        return redirect(url_for("admin.users"), code=303)
    active = request.form.get("active") == "1"
    changed = {"role": role} if role != user.role else {}
    if active != user.active:
        changed["active"] = active
    user.role, user.active = Role(role), active
    if changed:
        audit.record(session, "admin.user_change", f"user:{user.id}", purpose="administration", details=changed)
    session.commit()
    flash(_("User %(id)s saved.", id=user.id), "ok")
    return redirect(url_for("admin.users"), code=303)


def _tokens_query(identity: Identity) -> Any:
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if not identity.can(Permission.USERS_MANAGE):  # administrators see every token, others their own
        query = query.where(ApiToken.user_id == identity.user_id)
    return query


def _tokens_page(created: str | None = None, status: int = 200) -> Any:
    identity = _identity()
    session = get_state().db.session
    page = paginate(session, _tokens_query(identity))
    scopes = sorted(p.value for p in ROLE_PERMISSIONS[identity.role])
    response = make_response(render_template("admin/tokens.html", page=page, scopes=scopes, created=created),
                             status)
    response.headers["Cache-Control"] = "no-store"  # the page may hold a new token's secret
    return response


@bp.get("/tokens")
@requires(Permission.TOKENS_MANAGE)
def tokens() -> Any:
    return _tokens_page()


@bp.post("/tokens")
@requires(Permission.TOKENS_MANAGE)
def token_create() -> Any:
    identity = _identity()
    session = writing_session()
    user = session.get(User, identity.user_id)
    assert user is not None
    raw_days = request.form.get("days", "90")
    if not raw_days.isdigit():
        flash(_("Give the lifetime in whole days."), "error")
        return _tokens_page(status=422)
    try:
        plaintext, token = create_token(session, user, request.form.get("name", ""),
                                        request.form.getlist("scopes"), int(raw_days))
    except TokenError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _tokens_page(status=422)
    audit.record(session, "admin.token_create", f"token:{token.id}", purpose="administration",
                 details={"user": user.id, "scopes": token.scopes})
    session.commit()
    return _tokens_page(created=plaintext, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
@requires(Permission.TOKENS_MANAGE)
def token_revoke(token_id: int) -> Any:
    identity = _identity()
    session = writing_session()
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != identity.user_id and not identity.can(Permission.USERS_MANAGE)):
        abort(404, _("There is no token %(id)s of yours.", id=token_id))
    revoke_token(token)
    audit.record(session, "admin.token_revoke", f"token:{token.id}", purpose="administration",
                 details={"user": token.user_id})
    session.commit()
    flash(_("Token %(id)s revoked.", id=token.id), "ok")
    return redirect(url_for("admin.tokens"), code=303)


@bp.get("/connectors")
@requires(Permission.INTEGRATION_SYNC)
def connectors() -> Any:
    state = get_state()
    session = state.db.session
    by_plugin: dict[str, list[str]] = {}
    for plugin, connector in connectors_of(state):
        by_plugin.setdefault(plugin, []).append(str(getattr(connector, "name", plugin)))
    infos = {info.name: info for info in state.plugins.enabled()}
    cursors = list(session.scalars(select(SyncCursor).order_by(SyncCursor.plugin, SyncCursor.connector)))
    rows = [{"plugin": name, "connectors": names, "settings": settings_shown(infos[name]) if name in infos else [],
             "cursors": [c for c in cursors if c.plugin == name]} for name, names in sorted(by_plugin.items())]
    return render_template("admin/connectors.html", rows=rows)
