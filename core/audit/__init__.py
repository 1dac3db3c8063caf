"""The tamper-evident audit log: hash-chained, append-only entries with Ed25519-signed checkpoints.

The API the rest of the core calls:
- ``record(session, action=..., subject=..., purpose=..., outcome=...)`` appends in the caller's transaction;
- ``acting_as(actor)`` / ``for_purpose(purpose)`` attribute entries recorded inside a block;
- reads and changes of models with personal columns are recorded automatically (``candor.audit.access``).

``init_app`` sets the acting context for each request from the signed-in identity and adds the HTTP API.
Format and verification of exports: ``docs/audit-bundle.md`` and ``candor.audit.verify``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request

from candor.audit import access as _access  # noqa: F401  (registers the automatic access entries)
from candor.audit.chain import AuditError, record
from candor.audit.context import (
    AuditContext,
    acting_as,
    current_context,
    for_purpose,
    reset_context,
    set_context,
)

__all__ = ["AuditContext", "AuditError", "acting_as", "current_context", "for_purpose", "init_app", "record"]

_CONTEXT_KEY = "candor_audit_context_token"


def init_app(app: Flask) -> None:
    """Call after ``candor.auth.access.init_app`` so that the identity is known when the context is set."""
    from candor.audit.views import bp
    from candor.auth import current_identity

    @app.before_request
    def _set_acting_context() -> None:
        identity = current_identity()
        actor = identity.actor if identity is not None else "anonymous"
        # The endpoint, not the URL: paths and query strings can carry personal data or tokens.
        via = f"{request.method} {request.endpoint or 'unknown'}"
        g.setdefault(_CONTEXT_KEY, set_context(AuditContext(actor=actor, via=via)))

    @app.teardown_request
    def _clear_acting_context(_exc: BaseException | None) -> Any:
        token = g.pop(_CONTEXT_KEY, None)
        if token is not None:
            reset_context(token)

    app.register_blueprint(bp)
