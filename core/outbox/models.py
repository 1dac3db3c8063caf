"""The outbox as stored: events waiting for or done with delivery to one connector, every delivery attempt
with its receipt, and inbound webhook messages (seen ids against replays, sealed payloads until processed).

An ``OutboxEvent`` is written in the transaction of the change that causes it; its ``state`` moves
``pending`` -> ``delivered`` (the connector acknowledged), ``refused`` (the purpose gate said no; not
retried), ``held`` (an earlier event of the same candidate and connector is dead; resumes when that one is
delivered) or
``dead`` (gave up after the configured attempts; an administrator retries it). ``data`` holds ids and results,
never contact details.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from candor.db import Base, utcnow
from candor.vault.fields import Encrypted, SealedBytes
from candor.vault.models import DataSubject, SubjectKind


class EventType(StrEnum):
    INTERVIEW_COMPLETED = "interview.completed"
    RESULT_READY = "result.ready"
    DECISION_MADE = "decision.made"
    DATA_ERASED = "data.erased"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    ONBOARDING_STARTED = "onboarding.started"  # the hire and its probation pay
    ATTENDANCE_REPORT = "attendance.report"  # probation attendance counts and flags, no punch times


#: Events that carry a candidate's results to an HR system and so pass the purpose gate first. Erasure and
#: withdrawal notices carry only references and must reach the systems even after consent is gone.
PERSONAL_EVENTS = frozenset({EventType.INTERVIEW_COMPLETED, EventType.RESULT_READY, EventType.DECISION_MADE})


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    REFUSED = "refused"
    HELD = "held"
    DEAD = "dead"


#: States after which an event no longer blocks later events of its stream.
SETTLED = frozenset({OutboxState.DELIVERED, OutboxState.REFUSED})


class OutboxEvent(Base):
    """One event for one connector. ``idempotency_key`` is stable across retries (the ``webhook-id``)."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_stream", "subject", "connector", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100))  # "candidate:42"
    plugin: Mapped[str] = mapped_column(String(40))
    connector: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[OutboxState] = mapped_column(String(20), default=OutboxState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)  # an error class and status, never payload data
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]

    attempts_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="event", order_by="DeliveryAttempt.id", cascade="all, delete-orphan"
    )

    def to_public_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "idempotency_key": self.idempotency_key, "event_type": self.event_type,
            "subject": self.subject, "plugin": self.plugin, "connector": self.connector,
            "state": str(self.state), "attempts": self.attempts, "last_error": self.last_error,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "dead_at": self.dead_at.isoformat() if self.dead_at else None,
        }


class DeliveryAttempt(Base):
    """One try at delivering an event: ``delivered`` with the connector's receipt, ``failed`` with the error
    class, or ``refused`` with the gate's reason codes."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(String(500), default="")
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    seconds: Mapped[float | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[OutboxEvent] = relationship(back_populates="attempts_log")


class InboundState(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"


class InboundMessage(Base):
    """A verified inbound webhook. ``(source, message_id)`` is unique: a replayed id is refused. The payload
    (which may hold an applicant's name and contact details) is sealed with its own data subject's key and
    cleared once processed."""

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("source", "message_id", name="uq_inbound_source_message"),)
    __vault_subject_kind__ = SubjectKind.CANDIDATE

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("data_subjects.id"), index=True)
    source: Mapped[str] = mapped_column(String(40))  # the plugin that received it
    message_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(40))
    payload_sealed: Mapped[bytes | None] = mapped_column("payload", SealedBytes, info={"personal": True})
    state: Mapped[InboundState] = mapped_column(String(20), default=InboundState.RECEIVED, index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ids only
    last_error: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]

    subject: Mapped[DataSubject | None] = relationship(lazy="joined")

    payload = Encrypted()
