"""Writing events into the outbox: one row per target connector, in the caller's transaction, each with a
delivery unit of work that the task queue sends after that transaction commits (so an event exists exactly
when the change that caused it does)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from candor.outbox.connectors import connector_named, ehr_connectors
from candor.outbox.models import EventType, OutboxEvent, OutboxState
from candor.tasks import enqueue

DELIVER_KIND = "core.deliver_outbox"
SUBJECT_PATTERN = re.compile(r"^candidate:[0-9]+$")
#: Keys that would put contact details into an event; ``data`` carries ids and results only.
CONTACT_KEYS = frozenset({"email", "phone", "full_name", "name", "first_name", "last_name", "address"})


class OutboxError(ValueError):
    """An event cannot be written; the message says which argument was wrong and what is expected."""


def emit(
    session: Session,
    event_type: str,
    subject: str,
    data: Mapping[str, Any],
    *,
    connectors: Sequence[str] | None = None,
) -> list[int]:
    """Record an event for delivery to HR systems; returns the new outbox event ids (one per connector).

    :param event_type: one of ``interview.completed``, ``result.ready``, ``decision.made``, ``data.erased``,
        ``consent.withdrawn``.
    :param subject: ``"candidate:<id>"``; events of one subject reach each connector in the order emitted.
    :param data: ids and results, JSON-serialisable, no contact details.
    :param connectors: connector names; every enabled EHR connector when ``None``.
    """
    state = session.info.get("candor.state")
    if state is None:
        raise OutboxError("This session does not belong to a Candor app; use state.db.transaction().")
    try:
        kind = EventType(event_type)
    except ValueError:
        raise OutboxError(f"Unknown event type {event_type!r}; expected one of "
                          f"{', '.join(e.value for e in EventType)}.") from None
    if not SUBJECT_PATTERN.match(subject):
        raise OutboxError(f"subject {subject!r} must be 'candidate:<id>'.")
    leaked = sorted(CONTACT_KEYS & {str(key).lower() for key in data})
    if leaked:
        raise OutboxError(f"data must hold ids and results only; remove {', '.join(leaked)}.")
    targets = [connector_named(state, name) for name in connectors] if connectors is not None else list(
        ehr_connectors(state).values())
    ids: list[int] = []
    for target in targets:
        event = OutboxEvent(idempotency_key=f"evt_{secrets.token_hex(16)}", event_type=kind.value,
                            subject=subject, plugin=target.plugin, connector=target.name, data=dict(data),
                            state=OutboxState.PENDING, attempts=0)
        session.add(event)
        session.flush()  # JSON problems and the id surface here, in the caller
        enqueue(session, DELIVER_KIND, {"event_id": event.id})
        ids.append(event.id)
    return ids
