"""Plugins with their declarations (capabilities, data categories, purposes, settings, limits, accuracy) and
the generated records of processing. Secret settings never leave the server: the page says only whether one
is set."""

from __future__ import annotations

from typing import Any

from flask import render_template

from candor.auth import Permission, requires
from candor.records.store import current, versions
from candor.state import get_state
from candor_admin.blueprint import bp


def settings_shown(info: Any) -> list[dict[str, Any]]:
    """Each declared setting with its value now; a secret's value is replaced by whether it is set."""
    if info.declaration is None:
        return []
    shown = []
    for setting in info.declaration.settings:
        value = info.settings.get(setting.name, setting.default)
        shown.append({"name": setting.name, "description": setting.description, "secret": setting.secret,
                      "value": (bool(value) if setting.secret else value)})
    return shown


@bp.get("/plugins")
@requires(Permission.PLUGINS_READ)
def plugins() -> Any:
    infos = sorted(get_state().plugins.all(), key=lambda info: (not info.enabled, info.name))
    return render_template("admin/plugins.html",
                           plugins=[(info.to_public_dict(), settings_shown(info)) for info in infos])


@bp.get("/records")
@requires(Permission.RECORDS_READ)
def records() -> Any:
    state = get_state()
    record, version, _new = current(state)
    return render_template("admin/records.html", record=record, version=version, versions=versions(state))
