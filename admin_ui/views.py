"""Sign-in, sign-out and the staff home page."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select

from candor import audit
from candor.auth import current_identity, public, requires
from candor.auth.models import User
from candor.auth.passwords import hash_password, needs_rehash, verify_password
from candor.db import utcnow
from candor.state import get_state

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")
log = logging.getLogger(__name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        password = request.form.get("password") or ""
        db_session = get_state().db.session
        user = db_session.scalar(select(User).where(User.email == email)) if email else None
        if user is not None and user.active and verify_password(user.password_hash, password):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_login_at = utcnow()
            audit.record(db_session, "auth.sign_in", f"user:{user.id}", purpose="security",
                         actor=f"user:{user.id}")
            db_session.commit()
            session.clear()  # a new session on sign-in defeats session fixation
            login_user(user)
            session.permanent = True
            log.info("staff sign-in user:%s", user.id)
            return redirect(_safe_next(request.args.get("next")))
        log.info("failed staff sign-in")
        # Ids only: the e-mail typed stays out of the log; an unknown address is "user:unknown".
        audit.record(db_session, "auth.sign_in", f"user:{user.id}" if user is not None else "user:unknown",
                     purpose="security", outcome="failure", actor="anonymous")
        db_session.commit()
        error = "The e-mail or password is not right, or the account is disabled."
    return render_template("admin/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@requires()
def logout() -> Any:
    logout_user()
    session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
@requires()
def home() -> Any:
    identity = current_identity()
    assert identity is not None
    state = get_state()
    user = state.db.session.get(User, identity.user_id)
    return render_template("admin/home.html", user=user, plugins=state.plugins.enabled())
