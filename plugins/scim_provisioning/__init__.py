"""SCIM 2.0 provisioning (built in): the employee's account in any SCIM-compliant system (an identity
provider, a directory, an attendance system's user store), created at onboarding and deactivated when the
consent is withdrawn or the employment ends.

``client`` speaks the protocol (bearer token, retries, SCIM errors); ``adapter`` maps employees to Users.
The adapter is offered only once ``base_url`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import PluginDeclaration, Setting, hookimpl
from candor.declarations import DataCategory, Purpose
from candor.plugins import PluginError
from candor_plugins.scim_provisioning.adapter import NAME, USER_NAME_SOURCES, ScimAdapter
from candor_plugins.scim_provisioning.client import ScimClient


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name=NAME,
        title="SCIM 2.0 provisioning",
        description="Creates, updates and deactivates the employee's account in a SCIM 2.0 system "
                    "(RFC 7643/7644): name, work e-mail, phone, position, site and employee number.",
        capabilities=frozenset({"attendance_sync"}),
        data_categories=frozenset({DataCategory.CONTACT, DataCategory.IDENTITY, DataCategory.EMPLOYMENT}),
        purposes=frozenset({Purpose.ATTENDANCE}),
        settings=(
            Setting("base_url", "", "The SCIM endpoint, e.g. https://idp.example.com/scim/v2; off while empty."),
            Setting("token", "", "Bearer token the SCIM server issued for provisioning.", secret=True),
            Setting("user_name", "email", "What the account's userName is: 'email' (the work e-mail, the "
                                          "employee number when there is none) or 'employee_number'."),
            Setting("region", "", "Where the SCIM server keeps the accounts (CN, EU, US...); empty means "
                                  "with the employer. Elsewhere is a cross-border transfer."),
            Setting("timeout_seconds", 10.0, "How long to wait for one answer."),
            Setting("retries", 3, "Retries of one call after 5xx, 429, a timeout or a dropped connection."),
            Setting("backoff_seconds", 0.5, "First back-off between retries; doubles each time, with jitter."),
        ),
        limits=("Accounts only: SCIM carries no check-ins, so probation attendance comes from an attendance "
                "adapter such as DingTalk, and the rules are evaluated by Candor.",),
    )


_clients: dict[tuple[str, str, float, int, float], ScimClient] = {}


@hookimpl
def candor_register_attendance_adapters(settings: Mapping[str, Any]) -> Sequence[ScimAdapter]:
    if not settings.get("base_url"):
        return []
    if str(settings.get("user_name", "email")) not in USER_NAME_SOURCES:
        raise PluginError(f"scim_provisioning: setting 'user_name' must be one of {', '.join(USER_NAME_SOURCES)}.")
    key = (str(settings["base_url"]), str(settings.get("token", "")), float(settings.get("timeout_seconds", 10.0)),
           int(settings.get("retries", 3)), float(settings.get("backoff_seconds", 0.5)))
    client = _clients.get(key)
    if client is None:  # one client per endpoint and token, so connections are reused across calls
        client = _clients[key] = ScimClient(key[0], key[1], timeout=key[2], retries=key[3], backoff=key[4])
    return [ScimAdapter(client, user_name=str(settings.get("user_name", "email")),
                        region=str(settings.get("region") or "") or None)]
