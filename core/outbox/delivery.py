"""Delivering one outbox event: ordering, the purpose gate, the push, and what happens after.

The rules, each enforced here and nowhere else:
- per (candidate, connector) order: an event waits while an earlier one of its stream is pending, and is
  ``held`` while an earlier one is dead (it resumes when that one is delivered);
- personal events (results, decisions) pass the purpose gate (purpose ``recruitment``; cross-border transfer
  consent when the connector's region is outside the job's jurisdictions); a refusal is recorded, not retried;
- a failed push is retried after a random wait of up to ``base * 2**(n-1)`` seconds (exponential backoff with
  full jitter), and after ``outbox_max_attempts`` the event is dead (the doctor warns, admins retry);
- the idempotency key is the same on every try, so a push repeated after a crash (pushed, then killed before
  the result was stored) is recognised by the receiver as a duplicate.

No transaction is open while the connector is called: on SQLite that would hold the database's only write
lock for as long as the HR system takes to answer.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.outbox.connectors import RegisteredConnector, ehr_connectors
from candor.outbox.crossborder import refusal_reasons
from candor.outbox.emit import DELIVER_KIND
from candor.outbox.models import (
    PERSONAL_EVENTS,
    SETTLED,
    DeliveryAttempt,
    EventType,
    OutboxEvent,
    OutboxState,
)
from candor.tasks import enqueue

if TYPE_CHECKING:
    from candor.interfaces import WorkContextLike
    from candor.state import CandorState

log = logging.getLogger(__name__)
MIN_ORDER_WAIT = 0.25  # seconds between looks at a pending predecessor


@dataclass(frozen=True)
class _Snapshot:
    """What the push needs, read in a short transaction so that none is open during the push."""

    id: int
    key: str
    event_type: str
    subject: str
    plugin: str
    connector: str
    data: dict[str, Any]
    created_at: str


def deliver(state: CandorState, context: WorkContextLike) -> dict[str, Any]:
    """The ``core.deliver_outbox`` work handler: one try at one event; returns what happened."""
    event_id = int(context.payload["event_id"])
    with state.db.transaction() as session:
        event = session.get(OutboxEvent, event_id)
        if event is None:
            return {"outcome": "gone"}
        if event.state != OutboxState.PENDING:
            return {"outcome": f"already {event.state}"}
        blocker = _nearest_unsettled_predecessor(session, event)
        snapshot = _Snapshot(event.id, event.idempotency_key, event.event_type, event.subject, event.plugin,
                             event.connector, dict(event.data or {}), event.created_at.isoformat())
    if blocker is not None:
        return _wait_behind(state, event_id, blocker)

    target = ehr_connectors(state).get(snapshot.connector)
    if target is None:
        return _record_failure(state, snapshot, f"the connector {snapshot.connector!r} is not enabled", 0.0)
    if EventType(snapshot.event_type) in PERSONAL_EVENTS and _refused_by_gate(state, snapshot, target):
        return {"outcome": "refused"}

    started = time.monotonic()
    try:
        receipt = target.connector.push_event(_wire_event(snapshot), snapshot.key)
    except Exception as exc:  # any failure of the connector is retried; its message stays out of the logs
        log.warning("outbox event %s to %s failed (%s)", snapshot.id, snapshot.connector, type(exc).__name__)
        return _record_failure(state, snapshot, f"{type(exc).__name__}: {str(exc)[:300]}",
                               time.monotonic() - started)
    return _record_success(state, snapshot, dict(receipt or {}), time.monotonic() - started)


def _wire_event(snapshot: _Snapshot) -> dict[str, Any]:
    return {"id": snapshot.key, "type": snapshot.event_type, "subject": snapshot.subject,
            "occurred_at": snapshot.created_at, "data": snapshot.data}


def _nearest_unsettled_predecessor(session: Session, event: OutboxEvent) -> int | None:
    return session.scalar(
        select(OutboxEvent.id)
        .where(OutboxEvent.subject == event.subject, OutboxEvent.connector == event.connector,
               OutboxEvent.id < event.id, OutboxEvent.state.not_in([str(s) for s in SETTLED]))
        .order_by(OutboxEvent.id.desc()).limit(1)
    )


def _locked(session: Session, event_id: int) -> OutboxEvent | None:
    """The event, row-locked on PostgreSQL (SQLite's immediate transaction already serialises writers)."""
    return session.scalars(select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()).first()


def _wait_behind(state: CandorState, event_id: int, blocker_id: int) -> dict[str, Any]:
    with state.db.transaction(immediate=True) as session:
        blocker = _locked(session, blocker_id)
        event = session.get(OutboxEvent, event_id)
        if event is None or event.state != OutboxState.PENDING:
            return {"outcome": "gone"}
        if blocker is None or blocker.state in SETTLED:
            enqueue(session, DELIVER_KIND, {"event_id": event_id})  # it settled meanwhile: go again now
            return {"outcome": "retry_now", "after": blocker_id}
        if blocker.state in (OutboxState.DEAD, OutboxState.HELD):
            event.state = OutboxState.HELD  # resumed by the blocker's delivery (see _resume_held)
            return {"outcome": "held", "behind": blocker_id}
        wait = MIN_ORDER_WAIT
        if blocker.next_attempt_at is not None:
            wait = max(wait, (blocker.next_attempt_at - utcnow()).total_seconds() + 0.05)
        wait = min(wait, state.settings.outbox_backoff_cap_seconds)
        enqueue(session, DELIVER_KIND, {"event_id": event_id}, delay=wait)
        return {"outcome": "waiting", "behind": blocker_id, "seconds": round(wait, 3)}


def _refused_by_gate(state: CandorState, snapshot: _Snapshot, target: RegisteredConnector) -> bool:
    with state.db.transaction(immediate=True) as session:
        reasons = refusal_reasons(state, session, snapshot.subject, snapshot.data, target)
        if not reasons:
            return False
        event = _locked(session, snapshot.id)
        if event is None or event.state != OutboxState.PENDING:
            return True
        event.attempts += 1
        event.state = OutboxState.REFUSED
        event.last_error = "refused: " + ", ".join(reasons)
        session.add(DeliveryAttempt(event_id=event.id, number=event.attempts, outcome="refused",
                                    detail=event.last_error[:500]))
        audit.record(session, "plugin.ehr_deliver", snapshot.subject, purpose="recruitment", outcome="denied",
                     details={"event": snapshot.id, "connector": snapshot.connector, "codes": reasons[:10]})
    return True


def _record_success(state: CandorState, snapshot: _Snapshot, receipt: dict[str, Any],
                    seconds: float) -> dict[str, Any]:
    with state.db.transaction(immediate=True) as session:
        event = _locked(session, snapshot.id)
        if event is None or event.state != OutboxState.PENDING:
            return {"outcome": "duplicate"}  # another run stored it first; the receiver deduplicated the push
        event.attempts += 1
        event.state = OutboxState.DELIVERED
        event.delivered_at = utcnow()
        event.next_attempt_at = None
        event.receipt = receipt
        event.last_error = None
        session.add(DeliveryAttempt(event_id=event.id, number=event.attempts, outcome="delivered",
                                    receipt=receipt, seconds=round(seconds, 4)))
        if EventType(snapshot.event_type) in PERSONAL_EVENTS:
            _note_disclosure(session, snapshot, receipt)
        audit.record(session, "plugin.ehr_deliver", snapshot.subject, purpose="recruitment",
                     details={"event": snapshot.id, "connector": snapshot.connector,
                              "event_type": snapshot.event_type})
        _resume_held(session, snapshot)
    return {"outcome": "delivered", "attempt": event.attempts}


def _record_failure(state: CandorState, snapshot: _Snapshot, error: str, seconds: float) -> dict[str, Any]:
    settings = state.settings
    with state.db.transaction(immediate=True) as session:
        event = _locked(session, snapshot.id)
        if event is None or event.state != OutboxState.PENDING:
            return {"outcome": "duplicate"}
        event.attempts += 1
        event.last_error = error[:500]
        session.add(DeliveryAttempt(event_id=event.id, number=event.attempts, outcome="failed",
                                    detail=error[:500], seconds=round(seconds, 4)))
        if event.attempts >= settings.outbox_max_attempts:
            event.state = OutboxState.DEAD
            event.dead_at = utcnow()
            event.next_attempt_at = None
            audit.record(session, "system.outbox_dead", snapshot.subject, purpose="recruitment",
                         outcome="failure", details={"event": snapshot.id, "connector": snapshot.connector,
                                                     "attempts": event.attempts})
            log.error("outbox event %s to %s is dead after %s attempts; see GET /api/v1/outbox/dead",
                      snapshot.id, snapshot.connector, event.attempts)
            return {"outcome": "dead", "attempt": event.attempts}
        delay = backoff_seconds(event.attempts, settings.outbox_backoff_base_seconds,
                                settings.outbox_backoff_cap_seconds)
        event.next_attempt_at = utcnow() + timedelta(seconds=delay)
        enqueue(session, DELIVER_KIND, {"event_id": event.id}, delay=delay)
        return {"outcome": "retry", "attempt": event.attempts, "seconds": round(delay, 3)}


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
    return random.uniform(0.0, min(cap, base * 2.0 ** max(0, attempt - 1)))  # noqa: S311 - jitter, not security


def _resume_held(session: Session, snapshot: _Snapshot) -> None:
    held = session.scalars(
        select(OutboxEvent).where(OutboxEvent.subject == snapshot.subject,
                                  OutboxEvent.connector == snapshot.connector,
                                  OutboxEvent.id > snapshot.id, OutboxEvent.state == OutboxState.HELD)
        .order_by(OutboxEvent.id)
    ).all()
    for event in held:  # each waits behind the one before it again, so order holds
        event.state = OutboxState.PENDING
        enqueue(session, DELIVER_KIND, {"event_id": event.id})


def _note_disclosure(session: Session, snapshot: _Snapshot, receipt: dict[str, Any]) -> None:
    """Remember that this connector received the candidate's data, so that erasure reaches it."""
    from candor.dsar.models import ConnectorDisclosure
    from candor.interviews.models import Candidate

    candidate_id = int(snapshot.subject.split(":", 1)[1])
    if session.scalar(select(Candidate.id).where(Candidate.id == candidate_id)) is None:
        return
    reference = str(receipt.get("reference") or snapshot.data.get("external_ref") or snapshot.key)[:200]
    known = session.scalar(select(ConnectorDisclosure.id).where(
        ConnectorDisclosure.candidate_id == candidate_id, ConnectorDisclosure.plugin == snapshot.plugin,
        ConnectorDisclosure.connector == snapshot.connector, ConnectorDisclosure.reference == reference))
    if known is None:
        session.add(ConnectorDisclosure(candidate_id=candidate_id, plugin=snapshot.plugin,
                                        connector=snapshot.connector, reference=reference))


def retry_event(session: Session, event_id: int) -> OutboxEvent:
    """Give a dead (or refused) event a fresh set of attempts; raises ``LookupError``/``ValueError``."""
    event = _locked(session, event_id)
    if event is None:
        raise LookupError(f"No outbox event {event_id}.")
    if event.state not in (OutboxState.DEAD, OutboxState.REFUSED):
        raise ValueError(f"Outbox event {event_id} is {event.state}; only dead or refused events can be "
                         "retried.")
    event.state = OutboxState.PENDING
    event.attempts = 0
    event.dead_at = None
    event.next_attempt_at = None
    enqueue(session, DELIVER_KIND, {"event_id": event.id})
    audit.record(session, "admin.outbox_retry", event.subject, purpose="recruitment",
                 details={"event": event.id, "connector": event.connector})
    return event
