"""Users and roles, API tokens, and connectors. A token's secret is shown once, on the page that creates it
(never stored, never in a URL); connector secrets are never shown, only whether they are set, when they were
last changed here and by whom. Administrators set or remove them here (write-only; see candor.plugin_secrets)."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from candor import audit
from candor.audit.models import AuditEntry
from candor.auth import Permission, current_identity, requires
from candor.auth.access import Identity
from candor.auth.models import ApiToken, Role, User
from candor.auth.passwords import WeakPassword, hash_password
from candor.auth.permissions import ROLE_PERMISSIONS
from candor.auth.tokens import TokenError, create_token, revoke_token
from candor.plugin_secrets import (
    SecretStoreError,
    apply_to_running,
    build_connectors,
    connector_plugins,
    env_variable,
    read_store,
    reason_without_secrets,
    refusal_by_plugin,
    remove_secret,
    secret_setting,
    set_by_environment,
    write_secret,
)
from candor.recruiting.models import SyncCursor
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


_SECRET_ACTIONS = ("admin.secret_set", "admin.secret_removed")


def _secret_changes(session: Any, plugins: list[str]) -> dict[tuple[str, str], AuditEntry]:
    """The latest set/remove audit entry of each (plugin, secret setting): when it changed and by whom."""
    latest: dict[tuple[str, str], AuditEntry] = {}
    if not plugins:
        return latest
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.action.in_(_SECRET_ACTIONS), AuditEntry.subject.in_([f"plugin:{p}" for p in plugins]),
    ).order_by(AuditEntry.seq.desc()))
    for entry in entries:
        key = (entry.subject.removeprefix("plugin:"), str((entry.details or {}).get("setting", "")))
        latest.setdefault(key, entry)
    return latest


@bp.get("/connectors")
@requires(Permission.INTEGRATION_SYNC)
def connectors() -> Any:
    state = get_state()
    session = state.db.session
    infos = {info.name: info for info in state.plugins.enabled()}
    names = connector_plugins(state)
    cursors = list(session.scalars(select(SyncCursor).order_by(SyncCursor.plugin, SyncCursor.connector)))
    changes = _secret_changes(session, names)
    stored = read_store(state.settings.data_dir)
    rows = []
    for name in names:
        info = infos[name]
        secret_names = [s.name for s in info.declaration.settings if s.secret] if info.declaration else []
        problem = None
        try:  # each plugin on its own: one with unusable settings must not hide the page where they are fixed
            offered = [str(getattr(c, "name", name)) for c in build_connectors(state, name, info.settings)]
        except Exception as exc:
            offered, problem = [], reason_without_secrets(exc, info.settings, secret_names)
        settings = settings_shown(info)
        for shown in settings:
            if shown["secret"]:
                shown["changed"] = changes.get((name, shown["name"]))
                shown["from_environment"] = set_by_environment(name, shown["name"])
                shown["stored"] = shown["name"] in stored.get(name, {})
        rows.append({"plugin": name, "connectors": offered, "problem": problem, "settings": settings,
                     "cursors": [c for c in cursors if c.plugin == name]})
    can_manage = _identity().can(Permission.PLUGINS_MANAGE)
    response = make_response(render_template("admin/connectors.html", rows=rows, can_manage=can_manage))
    response.headers["Cache-Control"] = "no-store"
    return response


def _secret_change(plugin: str, setting: str, remove: bool) -> Any:
    state = get_state()
    try:
        if plugin not in connector_plugins(state):  # the page offers connectors' secrets only
            raise KeyError(plugin)
        declaration = state.plugins.declaration(plugin)
        secret_setting(declaration, setting)
    except KeyError:
        abort(404, _("There is no enabled connector plugin %(name)s.", name=plugin))
    except SecretStoreError:
        flash(_("%(plugin)s has no secret setting %(setting)s; only secret settings can be set here.",
                plugin=plugin, setting=setting), "error")
        return redirect(url_for("admin.connectors"), code=303)
    data_dir = state.settings.data_dir
    value = request.form.get("value", "")
    if remove and setting not in read_store(data_dir).get(plugin, {}):
        flash(_("%(plugin)s %(setting)s was not set here; nothing removed.", plugin=plugin, setting=setting),
              "error")
        return redirect(url_for("admin.connectors"), code=303)
    if not remove and not value:
        flash(_("Type the secret, or use Remove to clear it."), "error")
        return redirect(url_for("admin.connectors"), code=303)
    refusal = None if remove else refusal_by_plugin(state, plugin, setting, value)
    if refusal is not None:
        flash(_("%(plugin)s cannot use this value for %(setting)s: %(reason)s. Nothing was saved.",
                plugin=plugin, setting=setting, reason=refusal), "error")
        return redirect(url_for("admin.connectors"), code=303)
    session = writing_session()
    # Names only: the value never enters the audit log. Recorded before the file changes, so a failed write
    # rolls the entry back and a changed file always has its entry.
    audit.record(session, "admin.secret_removed" if remove else "admin.secret_set", f"plugin:{plugin}",
                 purpose="administration", details={"setting": setting})
    if remove:
        remove_secret(data_dir, declaration, setting)
    else:
        write_secret(data_dir, declaration, setting, value)
    session.commit()
    if not apply_to_running(state, plugin, setting):
        flash(_("Saved, but the environment variable %(variable)s sets %(setting)s and wins until it is removed.",
                variable=env_variable(plugin, setting), setting=setting), "error")
    elif remove:
        flash(_("%(plugin)s %(setting)s removed.", plugin=plugin, setting=setting), "ok")
    else:
        flash(_("%(plugin)s %(setting)s saved.", plugin=plugin, setting=setting), "ok")
    return redirect(url_for("admin.connectors"), code=303)


@bp.post("/connectors/<plugin>/secrets/<setting>")
@requires(Permission.PLUGINS_MANAGE)
def connector_secret_set(plugin: str, setting: str) -> Any:
    return _secret_change(plugin, setting, remove=False)


@bp.post("/connectors/<plugin>/secrets/<setting>/remove")
@requires(Permission.PLUGINS_MANAGE)
def connector_secret_remove(plugin: str, setting: str) -> Any:
    return _secret_change(plugin, setting, remove=True)
