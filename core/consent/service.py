"""Recording consent decisions and withdrawals, and reading what is consented to now.

A withdrawal takes effect at once: the records are marked, every queued or running unit of work for that
candidate and purpose is cancelled (a running one's writes are rolled back when it tries to finish), and every
HR system that received the candidate's data is told through the outbox.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from candor import audit
from candor.consent.models import ConsentChannel, ConsentRecord
from candor.db import utcnow
from candor.declarations import Purpose
from candor.tasks.models import WorkItem, WorkState


class ConsentError(ValueError):
    """The decision cannot be recorded as given; the message says what to change."""


@dataclass(frozen=True)
class Evidence:
    """How the decision was made. The IP address is hashed with a key here and never stored."""

    language: str
    channel: ConsentChannel
    user_agent: str | None = None
    ip_address: str | None = None


def subject_ref(candidate_id: int) -> str:
    return f"candidate:{candidate_id}"


def _whose(candidate_id: int | None, employee_id: int | None) -> tuple[Any, str]:
    """The records' filter and the subject reference, for a candidate or (onboarding) an employee."""
    if (candidate_id is None) == (employee_id is None):
        raise ConsentError("Name either the candidate or the employee whose consent this is.")
    if employee_id is not None:
        return ConsentRecord.employee_id == employee_id, f"employee:{employee_id}"
    return ConsentRecord.candidate_id == candidate_id, subject_ref(candidate_id)  # type: ignore[arg-type]


def granted_purposes(session: Session, candidate_id: int | None = None, *,
                     employee_id: int | None = None) -> set[Purpose]:
    """Purposes whose latest decision is a grant that has not been withdrawn."""
    whose, _ = _whose(candidate_id, employee_id)
    rows = session.scalars(select(ConsentRecord).where(whose).order_by(ConsentRecord.id)).all()
    latest: dict[str, ConsentRecord] = {}
    for row in rows:
        latest[row.purpose] = row
    return {Purpose(p) for p, row in latest.items() if row.granted and row.withdrawn_at is None}


def record_decisions(
    session: Session,
    *,
    candidate_id: int | None = None,
    employee_id: int | None = None,
    interview_id: int | None,
    decisions: Mapping[Purpose | str, bool],
    notice_version: str,
    notice_hash: str,
    offered: Iterable[Purpose],
    evidence: Evidence,
    ip_key: bytes,
) -> list[ConsentRecord]:
    """Store one record per purpose decided, each in the audit chain."""
    _, subject = _whose(candidate_id, employee_id)
    allowed = set(offered)
    records = []
    if not decisions:
        raise ConsentError("No decision given: send a granted or refused decision for each purpose.")
    for raw_purpose, granted in decisions.items():
        try:
            purpose = Purpose(raw_purpose)
        except ValueError:
            raise ConsentError(f"{raw_purpose!r} is not a purpose.") from None
        if purpose not in allowed:
            raise ConsentError(f"The notice does not ask consent for {purpose}; decide only what it asks.")
        if not isinstance(granted, bool):
            raise ConsentError(f"The decision for {purpose} must be true or false.")
        record = ConsentRecord(
            candidate_id=candidate_id, employee_id=employee_id, interview_id=interview_id,
            purpose=purpose.value, granted=granted,
            notice_version=notice_version, notice_hash=notice_hash, language=evidence.language,
            channel=evidence.channel.value, user_agent=(evidence.user_agent or "")[:200] or None,
            ip_hash=keyed_ip_hash(ip_key, evidence.ip_address),
        )
        session.add(record)
        records.append(record)
        audit.record(session, "consent.grant" if granted else "consent.refuse", subject,
                     purpose=purpose.value, details={"notice": notice_hash[:16], "channel": evidence.channel.value})
    session.flush()
    return records


@dataclass(frozen=True)
class Withdrawal:
    purposes: tuple[Purpose, ...]
    records: int
    cancelled_work: int
    notified_connectors: tuple[str, ...] = ()


def withdraw(
    session: Session,
    *,
    candidate_id: int | None = None,
    employee_id: int | None = None,
    purposes: Iterable[Purpose | str] | None,
    channel: ConsentChannel,
) -> Withdrawal:
    """Withdraw consent for ``purposes`` (every granted one when None) and stop work done under them."""
    whose, subject = _whose(candidate_id, employee_id)
    current = granted_purposes(session, candidate_id, employee_id=employee_id)
    chosen = current if purposes is None else {Purpose(p) for p in purposes}
    now = utcnow()
    marked = session.execute(
        update(ConsentRecord)
        .where(whose, ConsentRecord.purpose.in_([p.value for p in chosen]),
               ConsentRecord.granted.is_(True), ConsentRecord.withdrawn_at.is_(None))
        .values(withdrawn_at=now, withdrawal_channel=channel.value)
    ).rowcount or 0
    cancelled = session.execute(
        update(WorkItem)
        .where(WorkItem.subject_ref == subject,
               WorkItem.purpose.in_([p.value for p in chosen]),
               WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING]))
        .values(state=WorkState.CANCELLED, finished_at=now, last_error="consent withdrawn")
    ).rowcount or 0
    for purpose in sorted(chosen):
        audit.record(session, "consent.withdraw", subject, purpose=purpose.value,
                     details={"channel": channel.value, "cancelled_work": cancelled})
    told = _tell_hr_systems(session, candidate_id, chosen) if chosen and candidate_id is not None else []
    return Withdrawal(tuple(sorted(chosen)), int(marked), int(cancelled), tuple(told))


def _tell_hr_systems(session: Session, candidate_id: int, purposes: set[Purpose]) -> list[str]:
    """Every enabled HR-system connector that received this candidate's data hears of the withdrawal, through
    the outbox (in this transaction, so the withdrawal and the notice to them commit together)."""
    from candor.dsar.models import ConnectorDisclosure
    from candor.outbox import emit
    from candor.outbox.connectors import ehr_connectors

    state = session.info.get("candor.state")
    if state is None:
        return []
    received = set(session.scalars(select(ConnectorDisclosure.connector)
                                   .where(ConnectorDisclosure.candidate_id == candidate_id)))
    targets = sorted(received & set(ehr_connectors(state)))
    if targets:
        emit(session, "consent.withdrawn", subject_ref(candidate_id),
             {"purposes": sorted(p.value for p in purposes)}, connectors=targets)
    return targets


def keyed_ip_hash(key: bytes, ip_address: str | None) -> str | None:
    """Proves the same address made two decisions without keeping the address."""
    if not ip_address:
        return None
    return hmac.new(key, b"candor.consent.ip|" + ip_address.encode(), hashlib.sha256).hexdigest()
