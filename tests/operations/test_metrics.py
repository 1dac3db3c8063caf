"""``GET /metrics``: who may read it, what the gauges say about a real upload, a queued unit and a dead letter,
and that no personal data or id-bearing URL reaches a label."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from candor.audit.models import HEAD_ROW_ID, AuditChainHead
from candor.config import ConfigError
from candor.demo import seed_demo
from candor.interviews.models import Candidate
from candor.outbox.models import OutboxEvent, OutboxState
from candor.state import get_state
from tests.interviews.test_answer_uploads import consent, record, upload

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def candor_settings(candor_settings: dict[str, Any]) -> dict[str, Any]:
    return {**candor_settings, "metrics_token": TOKEN, "answer_chunk_bytes": 64 * 1024}


def scrape(client: Any, **kwargs: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = client.get("/metrics", **kwargs)
    assert reply.status_code == 200, reply.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(reply.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_access_by_network_or_token(candor_app: Any) -> None:
    client = candor_app.test_client()
    assert client.get("/metrics").status_code == 200  # loopback, the default network
    remote = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    refused = client.get("/metrics", **remote)
    assert refused.status_code == 403
    assert "CANDOR_METRICS_TOKEN" in refused.get_json()["message"]
    assert client.get("/metrics", headers={"Authorization": "Metrics wrong"}, **remote).status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Metrics {TOKEN}"}, **remote).status_code == 200


def test_access_with_an_api_token_that_may_read_system_state(candor_app: Any, make_staff: Any) -> None:
    from candor.auth.tokens import create_token

    state = get_state(candor_app)
    remote = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    tokens = {}
    for role, scope in (("auditor", "system:read"), ("reviewer", "candidates:read")):
        user = make_staff(role)
        with state.db.transaction() as session:
            tokens[role], _row = create_token(session, session.merge(user), "prometheus", [scope], 30)
    client = candor_app.test_client()
    allowed = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['auditor']}"}, **remote)
    assert allowed.status_code == 200
    refused = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['reviewer']}"}, **remote)
    assert refused.status_code == 403


def test_networks_setting_is_checked(candor_settings: dict[str, Any]) -> None:
    from candor.app import create_app

    with pytest.raises(ConfigError, match="metrics_networks"):
        create_app({**candor_settings, "metrics_networks": "10.0.0.0/8,not-a-network"})
    app = create_app({**candor_settings, "metrics_networks": "203.0.113.0/24", "metrics_token": ""})
    try:
        assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
        assert app.test_client().get("/metrics").status_code == 403  # loopback is no longer listed
    finally:
        get_state(app).db.dispose()


def test_gauges_follow_the_pipeline_without_personal_data(candor_app: Any, tmp_path) -> None:
    state = get_state(candor_app)
    client = candor_app.test_client()
    with state.db.transaction() as session:
        demo = seed_demo(state, session, questions=1, answer_seconds=60, think_seconds=5)
    headers = {"Authorization": f"Candidate {demo.token}"}
    consent(client, headers)
    question = client.get("/api/v1/candidate/interview", headers=headers).get_json()["questions"][0]["id"]
    data, seconds = record(tmp_path / "a.webm", "I solved the customer's problem the same day.")
    _answer_id, reply = upload(client, headers, question, data, seconds)
    assert reply.status_code == 200

    with state.db.transaction() as session:
        event = OutboxEvent(idempotency_key="evt_dead_for_metrics", event_type="data.erased",
                            subject="candidate:1", plugin="webhooks", connector="webhooks",
                            state=OutboxState.DEAD, attempts=8)
        session.add(event)
        head = session.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == HEAD_ROW_ID))

    samples = scrape(client)
    assert samples[("candor_database_up", ())] == 1
    assert samples[("candor_answers", (("state", "uploaded"),))] == 1
    assert samples[("candor_work_items", (("kind", "core.prepare_answer"), ("state", "queued")))] == 1
    assert samples[("candor_work_queue_lag_seconds", (("kind", "core.prepare_answer"),))] >= 0
    assert samples[("candor_outbox_events", (("state", "dead"),))] == 1
    assert samples[("candor_audit_chain_length", ())] >= head > 0
    assert samples[("candor_audit_checkpoint_age_seconds", ())] == -1  # none signed yet
    # The upload's requests were counted by endpoint name, never by URL.
    uploads = [v for (name, labels), v in samples.items()
               if name == "candor_http_requests_total" and ("endpoint", "interview_api.upload") in labels]
    assert sum(uploads) >= 1

    body = client.get("/metrics").get_data(as_text=True)
    with state.db.transaction() as session:
        people = session.scalars(select(Candidate)).all()
        personal = [value for person in people for value in (person.email, person.full_name) if value]
    assert personal and not [value for value in personal if value in body]
    assert "/api/v1/candidate/answers/" not in body and demo.token not in body


def test_a_scrape_while_another_process_creates_its_file(candor_app: Any, tmp_path, monkeypatch) -> None:
    """In multiprocess mode a process's file exists, empty, for a moment before it is filled; a scrape then reads
    the folder again instead of answering 500."""
    import threading

    folder = tmp_path / "prometheus"
    folder.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    client = candor_app.test_client()
    scrape(client)  # warm: the next scrape reaches the folder well before the file below goes
    starting = folder / "counter_4242.db"
    starting.touch()
    vanish = threading.Timer(0.12, starting.unlink)
    vanish.start()
    samples = scrape(client)
    vanish.join()
    assert samples[("candor_database_up", ())] == 1
