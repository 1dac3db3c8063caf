"""The unit of work, as stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class WorkState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # gave up after max_attempts; ``last_error`` says why
    CANCELLED = "cancelled"  # e.g. consent withdrawn before it ran


class WorkItem(Base):
    """One unit of work. ``payload`` holds ids and options only, never personal data."""

    __tablename__ = "work_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # Whose personal data the unit processes and why, so a withdrawal of consent can cancel it.
    subject_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    purpose: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[WorkState] = mapped_column(String(20), default=WorkState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    not_before: Mapped[datetime | None]
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
