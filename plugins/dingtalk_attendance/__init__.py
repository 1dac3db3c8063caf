"""DingTalk attendance (built in): pre-hire entries and check-in pulls through DingTalk's open platform.

``client`` speaks the protocol (token, errcode envelope, retries); ``adapter`` maps employees and check-ins.
The adapter is offered only once ``base_url``, ``app_key`` and ``app_secret`` are set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import PluginDeclaration, Setting, hookimpl
from candor.declarations import DataCategory, Purpose
from candor_plugins.dingtalk_attendance.adapter import NAME, DingTalkAdapter
from candor_plugins.dingtalk_attendance.client import DingTalkClient


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name=NAME,
        title="DingTalk attendance",
        description="Creates pre-hire entries in DingTalk and pulls attendance results back for the "
                    "probation report.",
        capabilities=frozenset({"attendance_sync"}),
        data_categories=frozenset({DataCategory.CONTACT, DataCategory.IDENTITY, DataCategory.ATTENDANCE}),
        purposes=frozenset({Purpose.ATTENDANCE}),
        settings=(
            Setting("base_url", "", "DingTalk API host (https://oapi.dingtalk.com); off while empty."),
            Setting("app_key", "", "The internal app's AppKey."),
            Setting("app_secret", "", "The internal app's AppSecret.", secret=True),
            Setting("op_userid", "", "DingTalk userid recorded as the operator of pre-hire entries."),
            Setting("dept_id", "1", "Department new hires are entered into."),
            Setting("timeout_seconds", 10.0, "How long to wait for one answer."),
            Setting("rate_limit_wait_seconds", 1.0, "First back-off after errcode 90002; doubles each time."),
        ),
        limits=("Probation rules are evaluated by Candor; DingTalk's attendance groups are not changed.",),
    )


_clients: dict[tuple[str, str, str], DingTalkClient] = {}


@hookimpl
def candor_register_attendance_adapters(settings: Mapping[str, Any]) -> Sequence[DingTalkAdapter]:
    if not (settings.get("base_url") and settings.get("app_key") and settings.get("app_secret")):
        return []
    key = (str(settings["base_url"]), str(settings["app_key"]), str(settings["app_secret"]))
    client = _clients.get(key)
    if client is None:  # one client per app credentials, so the token is cached across pulls
        client = _clients[key] = DingTalkClient(
            *key, timeout=float(settings.get("timeout_seconds", 10.0)),
            rate_limit_wait=float(settings.get("rate_limit_wait_seconds", 1.0)))
    return [DingTalkAdapter(client, op_userid=str(settings.get("op_userid", "")),
                            dept_id=str(settings.get("dept_id", "1")))]
