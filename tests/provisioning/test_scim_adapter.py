"""The SCIM provisioning adapter against a real SCIM 2.0 server (``scim2-server``), directly and through a
faulty proxy: create, update, deactivate; a duplicate userName adopted; refusals with the SCIM error type;
5xx, dropped connections and an outage retried or reported as unavailable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.scim_server import FaultyProxy, ScimServer

from candor_plugins import scim_provisioning
from candor_plugins.scim_provisioning.adapter import ENTERPRISE, USER, ScimAdapter
from candor_plugins.scim_provisioning.client import ScimError, ScimUnavailable

EMPLOYEE = {"employee_number": "E-1042", "full_name": "林美", "email": "Mei.Lin@acme.example",
            "phone": "+8613800138000", "position": "Backend Engineer", "site": "Shanghai HQ",
            "organization": "Acme Robotics", "language": "zh-CN", "timezone": "Asia/Shanghai"}


@pytest.fixture
def scim() -> Iterator[ScimServer]:
    server = ScimServer().start()
    yield server
    server.stop()


@pytest.fixture
def proxy(scim) -> Iterator[FaultyProxy]:
    faulty = FaultyProxy(scim.base_url)
    yield faulty
    faulty.stop()


def adapter_for(base_url: str, token: str, **settings) -> ScimAdapter:
    [adapter] = scim_provisioning.candor_register_attendance_adapters(
        {"base_url": base_url, "token": token, "timeout_seconds": 2.0, "retries": 3, "backoff_seconds": 0.01,
         "user_name": "email", "region": "", **settings})
    return adapter


def test_provision_update_deactivate_in_the_scim_server(scim):
    adapter = adapter_for(scim.base_url, scim.token)
    assert adapter.takes_rules is False
    account = adapter.provision(EMPLOYEE, {})
    [user] = scim.users()
    assert user["id"] == account and user["active"] is True
    assert user["userName"] == "mei.lin@acme.example" and user["externalId"] == "E-1042"
    assert user["name"]["formatted"] == "林美" and user["title"] == "Backend Engineer"
    assert user["emails"][0]["value"] == "Mei.Lin@acme.example" and user["timezone"] == "Asia/Shanghai"
    assert set(user["schemas"]) == {USER, ENTERPRISE}
    assert user[ENTERPRISE]["employeeNumber"] == "E-1042" and user[ENTERPRISE]["division"] == "Shanghai HQ"

    adapter.update(account, {**EMPLOYEE, "position": "Tech Lead"})
    assert scim.user(account)["title"] == "Tech Lead"
    adapter.deactivate(account)
    assert scim.user(account)["active"] is False
    adapter.deactivate(account)  # twice is harmless
    adapter.deactivate("no-such-account")  # gone already: nothing to switch off
    assert list(adapter.pull_check_ins(None, None, [account])) == []  # type: ignore[arg-type]


def test_a_second_provision_adopts_the_existing_account(scim):
    adapter = adapter_for(scim.base_url, scim.token)
    first = adapter.provision(EMPLOYEE, {})
    again = adapter.provision({**EMPLOYEE, "position": "Staff Engineer"}, {})
    assert again == first and len(scim.users()) == 1
    assert scim.user(first)["title"] == "Staff Engineer"
    # an account an administrator made by hand, deactivated, is adopted and switched on
    by_hand = scim.add_user({"schemas": [USER], "userName": "chen.jie@acme.example", "active": False})
    adopted = adapter.provision({**EMPLOYEE, "employee_number": "E-2001", "email": "chen.jie@acme.example"}, {})
    assert adopted == by_hand and scim.user(by_hand)["active"] is True and len(scim.users()) == 2


def test_refusals_carry_the_scim_error_type_and_are_not_retried(scim):
    adapter = adapter_for(scim.base_url, scim.token)
    before = adapter.client.attempts
    with pytest.raises(ScimError) as refused:
        adapter.client.request("POST", "/Users", json={"schemas": [USER], "active": "maybe", "userName": "x"})
    assert refused.value.status == 400 and refused.value.scim_type == "invalidValue"
    assert "active" in str(refused.value) and adapter.client.attempts == before + 1
    with pytest.raises(ScimError) as missing:
        adapter.client.request("POST", "/Users", json={"schemas": [USER]})
    assert "userName" in str(missing.value)
    wrong = adapter_for(scim.base_url, "not-the-token")
    with pytest.raises(ScimError, match="401.*token setting") as unauthorised:
        wrong.provision(EMPLOYEE, {})
    assert "mei" not in str(unauthorised.value).lower()
    with pytest.raises(ValueError, match="employee_number"):
        adapter_for(scim.base_url, scim.token, user_name="employee_number").provision(
            {"full_name": "No Number"}, {})
    assert scim.users() == []


def test_5xx_and_dropped_connections_are_retried_and_an_outage_reported(scim, proxy):
    adapter = adapter_for(proxy.base_url, scim.token)
    proxy.fail_next, proxy.drop_next = 2, 1
    account = adapter.provision(EMPLOYEE, {})
    assert [u["id"] for u in scim.users()] == [account]
    assert proxy.received == 4 and proxy.forwarded == 1  # a drop, 503, 503, then through
    # the server makes the account but its answer is lost: the retried create meets 409 and adopts it
    second = {**EMPLOYEE, "employee_number": "E-3003", "email": "wang.fang@acme.example"}
    proxy.lose_answer_next = 1
    created = adapter.provision(second, {})
    assert len(scim.users()) == 2 and scim.user(created)["userName"] == "wang.fang@acme.example"
    adapter.client.retries = 1
    proxy.fail_next = 2
    with pytest.raises(ScimUnavailable, match="failed 2 times.*HTTP 503"):
        adapter.update(created, second)
    adapter.client.retries = 3
    proxy.go_down()
    with pytest.raises(ScimUnavailable, match="failed 4 times"):
        adapter.deactivate(account)
    proxy.come_up()
    adapter.deactivate(account)
    assert scim.user(account)["active"] is False
