"""Who is calling, and whether they may: identities from sessions or bearer tokens, the access decorators,
CSRF for cookie-authenticated requests, and the start-up check that every view declares its access."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, abort, g, jsonify, redirect, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select

from candor.auth.models import ApiToken, Role, User
from candor.auth.permissions import Permission, role_allows
from candor.db import utcnow
from candor.state import get_state

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_ATTRIBUTE = "_candor_access"
SIGNED_ATTRIBUTE = "_candor_signed_requests"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
csrf = CSRFProtect()
login_manager = LoginManager()


@dataclass(frozen=True)
class Identity:
    """The caller of this request. ``scopes`` is ``None`` for a logged-in person (their role decides)."""

    user_id: int
    role: Role
    via: str  # "session" or "token"
    token_id: int | None = None
    scopes: frozenset[str] | None = None

    def can(self, permission: Permission | str) -> bool:
        if not role_allows(self.role, permission):
            return False
        return self.scopes is None or str(permission) in self.scopes

    @property
    def actor(self) -> str:
        """How audit entries and logs name the caller (ids only)."""
        return f"token:{self.token_id}" if self.token_id is not None else f"user:{self.user_id}"


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash cannot be brute-forced; argon2 would only slow every call.
    return hashlib.sha256(token.encode()).hexdigest()


def public(view: F) -> F:
    """Mark a view as open to anyone (health checks, the login page, candidate pages with their own checks)."""
    setattr(view, ACCESS_ATTRIBUTE, ("public", ()))
    return view


def signed_requests(view: F) -> F:
    """Mark a public view whose callers prove themselves with a signature over the request (inbound webhooks)
    and carry no cookie: CSRF protection, which guards cookies, does not apply and would only refuse them."""
    setattr(view, SIGNED_ATTRIBUTE, True)
    return view


def requires(*permissions: Permission | str) -> Callable[[F], F]:
    """Allow only callers whose role (and token scopes) grant every one of ``permissions``.

    With no permissions, any signed-in staff member may call the view.
    """
    wanted = tuple(Permission(p) for p in permissions)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            identity = current_identity()
            if identity is None:
                if request.path.startswith("/admin/") and request.method in SAFE_METHODS:
                    return redirect(url_for("admin.login", next=request.path))
                abort(401)
            if not all(identity.can(p) for p in wanted):
                abort(403)
            return view(*args, **kwargs)

        setattr(guarded, ACCESS_ATTRIBUTE, ("requires", wanted))
        return guarded  # type: ignore[return-value]

    return decorate


def current_identity() -> Identity | None:
    return g.get("candor_identity")


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, only for cookie-authenticated requests
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the session
    login_manager.init_app(app)
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        user = get_state().db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    @app.before_request
    def _identify() -> Any:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            identity = _identity_from_token(header.removeprefix("Bearer ").strip())
            if identity is None:
                return _unauthorised("The API token is unknown, expired or revoked. Create a new one.")
            g.candor_identity = identity
            return None  # bearer requests carry no cookie, so CSRF cannot apply
        if header.startswith("Candidate "):
            return None  # a candidate link token in a header, not a cookie: CSRF cannot apply
        if current_user.is_authenticated:
            g.candor_identity = Identity(user_id=current_user.id, role=Role(current_user.role), via="session")
        signed = getattr(app.view_functions.get(request.endpoint or ""), SIGNED_ATTRIBUTE, False)
        if request.method not in SAFE_METHODS and not signed:
            csrf.protect()
        return None

    @app.errorhandler(CSRFError)
    def _csrf_failed(error: CSRFError) -> Any:
        return _error_response(400, "csrf_failed", f"{error.description} Reload the page and try again.")


def _identity_from_token(token: str) -> Identity | None:
    session = get_state().db.session
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
        session.commit()
    return Identity(user_id=row.user_id, role=Role(row.user.role), via="token", token_id=row.id,
                    scopes=frozenset(row.scopes))


def _unauthorised(message: str) -> Any:
    return _error_response(401, "unauthorised", message)


def _error_response(status: int, code: str, message: str) -> Any:
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    return response


def verify_access_declared(app: Flask) -> None:
    """Refuse to start when a view has no access declaration, naming the endpoint."""
    missing = [
        endpoint for endpoint, view in app.view_functions.items()
        if not hasattr(view, ACCESS_ATTRIBUTE) and not (endpoint == "static" or endpoint.endswith(".static"))
    ]
    if missing:
        raise RuntimeError(
            "These endpoints declare no access rule: " + ", ".join(sorted(missing))
            + ". Decorate each view with candor.auth.requires(...) or candor.auth.public."
        )
