"""The SCIM provisioning adapter: the employee's account as a SCIM 2.0 User (RFC 7643 §4.1) with the
enterprise extension (§4.3).

Owns the mapping and the idempotence of provisioning: ``provision`` creates the User; when the server answers
409 (``uniqueness``) because the userName exists (a retry after a lost answer, or an account made by hand) it
finds that User with a ``userName eq`` filter, replaces its attributes with ours and adopts its id, so running
it twice yields one account. ``update`` replaces the User (PUT), ``deactivate`` sets ``active`` false with
PATCH (PUT where PATCH is not supported) and treats an account already gone as done. SCIM carries accounts,
not attendance: ``pull_check_ins`` yields nothing, and ``takes_rules`` is false, so the platform evaluates the
probation rules itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from candor_plugins.scim_provisioning.client import ScimClient, ScimError

NAME = "scim_provisioning"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_NAME_SOURCES = ("email", "employee_number")


class ScimAdapter:
    name = NAME
    takes_rules = False
    reads_check_ins = False  # accounts only: the scheduled pull skips it

    def __init__(self, client: ScimClient, *, user_name: str = "email", region: str | None = None) -> None:
        if user_name not in USER_NAME_SOURCES:
            raise ValueError(f"scim_provisioning: user_name must be one of {', '.join(USER_NAME_SOURCES)}.")
        self.client = client
        self.user_name_source = user_name
        self.region = region  # where the SCIM server keeps the accounts; the purpose gate reads it

    # --- mapping --------------------------------------------------------------------------------------

    def user_name(self, employee: Mapping[str, Any]) -> str:
        number = str(employee.get("employee_number") or "").strip()
        if self.user_name_source == "email" and employee.get("email"):
            return str(employee["email"]).strip().lower()
        if not number:
            raise ValueError("The employee has no employee_number to name the SCIM account with.")
        return number

    def user(self, employee: Mapping[str, Any], *, active: bool = True) -> dict[str, Any]:
        """The User resource; attributes the employee mapping lacks (the gate withheld them) are left out."""
        body: dict[str, Any] = {"schemas": [USER, ENTERPRISE], "userName": self.user_name(employee),
                                "active": active}
        number = str(employee.get("employee_number") or "")
        if number:
            body["externalId"] = number  # our stable id: never reused, unlike e-mail addresses
        if employee.get("full_name"):
            body["displayName"] = str(employee["full_name"])
            body["name"] = {"formatted": str(employee["full_name"])}
        if employee.get("email"):
            body["emails"] = [{"value": str(employee["email"]), "type": "work", "primary": True}]
        if employee.get("phone"):
            body["phoneNumbers"] = [{"value": str(employee["phone"]), "type": "mobile"}]
        for ours, theirs in (("position", "title"), ("language", "preferredLanguage"),
                             ("timezone", "timezone")):
            if employee.get(ours):
                body[theirs] = str(employee[ours])
        enterprise = {theirs: str(employee[ours]) for ours, theirs in (
            ("employee_number", "employeeNumber"), ("organization", "organization"), ("site", "division"),
            ("department", "department")) if employee.get(ours)}
        if employee.get("manager_account_id"):
            enterprise["manager"] = {"value": str(employee["manager_account_id"])}
        body[ENTERPRISE] = enterprise
        return body

    # --- the adapter interface ------------------------------------------------------------------------

    def provision(self, employee: Mapping[str, Any], rules: Mapping[str, Any]) -> str:
        body = self.user(employee)
        try:
            created = self.client.request("POST", "/Users", json=body)
        except ScimError as exc:
            if exc.status != 409:
                raise
            existing = self.find(body["userName"])
            if existing is None:  # 409 for another attribute (an externalId clash, say): nothing to adopt
                raise
            self.client.request("PUT", f"/Users/{existing}", json={**body, "id": existing})
            return existing
        if not created or not created.get("id"):
            raise ScimError("POST", "/Users", 201, None, "the created User has no id")
        return str(created["id"])

    def find(self, user_name: str) -> str | None:
        """The id of the User with this userName (compared as the server does: case-insensitively)."""
        quoted = user_name.replace("\\", "\\\\").replace('"', '\\"')
        answer = self.client.request("GET", "/Users", params={"filter": f'userName eq "{quoted}"',
                                                             "attributes": "id,userName"}) or {}
        for resource in answer.get("Resources") or []:
            if str(resource.get("userName", "")).lower() == user_name.lower() and resource.get("id"):
                return str(resource["id"])
        return None

    def update(self, account_id: str, employee: Mapping[str, Any]) -> None:
        self.client.request("PUT", f"/Users/{account_id}", json={**self.user(employee), "id": account_id})

    def deactivate(self, account_id: str) -> None:
        operation = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]}
        try:
            self.client.request("PATCH", f"/Users/{account_id}", json=operation)
        except ScimError as exc:
            if exc.status == 404:
                return  # deleted in the SCIM server already: nothing left to switch off
            if exc.status not in (405, 501):
                raise
            current = self.client.request("GET", f"/Users/{account_id}") or {}
            current.pop("meta", None)
            self.client.request("PUT", f"/Users/{account_id}", json={**current, "active": False})

    def pull_check_ins(
        self, since: datetime, until: datetime, account_ids: Sequence[str]
    ) -> Iterator[Mapping[str, Any]]:
        return iter(())  # SCIM provisions accounts; it has no attendance records to read
