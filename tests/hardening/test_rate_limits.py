"""Rate limits with a clear 429 and Retry-After: staff sign-in per address and per account, candidate endpoints per
link and per address; counts in memory per process, or in Redis shared by every process of an installation."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from candor.app import create_app
from candor.config import ConfigError
from candor.state import get_state
from candor.testing import REDIS_URL, STAFF_PASSWORD, csrf_token_from, redis_available

from .conftest import World


def _attempt(client: Any, email: str, password: str = "wrong password", address: str = "203.0.113.5") -> Any:
    environ = {"REMOTE_ADDR": address}
    page = client.get("/admin/login", environ_base=environ)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base=environ)


def _refused(response: Any) -> int:
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60
    return seconds


@pytest.fixture
def candor_settings(candor_settings: dict[str, Any]) -> dict[str, Any]:
    return {**candor_settings, "rate_limit_login": "3 per minute", "rate_limit_login_account": "5 per minute",
            "rate_limit_candidate_token": "5 per minute", "rate_limit_candidate_ip": "8 per minute"}


def test_sign_in_is_limited_per_address(candor_app: Any, make_staff: Any) -> None:
    user = make_staff("admin")
    client = candor_app.test_client()
    for _ in range(3):
        assert _attempt(client, user.email).status_code == 401
    refused = _attempt(client, user.email)
    seconds = _refused(refused)
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html" and "Too many sign-in attempts" in page and f"Wait {seconds} seconds" in page
    # Even the right password waits: the limit is on attempts, not on failures.
    assert _attempt(client, user.email, STAFF_PASSWORD).status_code == 429
    # Showing the form is not limited, and another address signs in.
    assert client.get("/admin/login", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 200
    assert _attempt(candor_app.test_client(), user.email, STAFF_PASSWORD, address="198.51.100.7").status_code == 302


def test_sign_in_is_limited_per_account_from_any_address(candor_app: Any, make_staff: Any) -> None:
    user, other = make_staff("reviewer"), make_staff("reviewer")
    for number in range(5):  # one guess from each of five addresses: the per-address limit never trips
        assert _attempt(candor_app.test_client(), user.email, address=f"192.0.2.{number + 1}").status_code == 401
    _refused(_attempt(candor_app.test_client(), user.email.upper(), address="192.0.2.99"))
    assert _attempt(candor_app.test_client(), other.email, STAFF_PASSWORD, address="192.0.2.99").status_code == 302


def test_candidate_endpoints_are_limited_per_link(candor_app: Any, world: World) -> None:
    client = candor_app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/candidate/interview", headers=world.candidate("a")).status_code == 200
    for _ in range(2):  # the count is per link across the candidate endpoints, not per endpoint
        assert client.get("/api/v1/candidate/notice", headers=world.candidate("a")).status_code == 200
    refused = client.get("/api/v1/candidate/interview", headers=world.candidate("a"))
    seconds = _refused(refused)
    body = refused.get_json()
    assert body["error"] == "too_many_requests" and body["retry_after"] == seconds
    assert f"Wait {seconds} seconds" in body["message"] and world.token_a not in refused.get_data(as_text=True)
    # Uploads count too, and another candidate's link is unaffected.
    assert client.put(f"/api/v1/candidate/answers/{world.questions_a[0]}/content", data=b"x",
                      headers={**world.candidate("a"), "Content-Range": "bytes 0-0/1"}).status_code == 429
    assert client.get("/api/v1/candidate/interview", headers=world.candidate("b")).status_code == 200


def test_candidate_endpoints_are_limited_per_address(candor_app: Any, world: World) -> None:
    client = candor_app.test_client()
    for which in "ab" * 4:  # 4 calls per link, 8 from the address
        assert client.get("/api/v1/candidate/interview", headers=world.candidate(which)).status_code == 200
    _refused(client.get("/api/v1/candidate/interview", headers=world.candidate("b")))
    # Calls without a link, or with a forged one, count against the address as well.
    _refused(client.get("/api/v1/candidate/interview", headers={"Authorization": "Candidate forged"}))
    elsewhere = {"REMOTE_ADDR": "198.51.100.20"}
    assert client.get("/api/v1/candidate/interview", headers=world.candidate("b"),
                      environ_base=elsewhere).status_code == 200


def test_limits_disabled_and_bad_limits(candor_settings: dict[str, Any]) -> None:
    app = create_app({**candor_settings, "rate_limit_enabled": False})
    client = app.test_client()
    for _ in range(12):
        assert client.get("/api/v1/candidate/interview").status_code == 401
    get_state(app).db.dispose()
    with pytest.raises(ConfigError, match="rate_limit_login = '10 a minute'.*CANDOR_RATE_LIMIT_LOGIN"):
        create_app({**candor_settings, "rate_limit_login": "10 a minute"})


def test_counts_are_shared_through_redis_by_every_process(candor_settings: dict[str, Any], world: World) -> None:
    if not redis_available():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    shared = {**candor_settings, "rate_limit_storage": REDIS_URL, "queue_name": f"rl-{secrets.token_hex(4)}"}
    # Two apps on one database and one Redis stand for two web processes of one installation.
    first, second = create_app(shared), create_app(shared)
    headers = world.candidate("a")
    for app in (first, second, first, second, first):
        assert app.test_client().get("/api/v1/candidate/interview", headers=headers).status_code == 200
    _refused(second.test_client().get("/api/v1/candidate/interview", headers=headers))
    _refused(first.test_client().get("/api/v1/candidate/interview", headers=headers))
    # Another installation sharing the Redis server keeps its own counts.
    other = create_app({**shared, "queue_name": f"rl-{secrets.token_hex(4)}"})
    assert other.test_client().get("/api/v1/candidate/interview", headers=headers).status_code == 200
    for app in (first, second, other):
        get_state(app).db.dispose()
