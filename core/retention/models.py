"""Legal holds, the purge log and the lock that keeps two retention runs from overlapping.

The purge log holds categories, counts and row ids only: never personal data.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class HoldScope(StrEnum):
    CANDIDATE = "candidate"
    JOB = "job"
    ORGANIZATION = "organization"


class LegalHold(Base):
    """While a hold is active (not released), nothing in its scope is purged or erased."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[HoldScope] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(300))  # a case reference; no personal data
    placed_by: Mapped[str] = mapped_column(String(100))  # an actor (user:N)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
    released_by: Mapped[str | None] = mapped_column(String(100))


class RetentionPurge(Base):
    """One category purged in one run: how many rows and which ids."""

    __tablename__ = "retention_purges"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(30))
    purged: Mapped[int] = mapped_column(Integer, default=0)
    ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    held: Mapped[int] = mapped_column(Integer, default=0)  # due but kept because of a legal hold
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RetentionLock(Base):
    """A single row (id 1): a run holds it until ``held_until``; ``last_run_at`` makes the sweep cheap."""

    __tablename__ = "retention_lock"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_until: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
