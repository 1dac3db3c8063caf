"""The authorization matrix: every endpoint of the URL map (new ones included, automatically) against every role,
a token without the scope, anonymous callers and a candidate's link token, the expected decision coming from the
endpoint's own access declaration; and candidate endpoints, where a link for interview B never reads or writes
interview A's answers or consents."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from candor.auth.models import Role
from candor.auth.permissions import role_allows
from candor.interviews.models import Answer
from candor.openapi import access_of, operation_methods
from candor.state import get_state

from .conftest import NARROW_SCOPE, World

#: An id no row has: staff requests reach their handlers without changing anything that exists.
ABSENT_ID = 987654
#: Endpoints whose view narrows its declared permission on purpose, with the reason; callers listed are refused
#: although the declaration alone would let them in.
NARROWED = {
    "auth_api.new_token": ({"admin", "recruiter", "narrow"}, "tokens cannot create tokens; a person signs in"),
    "dsar_api.attest_view": ({"recruiter"}, "attesting a requester's identity is for administrators only"),
}
STAFF = [role.value for role in Role]


def _callers(world: World) -> dict[str, dict[str, str]]:
    callers = {role: world.bearer(role) for role in STAFF}
    callers["narrow"] = {"Authorization": f"Bearer {world.narrow_token}"}
    callers["anonymous"] = {}
    callers["candidate"] = world.candidate("b")
    return callers


def _denied(response: Any, method: str) -> bool:
    if response.status_code in (401, 403):
        return True
    # Signed-out staff reading an admin page are sent to sign in (after a POST, a redirect there is the view's own).
    if method == "GET" and response.status_code == 302 and "/admin/login" in response.headers.get("Location", ""):
        return True
    # A cookie-less unsafe request without a CSRF token is refused before any view runs.
    return response.status_code == 400 and (response.get_json(silent=True) or {}).get("error") == "csrf_failed"


def _url(rule: str) -> str:
    return re.sub(r"<int:[^>]+>", str(ABSENT_ID), rule)


def _call(client: Any, method: str, url: str, headers: dict[str, str]) -> Any:
    if method in ("GET", "HEAD"):
        return client.open(url, method=method, headers=headers)
    if url.startswith("/api/"):
        return client.open(url, method=method, headers=headers, json={})
    return client.open(url, method=method, headers=headers, data={})


def _expected(endpoint: str, permissions: tuple[str, ...], caller: str) -> bool:
    if caller in ("anonymous", "candidate"):
        return False
    if endpoint in NARROWED and caller in NARROWED[endpoint][0]:
        return False
    if caller == "narrow":
        return all(p == NARROW_SCOPE.value for p in permissions)
    return all(role_allows(caller, p) for p in permissions)


def test_every_endpoint_against_every_caller(candor_app: Any, world: World) -> None:
    client = candor_app.test_client()
    callers = _callers(world)
    wrong: list[str] = []
    checked = 0
    for rule in sorted(candor_app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        kind, permissions = access_of(candor_app.view_functions[rule.endpoint])
        for method in operation_methods(rule):
            url = _url(rule.rule)
            decisions = {name: not _denied(_call(client, method, url, headers), method)
                         for name, headers in callers.items()}
            get_state(candor_app).db.session.remove()
            checked += 1
            if kind == "requires":
                expected = {name: _expected(rule.endpoint, permissions, name) for name in callers}
                if decisions != expected:
                    diff = {n: f"got {'allow' if decisions[n] else 'deny'}" for n in callers
                            if decisions[n] != expected[n]}
                    wrong.append(f"{method} {rule.rule} requires {list(permissions)}: {diff}")
            else:
                # Public: the caller's staff role or scopes change nothing (links and signatures are checked in the
                # view; anonymous form posts differ only by the CSRF check that cookies need).
                staff_views = {decisions[name] for name in [*STAFF, "narrow"]}
                if len(staff_views) != 1:
                    wrong.append(f"{method} {rule.rule} (public) answers staff differently: {decisions}")
    assert checked >= 90
    assert not wrong, "\n".join(wrong)


def _consent(client: Any, headers: dict[str, str]) -> None:
    notice = client.get("/api/v1/candidate/notice", headers=headers).get_json()
    reply = client.post("/api/v1/candidate/consent", headers=headers, json={
        "notice_hash": notice["hash"], "language": "en", "decisions": {p["purpose"]: True for p in notice["purposes"]}})
    assert reply.status_code == 201, reply.get_json()


def test_a_link_for_interview_b_never_reaches_interview_a(candor_app: Any, world: World) -> None:
    client = candor_app.test_client()
    a, b = world.candidate("a"), world.candidate("b")
    _consent(client, a)
    _consent(client, b)
    created = client.post(f"/api/v1/candidate/questions/{world.questions_a[0]}/answers", headers=a,
                          json={"mime_type": "video/webm", "total_bytes": 2048})
    assert created.status_code == 201
    answer_a = created.get_json()["answer"]["id"]
    assert client.put(f"/api/v1/candidate/answers/{answer_a}/content", data=b"\0" * 1024, headers={
        **a, "Content-Range": "bytes 0-1023/2048"}).status_code == 200
    # A's rows, named in the URLs of every candidate endpoint that takes an id.
    ids_of_a = {"answer_id": answer_a, "question_id": world.questions_a[0]}

    refused = []
    for rule in candor_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/candidate/") or not rule.arguments:
            continue
        unknown = set(rule.arguments) - set(ids_of_a)
        assert not unknown, f"{rule.rule}: name a row of interview A for {unknown} in this test"
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:int:)?{name}>", str(ids_of_a[name]), url)
        for method in operation_methods(rule):
            # Requests that would succeed on B's own rows: only the interview they belong to differs.
            body: dict[str, Any] = {"GET": {}, "POST": {"json": {"mime_type": "video/webm", "total_bytes": 2048}},
                                    "PUT": {"data": b"\1" * 1024}}[method]
            response = client.open(url, method=method, headers={**b, "Content-Range": "bytes 1024-2047/2048"},
                                   **body)
            refused.append((method, rule.rule, response.status_code))
            assert response.status_code == 404, (method, rule.rule, response.status_code, response.get_json())
            assert "answer" not in (response.get_json(silent=True) or {})
    assert len(refused) >= 3

    # Nothing of A changed: the answer still holds A's first piece only and no attempt was added.
    state = get_state(candor_app)
    with state.db.transaction() as session:
        assert session.get(Answer, answer_a).received_bytes == 1024
        assert session.scalar(select(func.count()).where(Answer.interview_id == world.interview_a)) == 1
        assert session.scalar(select(func.count()).where(Answer.interview_id == world.interview_b)) == 0

    # B's own views show B's interview only; B's withdrawal leaves A's consents as they were.
    shown_b = client.get("/api/v1/candidate/interview", headers=b).get_json()
    assert {q["id"] for q in shown_b["questions"]} == set(world.questions_b)
    assert not set(world.questions_b) & set(world.questions_a)
    assert client.post("/api/v1/candidate/withdraw", headers=b, json={}).status_code == 200
    assert client.get("/api/v1/candidate/interview", headers=b).get_json()["consent"]["granted"] == []
    assert client.get("/api/v1/candidate/interview", headers=a).get_json()["consent"]["granted"]
    # And a link opens nothing of the staff API.
    assert client.get(f"/api/v1/interviews/{world.interview_a}/progress", headers=a).status_code == 401
