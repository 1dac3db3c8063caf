"""The employee a hire decision creates, and the employee's accounts in attendance systems.

An employee is a data subject of its own (kind ``employee``): the candidate's name and contact details are
copied into the employee's own encrypted fields at hire, so erasing the recruiting record later leaves the
employment record readable, and erasing the employee does not touch the candidate. ``base_pay`` is personal
too (encrypted, a decimal string). ``rules_id`` names the probation rules (``candor.attendance``'s
``probation_rules`` table); it is kept a plain indexed integer so the two migrations stay independent.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from candor.db import Base, utcnow
from candor.interviews.models import PERSONAL
from candor.vault.fields import Encrypted, SealedBytes
from candor.vault.models import DataSubject, SubjectKind


class EmployeeState(StrEnum):
    PENDING = "pending"  # hired, not started yet
    ACTIVE = "active"  # started; in probation until ``probation_end``
    ENDED = "ended"  # left, or the hire was withdrawn; accounts deactivated


class Employee(Base):
    __tablename__ = "employees"
    __vault_subject_kind__ = SubjectKind.EMPLOYEE

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("data_subjects.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    position: Mapped[str] = mapped_column(String(200))
    site: Mapped[str] = mapped_column(String(200))
    #: IANA time zone of the site ("Asia/Shanghai"); dates and messages are in it.
    timezone: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    probation_end: Mapped[date | None] = mapped_column(Date)
    probation_months: Mapped[int] = mapped_column(default=3)
    #: ``candor.attendance.models.ProbationRules.id``; not a foreign key (see the module docstring).
    rules_id: Mapped[int | None] = mapped_column(index=True)
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)  # what to bring on the first day
    state: Mapped[EmployeeState] = mapped_column(String(20), default=EmployeeState.PENDING, index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    full_name_sealed: Mapped[bytes] = mapped_column("full_name", SealedBytes, info=PERSONAL)
    email_sealed: Mapped[bytes | None] = mapped_column("email", SealedBytes, info=PERSONAL)
    email_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_sealed: Mapped[bytes | None] = mapped_column("phone", SealedBytes, info=PERSONAL)
    base_pay_sealed: Mapped[bytes | None] = mapped_column("base_pay", SealedBytes, info=PERSONAL)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    #: SHA-256 of the nonce in the current employee link (onboarding notice and consent).
    access_nonce_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    subject: Mapped[DataSubject] = relationship(lazy="joined")  # every decryption needs it
    accounts: Mapped[list[AttendanceAccount]] = relationship(back_populates="employee",
                                                             order_by="AttendanceAccount.id")

    full_name = Encrypted()
    email = Encrypted(index="email")
    phone = Encrypted()
    base_pay = Encrypted()

    @property
    def subject_ref(self) -> str:
        return f"employee:{self.id}"

    def to_public_dict(self) -> dict[str, Any]:
        """What the staff API shows: no contact details, no pay."""
        return {
            "id": self.id, "candidate": self.candidate_id, "decision": self.decision_id,
            "organization": self.organization_id, "job": self.job_id, "position": self.position,
            "site": self.site, "timezone": self.timezone, "start_date": self.start_date.isoformat(),
            "probation_end": self.probation_end.isoformat() if self.probation_end else None,
            "rules": self.rules_id, "documents": list(self.documents or []), "state": str(self.state),
            "language": self.language,
            "accounts": [account.to_public_dict() for account in self.accounts],
        }


class AccountState(StrEnum):
    PENDING = "pending"  # provisioning queued (or waiting for consent)
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    FAILED = "failed"  # the attendance system refused; ``last_error`` says why (no personal data)


class AttendanceAccount(Base):
    """The employee's account in one attendance system (one adapter plugin)."""

    __tablename__ = "attendance_accounts"
    __table_args__ = (UniqueConstraint("employee_id", "adapter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    adapter: Mapped[str] = mapped_column(String(100))  # the adapter's name (its plugin's)
    account_id: Mapped[str | None] = mapped_column(String(200), index=True)  # the system's own id
    state: Mapped[AccountState] = mapped_column(String(20), default=AccountState.PENDING, index=True)
    #: Whether face or fingerprint clock-in was switched on (only with ``attendance_biometrics`` consent).
    biometric_clock_in: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    employee: Mapped[Employee] = relationship(back_populates="accounts")

    def to_public_dict(self) -> dict[str, Any]:
        return {"id": self.id, "adapter": self.adapter, "account_id": self.account_id,
                "state": str(self.state),
                "biometric_clock_in": self.biometric_clock_in, "last_error": self.last_error}
