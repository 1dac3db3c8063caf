"""``POST /plugins/webhooks/inbound``: malformed, unsigned, wrongly signed, stale and replayed webhooks are
refused with clear 4xx answers; accepted ones become jobs and applicants, the same applicant twice one
candidate, and the sealed payload is cleared once processed."""

from __future__ import annotations

import json
import secrets
import time

import pytest
from sqlalchemy import func, select

from candor.interviews.models import Candidate
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.outbox.models import InboundMessage, InboundState
from candor_plugins.webhooks.signing import parse_secrets, signed_headers

from .helpers import OLD_SECRET, SECRET, run_queued

JOB = {"type": "job.created", "timestamp": "2026-01-05T09:00:00Z",
       "data": {"external_ref": "REQ-1001", "title": "Data Analyst", "location": "DE", "language": "en"}}
APPLICANT = {"type": "applicant.created", "timestamp": "2026-01-05T09:05:00Z",
             "data": {"external_ref": "P-77", "job_ref": "REQ-1001", "full_name": "Ines Varga",
                      "email": "ines.varga@example.org", "phone": "+49 30 1234567"}}


@pytest.fixture
def webhook_settings():
    return {"region": "EU", "inbound_secrets": SECRET}


def _post(client, message, *, secret: str = SECRET, message_id: str | None = None,
          timestamp: int | None = None, headers: dict[str, str] | None = None):
    body = message if isinstance(message, str) else json.dumps(message)
    signed = signed_headers(parse_secrets(secret), message_id or f"msg_{secrets.token_hex(8)}", body,
                            timestamp=timestamp)
    return client.post("/plugins/webhooks/inbound", data=body.encode(),
                       headers={**signed, "content-type": "application/json"} if headers is None else headers)


def test_refusals_say_what_was_wrong(app, state) -> None:
    client = app.test_client()
    unsigned = _post(client, JOB, headers={"content-type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.get_json()["error"] == "unsigned"
    assert "webhook-id" in unsigned.get_json()["message"]
    wrong = _post(client, JOB, secret=OLD_SECRET)
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "bad_signature"
    stale = _post(client, JOB, timestamp=int(time.time()) - 600)
    assert stale.status_code == 400 and stale.get_json()["error"] == "stale"
    assert "300 s" in stale.get_json()["message"]
    malformed = _post(client, "{not json")
    assert malformed.status_code == 400 and malformed.get_json()["error"] == "malformed"
    unknown = _post(client, {"type": "applicant.deleted", "data": {}})
    assert unknown.status_code == 422 and "applicant.created" in unknown.get_json()["message"]
    missing = _post(client, {"type": "applicant.created", "data": {"external_ref": "P-1"}})
    assert missing.status_code == 422 and "job_ref, full_name, email" in missing.get_json()["message"]
    extra = _post(client, {"type": "job.created", "data": {**JOB["data"], "salary": "1"}})
    assert extra.status_code == 422 and "salary" in extra.get_json()["message"]

    first = _post(client, JOB, message_id="msg_once")
    assert first.status_code == 202
    replay = _post(client, JOB, message_id="msg_once")  # same id, freshly signed: still a replay
    assert replay.status_code == 409 and replay.get_json()["error"] == "replayed"
    with state.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
    for response in (unsigned, wrong, stale, malformed, unknown, missing, replay):
        assert "ines" not in response.get_data(as_text=True).lower()


def test_jobs_and_applicants_arrive_once(app, state) -> None:
    with state.db.transaction() as session:
        if session.get(Organization, 1) is None:
            session.add(Organization(id=1, name="Acme", slug="acme-inbound", jurisdictions=["DE"]))
    client = app.test_client()
    assert _post(client, APPLICANT).status_code == 202  # before its job: waits and is retried
    assert _post(client, JOB).status_code == 202
    assert _post(client, APPLICANT).status_code == 202  # the same applicant again, as a new message
    run_queued(app, timeout=60)
    with state.db.transaction() as session:
        jobs = select(func.count()).select_from(Job).where(Job.external_ref == "REQ-1001")
        assert session.scalar(jobs) == 1
        assert session.scalar(select(func.count()).select_from(Candidate)) == 1
        rows = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [row.state for row in rows] == [InboundState.PROCESSED] * 3
        assert all(row.payload_sealed is None for row in rows)  # the candidate's record holds the data now
        assert rows[0].result["candidate_id"] == rows[2].result["candidate_id"]


def test_not_configured_answers_503(candor_settings, receiver) -> None:
    from candor.state import get_state

    from .helpers import make_app

    app = make_app(candor_settings, receiver.url, secrets="")  # no inbound or outbound secret
    try:
        response = _post(app.test_client(), JOB)
        assert response.status_code == 503 and "inbound_secrets" in response.get_json()["message"]
    finally:
        get_state(app).db.dispose()
