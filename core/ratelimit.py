"""Rate limits: staff sign-in per client address and per account, candidate endpoints per link and per address.

Owns which endpoints are limited, by what key and how hard (``rate_limit_*`` settings), and the 429 answer: a
JSON error (an HTML page for the sign-in form) saying when to try again, with ``Retry-After`` in seconds. Counts
live in Flask-Limiter's storage: in memory (each process counts alone) or in Redis, shared by every web process
(``rate_limit_storage``, else the broker's Redis when the broker is Redis). Keys never hold a token or an e-mail
address: those are hashed first. The client address is ``request.remote_addr``; behind a reverse proxy, wrap
the app in werkzeug's ``ProxyFix`` (or set the proxy's real-IP header) or every caller shares the proxy's address.

Views are not edited to be limited: the limits attach to endpoints found in the URL map once every blueprint
(plugins' too) is registered, so a new candidate endpoint under ``/api/v1/candidate/`` is limited at once.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, render_template_string, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many

from candor.config import ConfigError, Settings

#: Staff sign-in forms (POST only: showing the form costs nothing).
LOGIN_ENDPOINTS = ("admin.login",)
#: Routes a candidate's link token opens, besides everything under CANDIDATE_PREFIX.
CANDIDATE_PREFIX = "/api/v1/candidate/"
CANDIDATE_PATHS = ("/interview", "/candidate/withdraw", "/employee/onboarding", "/api/v1/dsar/download")
_EXTENSION_KEY = "candor.limiter"
_LIMIT_SETTINGS = ("rate_limit_login", "rate_limit_login_account", "rate_limit_candidate_token",
                   "rate_limit_candidate_ip")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def client_address() -> str:
    return request.remote_addr or "unknown"


def candidate_link_key() -> str:
    """The link the caller holds (hashed): ``Authorization: Candidate ...`` or ``?t=`` on the pages."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Candidate ").strip() if header.startswith("Candidate ") else request.args.get("t", "")
    # Without a link the caller is refused anyway; count those calls by address so they cannot be free.
    return f"link:{_digest(token)}" if token else f"nolink:{client_address()}"


def login_account_key() -> str:
    """The account a sign-in attempt names (the e-mail typed, hashed), so that guessing one account's password
    from many addresses is slowed too."""
    email = (request.form.get("email") or "").strip().lower()
    return f"account:{_digest(email)}" if email else f"account-blank:{client_address()}"


def storage_uri(settings: Settings) -> str:
    if settings.rate_limit_storage:
        return settings.rate_limit_storage
    if settings.broker_url.startswith(("redis://", "rediss://")):
        return settings.broker_url
    return "memory://"


def _check_limits(settings: Settings) -> None:
    for name in _LIMIT_SETTINGS:
        value = getattr(settings, name)
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(
                f"{name} = {value!r} is not a rate limit. Write e.g. '10 per minute;100 per day' "
                f"(CANDOR_{name.upper()})."
            ) from None


def _retry_after(limiter: Limiter) -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    window = current.limit.get_expiry()
    # The moving window's reset time is rounded up to the next whole second; never ask for more than the window.
    return max(1, min(window, math.ceil(current.reset_at - time.time())))


_LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Too many attempts</title></head>
<body><main><h1>Too many sign-in attempts</h1><p>Wait {{ seconds }} seconds, then try again. If you forgot your
password, ask an administrator to reset it.</p><p><a href="{{ url }}">Back to sign-in</a></p></main></body></html>
"""


def _refusal(limiter: Limiter, error: RateLimitExceeded) -> Response:
    seconds = _retry_after(limiter)
    if request.endpoint in LOGIN_ENDPOINTS:
        response = Response(render_template_string(_LOGIN_PAGE, seconds=seconds, url=request.path), status=429,
                            mimetype="text/html")
    else:
        response = jsonify({
            "error": "too_many_requests",
            "message": f"Too many requests ({error.limit.limit}). Wait {seconds} seconds, then try again.",
            "retry_after": seconds,
        })
        response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def _attach(app: Flask, limiter: Limiter, endpoint: str, limits: list[tuple[str, Callable[[], str], str]],
            methods: list[str] | None = None) -> None:
    view = app.view_functions[endpoint]
    for value, key, scope in limits:
        # Shared: one count per key across every endpoint of the group (a link's calls, wherever they go).
        view = limiter.shared_limit(value, scope, key_func=key, methods=methods)(view)
    app.view_functions[endpoint] = view


def candidate_endpoints(app: Flask) -> list[str]:
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()
                   if rule.rule.startswith(CANDIDATE_PREFIX) or rule.rule in CANDIDATE_PATHS})


def init_app(app: Flask, settings: Settings) -> Limiter | None:
    """Attach the limits to the app's endpoints; call once every blueprint is registered."""
    if not settings.rate_limit_enabled:
        return None
    _check_limits(settings)
    limiter = Limiter(
        client_address, app=app, storage_uri=storage_uri(settings),
        # One namespace per installation (the queue name), so that several installations, or test apps, can
        # share one Redis without sharing counts.
        key_prefix=f"candor:{settings.queue_name}",
        strategy="moving-window", headers_enabled=False,
        # A Redis outage must not lock everyone out: count in memory meanwhile.
        in_memory_fallback_enabled=True,
    )
    app.extensions[_EXTENSION_KEY] = limiter
    for endpoint in LOGIN_ENDPOINTS:
        if endpoint in app.view_functions:
            _attach(app, limiter, endpoint, [
                (settings.rate_limit_login, client_address, "login-address"),
                (settings.rate_limit_login_account, login_account_key, "login-account"),
            ], methods=["POST"])
    for endpoint in candidate_endpoints(app):
        _attach(app, limiter, endpoint, [
            (settings.rate_limit_candidate_ip, client_address, "candidate-address"),
            (settings.rate_limit_candidate_token, candidate_link_key, "candidate-link"),
        ])

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Any:
        return _refusal(limiter, error)

    return limiter


def limiter_of(app: Flask) -> Limiter | None:
    return app.extensions.get(_EXTENSION_KEY)
