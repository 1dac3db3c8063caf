"""``/healthz`` (the process answers) and ``/readyz`` (its dependencies answer, or which one does not)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from candor.auth import public
from candor.health.checks import run_checks
from candor.interfaces import CheckStatus

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Any:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@public
def readyz() -> Any:
    outcomes = run_checks(current_app._get_current_object(), readiness_only=True)  # type: ignore[attr-defined]
    failing = [o.name for o in outcomes if o.result.status == CheckStatus.FAILED]
    body = {
        "status": "unavailable" if failing else "ready",
        "failing": failing,
        # Details are kept short on this unauthenticated endpoint: names and statuses only.
        "checks": {o.name: o.result.status.value for o in outcomes},
    }
    return jsonify(body), (503 if failing else 200)
