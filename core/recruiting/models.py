"""The records of the recruiting loop: where an application came from, its invitation, and sync cursors.

``Application`` ties an interview to the applicant record in the system it came from (an HR system's
application id, an import run), so results can be written back to that record and erasure can reach it.
``Invitation`` is the invitation of one interview: when it was sent, when the link opens (the policy's notice
lead time), how many reminders went out and when the next is due. ``SyncCursor`` remembers how far a
connector's pulls got. None of them holds personal data: references are the other system's record ids.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class Application(Base):
    """An interview's applicant record in its source: ``source`` is a plugin name (``successfactors``) or
    ``import``/``manual``; ``reference`` that system's application id."""

    __tablename__ = "recruiting_applications"
    __table_args__ = (UniqueConstraint("source", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    source: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InvitationStatus(StrEnum):
    WAITING = "waiting"  # the job has no approved question set yet
    QUEUED = "queued"  # the e-mail is queued
    SENT = "sent"
    FAILED = "failed"  # no channel could deliver it; ``last_error`` says why
    STOPPED = "stopped"  # the interview ended (withdrawn, cancelled) before it went out


class Invitation(Base):
    """The invitation of one interview. The link must not open before ``opens_at`` (notice lead time)."""

    __tablename__ = "recruiting_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"), unique=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    status: Mapped[InvitationStatus] = mapped_column(String(20), default=InvitationStatus.WAITING)
    lead_business_days: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    opens_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    next_reminder_at: Mapped[datetime | None]
    last_reminder_at: Mapped[datetime | None]
    message_ref: Mapped[str | None] = mapped_column(String(300))  # the channel's id of the last message
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncCursor(Base):
    """How far pulls of one connector got, per kind (``jobs``, ``applicants``): the newest modification time
    seen, in the connector's own text form, handed back as ``since`` next time."""

    __tablename__ = "recruiting_sync_cursors"
    __table_args__ = (UniqueConstraint("plugin", "connector", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(40))
    connector: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    since: Mapped[str | None] = mapped_column(String(100))
    last_run_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
