"""Outbox delivery to a real local receiver that verifies every request with ``standardwebhooks``: faults
(receiver down, 500s, timeouts, slow answers), per-candidate ordering, the purpose gate, dead letters with the
admin API and the doctor check. Units of work run through the real work runner in this process."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from candor.auth.tokens import create_token
from candor.consent.models import GateDecision
from candor.declarations import Purpose
from candor.dsar.models import ConnectorDisclosure
from candor.health.checks import run_checks
from candor.outbox import OutboxError, OutboxEvent, OutboxState, emit
from candor.outbox.delivery import backoff_seconds
from candor.outbox.models import DeliveryAttempt

from .helpers import make_candidate, run_queued


def _events(state, ids=None) -> list[OutboxEvent]:
    with state.db.transaction() as session:
        query = select(OutboxEvent).order_by(OutboxEvent.id)
        if ids is not None:
            query = query.where(OutboxEvent.id.in_(ids))
        return list(session.scalars(query).all())


def _emit_many(state, subjects: list[str], per_subject: int) -> list[int]:
    ids: list[int] = []
    with state.db.transaction() as session:
        for n in range(per_subject):
            for subject in subjects:
                ids += emit(session, "data.erased", subject, {"request_id": n, "seq": n})
    return ids


def test_emit_rejects_bad_events_and_writes_nothing_on_rollback(state) -> None:
    with state.db.transaction() as session:
        with pytest.raises(OutboxError, match="Unknown event type 'result.maybe'"):
            emit(session, "result.maybe", "candidate:1", {})
        with pytest.raises(OutboxError, match="must be 'candidate:<id>'"):
            emit(session, "result.ready", "job:1", {})
        with pytest.raises(OutboxError, match="remove email"):
            emit(session, "result.ready", "candidate:1", {"email": "x@example.org"})
        with pytest.raises(LookupError, match="No enabled plugin offers an EHR connector named 'sap'"):
            emit(session, "result.ready", "candidate:1", {}, connectors=["sap"])
    with pytest.raises(RuntimeError), state.db.transaction() as session:
        emit(session, "data.erased", "candidate:1", {"request_id": 1})
        raise RuntimeError("the causing change failed")
    assert _events(state) == []  # the event exists only when the change that caused it does


def test_every_delivery_verifies_and_arrives_once_despite_faults(app, state, receiver) -> None:
    """Down for a while, then 500s, then answers slower than the timeout, then slow but in time."""
    subjects = [f"candidate:{n}" for n in range(1, 5)]
    receiver.stop()  # down: connection refused
    ids = _emit_many(state, subjects, per_subject=3)
    run_queued(app, until=lambda: _attempted(state) >= 4, timeout=30)
    receiver.start()
    receiver.fail_next = 5
    run_queued(app, until=lambda: receiver.requests >= 5, timeout=30)
    receiver.delay = 1.3  # over the connector's 1 s timeout: the receiver stores it, the sender gives up
    run_queued(app, until=lambda: receiver.requests >= 8, timeout=30)
    receiver.delay = 0.3  # slow but in time
    run_queued(app, timeout=120)

    events = _events(state, ids)
    assert [e.state for e in events] == [OutboxState.DELIVERED] * len(ids)
    assert receiver.rejected == 0  # every request verified with the reference library
    assert sorted(receiver.accepted) == sorted(e.idempotency_key for e in events)  # each exactly once
    assert len(receiver.order) == len(ids)
    failures = _attempt_outcomes(state)
    assert failures["failed"] >= 4 and failures["delivered"] == len(ids)
    for subject in subjects:  # per-candidate order held through every retry
        sent = [receiver.accepted[k]["data"]["seq"] for k in receiver.order
                if receiver.accepted[k]["data"]["subject"] == subject]
        assert sent == [0, 1, 2]
    assert all(e.receipt and e.receipt["status"] == 200 for e in events)


def _attempted(state) -> int:
    with state.db.transaction() as session:
        return len(session.scalars(select(DeliveryAttempt.id)).all())


def _attempt_outcomes(state) -> dict[str, int]:
    counts = {"failed": 0, "delivered": 0, "refused": 0}
    with state.db.transaction() as session:
        for outcome in session.scalars(select(DeliveryAttempt.outcome)):
            counts[outcome] += 1
    return counts


def test_order_per_candidate_holds_when_units_run_out_of_order(app, state, receiver) -> None:
    ids = _emit_many(state, ["candidate:7", "candidate:8"], per_subject=6)
    run_queued(app, shuffle=True, timeout=60)
    assert all(e.state == OutboxState.DELIVERED for e in _events(state, ids))
    for subject in ("candidate:7", "candidate:8"):
        seqs = [receiver.accepted[k]["data"]["seq"] for k in receiver.order
                if receiver.accepted[k]["data"]["subject"] == subject]
        assert seqs == list(range(6))


def test_backoff_is_exponential_with_full_jitter() -> None:
    for attempt in range(1, 8):
        samples = [backoff_seconds(attempt, 1.0, 30.0) for _ in range(400)]
        ceiling = min(30.0, 2.0 ** (attempt - 1))
        assert min(samples) >= 0.0 and max(samples) <= ceiling
        assert max(samples) > 0.8 * ceiling and min(samples) < 0.2 * ceiling  # spread over the whole range


@pytest.mark.parametrize("outbox_overrides", [{"outbox_max_attempts": 3}])
def test_dead_letter_after_n_attempts_then_retry_from_the_api(app, state, receiver, make_staff,
                                                              sign_in) -> None:
    receiver.fail_next = 10**6
    with state.db.transaction() as session:
        first = emit(session, "consent.withdrawn", "candidate:3", {"purposes": ["ai_evaluation"]})[0]
        second = emit(session, "data.erased", "candidate:3", {"request_id": 9})[0]
    run_queued(app, timeout=60)
    dead, held = _events(state, [first, second])
    assert (dead.state, dead.attempts) == (OutboxState.DEAD, 3)
    assert "HTTP 500" in dead.last_error
    assert held.state == OutboxState.HELD  # it must not overtake the dead one
    assert receiver.accepted == {}

    warning = [o for o in run_checks(app) if o.name == "outbox_dead_letters"][0].result
    assert warning.status == "warning" and "1 outbox event" in warning.detail and "retry" in warning.hint

    client = sign_in(make_staff("recruiter"))
    assert client.get("/api/v1/outbox/dead").status_code == 403
    headers = {"Authorization": f"Bearer {_admin_token(state, make_staff('admin'))}"}
    client = app.test_client()
    listed = client.get("/api/v1/outbox/dead", headers=headers).get_json()
    assert listed["total"] == 1 and listed["dead"][0]["id"] == first
    assert listed["dead"][0]["attempts"] == 3 and "HTTP 500" in listed["dead"][0]["last_error"]
    conflict = client.post(f"/api/v1/outbox/{second}/retry", headers=headers)
    assert conflict.status_code == 409 and "only dead or refused" in conflict.get_json()["message"]
    assert client.post("/api/v1/outbox/999999/retry", headers=headers).status_code == 404

    receiver.fail_next = 0
    assert client.post(f"/api/v1/outbox/{first}/retry", headers=headers).status_code == 202
    run_queued(app, timeout=60)
    assert [e.state for e in _events(state, [first, second])] == [OutboxState.DELIVERED] * 2
    assert [receiver.accepted[k]["type"] for k in receiver.order] == ["consent.withdrawn", "data.erased"]
    assert [o for o in run_checks(app) if o.name == "outbox_dead_letters"][0].result.status == "ok"


def _admin_token(state, user) -> str:
    with state.db.transaction() as session:
        return create_token(session, session.merge(user), "outbox test", ["outbox:manage"])[0]


@pytest.mark.parametrize("webhook_settings", [{"region": "US"}])  # the receiver keeps data in the US
def test_results_pass_the_purpose_gate_and_cross_border_needs_consent(app, state, receiver) -> None:
    without = make_candidate(app, location="DE", consents=(Purpose.AI_EVALUATION,))
    with_consent = make_candidate(app, location="DE",
                                  consents=(Purpose.AI_EVALUATION, Purpose.CROSS_BORDER_TRANSFER))
    with state.db.transaction() as session:
        refused = emit(session, "result.ready", f"candidate:{without['candidate_id']}",
                       {"interview_id": without["interview_id"], "score": 3.5})[0]
        allowed = emit(session, "result.ready", f"candidate:{with_consent['candidate_id']}",
                       {"interview_id": with_consent["interview_id"], "score": 4.0})[0]
    run_queued(app, timeout=60)
    refused_event, allowed_event = _events(state, [refused, allowed])
    assert refused_event.state == OutboxState.REFUSED and refused_event.attempts == 1
    assert "no_consent:cross_border_transfer" in refused_event.last_error
    assert allowed_event.state == OutboxState.DELIVERED
    assert [receiver.accepted[k]["data"]["score"] for k in receiver.order] == [4.0]
    with state.db.transaction() as session:
        decisions = session.scalars(select(GateDecision).where(GateDecision.plugin == "webhooks")).all()
        assert len(decisions) == 2
        disclosures = session.scalars(select(ConnectorDisclosure)).all()
        assert [(d.candidate_id, d.connector) for d in disclosures] == [
            (with_consent["candidate_id"], "webhooks")]
        assert disclosures[0].reference.startswith("ref-")  # the receiver's own id, for erasure later
