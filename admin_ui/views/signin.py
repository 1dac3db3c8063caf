"""Sign-in, sign-out and the language switch."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from candor import audit
from candor.auth import public, requires
from candor.auth.models import User
from candor.auth.passwords import hash_password, needs_rehash, verify_password
from candor.db import utcnow
from candor_admin.blueprint import bp
from candor_admin.i18n import LANGUAGES, SESSION_KEY
from candor_admin.writes import writing_session

log = logging.getLogger(__name__)


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return url_for("admin.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    error = None
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        password = request.form.get("password") or ""
        db_session = writing_session()
        user = db_session.scalar(select(User).where(User.email == email)) if email else None
        if user is not None and user.active and verify_password(user.password_hash, password):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_login_at = utcnow()
            audit.record(db_session, "auth.sign_in", f"user:{user.id}", purpose="security",
                         actor=f"user:{user.id}")
            db_session.commit()
            locale = session.get(SESSION_KEY)
            session.clear()  # a new session on sign-in defeats session fixation
            if locale:
                session[SESSION_KEY] = locale  # the language chosen on the sign-in page carries over
            login_user(user)
            session.permanent = True
            log.info("staff sign-in user:%s", user.id)
            return redirect(safe_next(request.args.get("next")))
        log.info("failed staff sign-in")
        # Ids only: the e-mail typed stays out of the log; an unknown address is "user:unknown".
        audit.record(db_session, "auth.sign_in", f"user:{user.id}" if user is not None else "user:unknown",
                     purpose="security", outcome="failure", actor="anonymous")
        db_session.commit()
        error = _("The e-mail or password is not right, or the account is disabled.")
    return render_template("admin/login.html", error=error), (401 if error else 200)


@bp.post("/logout")
@requires()
def logout() -> Any:
    locale = session.get(SESSION_KEY)
    logout_user()
    session.clear()
    if locale:
        session[SESSION_KEY] = locale
    return redirect(url_for("admin.login"))


@bp.post("/language")
@public
def language() -> Any:
    """Anyone may choose the language of the admin pages, signed in or not (CSRF-checked like every form)."""
    wanted = request.form.get("locale", "")
    if wanted in LANGUAGES:
        session[SESSION_KEY] = wanted
    return redirect(safe_next(request.form.get("next")), code=303)
