"""The ``admin`` blueprint itself: languages, the navigation each role sees, and error pages in the admin's
own look. Views live in ``candor_admin.views.*`` by feature; each declares its permission with ``requires``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g, render_template
from flask.blueprints import BlueprintSetupState
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from candor.auth import Permission, current_identity
from candor_admin.i18n import LANGUAGES, current_language, init_babel

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any  # a lazy string, translated when rendered
    permission: Permission | None


#: The menu, in the order people use it; an item shows only to a role that may open the page.
NAVIGATION = (
    NavItem("admin.home", _l("Dashboard"), None),
    NavItem("admin.interviews", _l("Candidates and interviews"), Permission.CANDIDATES_READ),
    NavItem("admin.jobs", _l("Jobs"), Permission.JOBS_READ),
    NavItem("admin.probation", _l("Probation attendance"), Permission.ATTENDANCE_READ),
    NavItem("admin.suspensions", _l("Stop AI evaluation"), Permission.AI_SUSPEND),
    NavItem("admin.audit_log", _l("Audit log"), Permission.AUDIT_READ),
    NavItem("admin.consent_log", _l("Consent log"), Permission.AUDIT_READ),
    NavItem("admin.dsar_list", _l("Data-subject requests"), Permission.DSAR_MANAGE),
    NavItem("admin.retention", _l("Retention and legal holds"), Permission.SYSTEM_READ),
    NavItem("admin.bias", _l("Bias audit"), Permission.AUDIT_READ),
    NavItem("admin.plugins", _l("Plugins"), Permission.PLUGINS_READ),
    NavItem("admin.records", _l("Records of processing"), Permission.RECORDS_READ),
    NavItem("admin.users", _l("Users and roles"), Permission.USERS_MANAGE),
    NavItem("admin.tokens", _l("API tokens"), Permission.TOKENS_MANAGE),
    NavItem("admin.connectors", _l("Connectors"), Permission.INTEGRATION_SYNC),
    NavItem("admin.dead_letters", _l("Dead letters"), Permission.OUTBOX_MANAGE),
)


@bp.record_once
def _setup(setup: BlueprintSetupState) -> None:
    from candor.state import get_state

    init_babel(setup.app, get_state(setup.app).settings.data_dir)


def can(permission: Permission | str) -> bool:
    identity = current_identity()
    return identity is not None and identity.can(permission)


@bp.context_processor
def _admin_context() -> dict[str, Any]:
    identity = current_identity()
    items = [item for item in NAVIGATION
             if identity is not None and (item.permission is None or identity.can(item.permission))]
    locale = current_language()
    return {"nav_items": items if identity is not None and identity.via == "session" else [],
            "can": can, "languages": LANGUAGES, "locale": locale, "html_lang": LANGUAGES[locale][0],
            "active_endpoint": g.get("admin_active_endpoint")}


@bp.errorhandler(HTTPException)
def _error_page(error: HTTPException) -> Any:
    """Errors in an admin page answer with a page, not the API's JSON; the message names no personal data."""
    return render_template("admin/error.html", error=error), error.code or 500
