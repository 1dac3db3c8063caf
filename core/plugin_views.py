"""``GET /api/v1/plugins``: what is installed, what is enabled, and what each enabled plugin declares."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from candor.auth import Permission, requires
from candor.state import get_state

bp = Blueprint("plugins_api", __name__, url_prefix="/api/v1")


@bp.get("/plugins")
@requires(Permission.PLUGINS_READ)
def list_plugins() -> Any:
    return jsonify({"plugins": [info.to_public_dict() for info in get_state().plugins.all()]})
