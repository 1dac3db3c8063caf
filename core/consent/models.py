"""Consent records and the gate's decisions, as stored.

A consent record is never changed except to note its withdrawal: a new decision is a new row, so the
history of what the candidate agreed to, and when, stays whole. Evidence holds no raw personal data: the IP
address is kept only as a keyed hash, the user agent only truncated.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class ConsentChannel(StrEnum):
    WEB = "web"  # the candidate page
    EMAIL = "email"  # a link in a message
    API = "api"  # recorded by an integration on the candidate's behalf
    STAFF = "staff"  # recorded by staff from a written statement


class ConsentRecord(Base):
    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"), index=True)
    #: Set instead of ``candidate_id`` for an employee's onboarding consent (the employee is a data subject
    #: of its own: recruiting consent does not carry over).
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[str] = mapped_column(String(200))
    notice_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(20))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawal_channel: Mapped[str | None] = mapped_column(String(20))


class GateDecision(Base):
    """One answer of the purpose gate: which plugin, for what purpose, allowed or why not.

    Refusals are shown on the interview ("face analysis skipped: no separate consent") and never silent.
    """

    __tablename__ = "gate_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id"), index=True)
    plugin: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    allowed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(default=utcnow)
