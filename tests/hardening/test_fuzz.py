"""schemathesis fuzzes every operation of the served OpenAPI document, anonymously and as a caller who may use it
(an administrator's token for staff endpoints, the interview's link token for candidate endpoints): no request
yields a server error or a stack trace in its body.

Bounded for CI: a few examples per operation and per caller, SQLite only (the views, not the database, are under
test here; the other tests run both backends).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from candor.auth.models import Role
from candor.auth.permissions import ROLE_PERMISSIONS
from candor.interviews.models import Interview
from candor.state import get_state

from .conftest import World

EXAMPLES_PER_OPERATION = 20
#: Text that only a stack trace or a debugger page puts in a body.
TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "werkzeug.debug", "sqlalchemy.exc.", "psycopg.")


@pytest.fixture
def candor_settings(candor_settings: dict[str, Any]) -> dict[str, Any]:
    # The fuzzer calls candidate endpoints hundreds of times a minute; rate limits have their own tests.
    return {**candor_settings, "rate_limit_enabled": False}


def _callers(operation: Any, world: World) -> list[dict[str, str]]:
    security = operation.definition.raw.get("security") or []
    schemes = {name for requirement in security for name in requirement}
    callers: list[dict[str, str]] = [{}]
    if "bearerToken" in schemes:
        callers.append(world.bearer("admin"))
        wanted = set(operation.definition.raw["x-candor-access"]["permissions"])
        holder = next(role for role in Role if wanted <= {p.value for p in ROLE_PERMISSIONS[role]})
        if holder != Role.ADMIN:  # reviewers' and auditors' endpoints are fuzzed as one of them too
            callers.append(world.bearer(holder.value))
    if "candidateToken" in schemes:
        callers.append(world.candidate("a"))
    return callers


def _problems(case: Any, response: Any) -> str | None:
    body = response.content.decode("utf-8", "replace")
    if any(marker in body for marker in TRACE_MARKERS):
        return f"a stack trace in the body: {body[:300]}"
    if case.path == "/readyz" and response.status_code == 503:
        return None  # not ready is an answer, not a failure (no worker or broker runs in this test)
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except BaseExceptionGroup as exc:  # schemathesis raises a group of check failures
        return f"{response.status_code}: {str(exc)[:300]}"
    return None


def _known_ids(client: Any, world: World) -> dict[str, int]:
    """Ids of rows that exist, so that examples reach past the "not found" checks into the handlers."""
    headers = world.candidate("a")
    notice = client.get("/api/v1/candidate/notice", headers=headers).get_json()
    decided = client.post("/api/v1/candidate/consent", headers=headers, json={
        "notice_hash": notice["hash"], "language": "en", "decisions": {p["purpose"]: True for p in notice["purposes"]}})
    assert decided.status_code == 201, decided.get_json()
    answer = client.post(f"/api/v1/candidate/questions/{world.questions_a[0]}/answers", headers=headers,
                         json={"mime_type": "video/webm", "total_bytes": 4096})
    assert answer.status_code == 201, answer.get_json()
    with get_state(client.application).db.transaction() as session:
        candidate_id = session.get(Interview, world.interview_a).candidate_id
    dsar = client.post("/api/v1/dsar", headers=world.bearer("admin"), json={"candidate_id": candidate_id,
                                                                            "kind": "access"})
    assert dsar.status_code == 201, dsar.get_json()
    return {"interview_id": world.interview_a, "question_id": world.questions_a[0],
            "answer_id": answer.get_json()["answer"]["id"], "job_id": world.job_id,
            "organization_id": world.organization_id, "request_id": dsar.get_json()["id"],
            "token_id": 1, "suspension_id": 1, "event_id": 1, "employee_id": 1}


@pytest.mark.candor_backends("sqlite")
def test_no_request_breaks_the_server(candor_app: Any, world: World) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", candor_app)
    known = _known_ids(candor_app.test_client(), world)
    database = get_state(candor_app).db
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50

    for operation in operations:
        callers = _callers(operation, world)

        strategy = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                             operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @given(case=strategy)
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def fuzz(case: Any) -> None:
            variants = [(headers, case.path_parameters) for headers in callers]
            if case.path_parameters:  # the same request again, about rows that exist, by the caller who may ask
                real = {name: known.get(name, value) for name, value in case.path_parameters.items()}
                variants.append((callers[-1], real))
            for headers, path_parameters in variants:
                case.path_parameters = path_parameters
                response = case.call(headers={**(case.headers or {}), **headers})
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                database.remove_session()
                problem = _problems(case, response)
                if problem:
                    failures.append(f"{case.method} {case.formatted_path} as {sorted(headers) or 'anonymous'}: "
                                    f"{problem}")

        fuzz()
    print("responses by status:", dict(sorted(statuses.items())))
    assert not failures, "\n".join(failures[:40])
