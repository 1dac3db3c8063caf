"""The life of a data-subject request: receiving it with its due date, checking the requester's identity,
moving it through its statuses, and finding the overdue ones.

Due dates come from the packs of every job the candidate applied to: the shortest deadline for the kind of
request wins. A deadline whose basis says "one month" (GDPR Art. 12(3)) is also capped at one calendar month,
which is shorter than 30 days in February. With no pack giving a deadline, ``DEFAULT_DEADLINE_DAYS`` (30)
applies: the shortest statutory answer time among the regimes Candor ships packs for, apart from PIPL's.

Identity: a one-time code is sent to the e-mail address on file (never to an address the requester gives) and
compared by keyed hash, with few attempts and a short life; or an administrator attests that they checked
identity, naming what they saw (a code from ``EVIDENCE_KINDS``). Requests made through the candidate's own
signed interview link are verified by that link, which only the candidate's inbox received.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.dsar.models import (
    OPEN_STATUSES,
    DataSubjectRequest,
    IdentityMethod,
    IdentityState,
    RequestStatus,
    RequestType,
)
from candor.interfaces import Message
from candor.interviews.models import Candidate, Interview
from candor.jobs.models import Job
from candor.policy.schema import RequestKind

if TYPE_CHECKING:
    from candor.state import CandorState

DEFAULT_DEADLINE_DAYS = 30
CODE_LIFETIME = timedelta(hours=24)
CODE_ATTEMPTS = 5
EVIDENCE_KINDS = ("id_document_seen", "in_person", "known_contact_call", "signed_letter")
ONE_MONTH = re.compile(r"\bone month\b", re.IGNORECASE)

#: The kind of request each deadline of the packs governs.
DEADLINE_KIND = {
    RequestType.ACCESS: RequestKind.ACCESS,
    RequestType.PORTABILITY: RequestKind.PORTABILITY,
    RequestType.ERASURE: RequestKind.ERASURE,
    RequestType.RECTIFICATION: RequestKind.RECTIFICATION,
    RequestType.EXPLANATION: RequestKind.EXPLANATION,
    RequestType.OPT_OUT: RequestKind.OBJECTION,  # objecting to automated evaluation
}


class DsarError(Exception):
    """A request cannot do what was asked; the message says why and what to do."""


def add_month(moment: datetime) -> datetime:
    """The same day and time one calendar month later (the month's last day when it has fewer days)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def due_date(
    state: CandorState, session: Session, candidate_id: int, kind: RequestType, received_at: datetime
) -> tuple[datetime, str]:
    """When the answer is due and why: ``(due_at, "<pack>: <basis>")`` or the documented default."""
    locations = session.scalars(
        select(Job.location)
        .join(Interview, Interview.job_id == Job.id)
        .where(Interview.candidate_id == candidate_id)
        .distinct()
    ).all()
    best: tuple[datetime, str] | None = None
    for location in locations:
        deadline = state.policies.for_location(location).request_deadlines.get(DEADLINE_KIND[kind])
        if deadline is None:
            continue
        due = received_at + timedelta(days=deadline.days)
        if ONE_MONTH.search(deadline.basis):
            due = min(due, add_month(received_at))
        if best is None or due < best[0]:
            best = (due, f"{deadline.pack}: {deadline.basis}"[:300])
    if best is None:
        return received_at + timedelta(days=DEFAULT_DEADLINE_DAYS), f"default: {DEFAULT_DEADLINE_DAYS} days"
    return best


def create_request(
    state: CandorState,
    session: Session,
    candidate_id: int,
    kind: RequestType | str,
    *,
    channel: str = "staff",
    details: dict[str, Any] | None = None,
    received_at: datetime | None = None,
) -> DataSubjectRequest:
    try:
        kind = RequestType(kind)
    except ValueError:
        raise DsarError(f"Unknown request kind {kind!r}; use one of: {', '.join(RequestType)}.") from None
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise DsarError(f"No candidate with id {candidate_id}.")
    if candidate.subject.erased:
        raise DsarError("This candidate was erased; nothing is left to request.")
    received = received_at or utcnow()
    due_at, basis = due_date(state, session, candidate_id, kind, received)
    request = DataSubjectRequest(
        kind=kind,
        candidate_id=candidate_id,
        channel=channel,
        received_at=received,
        due_at=due_at,
        due_basis=basis,
        details=details or {},
        result={},
        status=RequestStatus.RECEIVED,
        identity_state=IdentityState.PENDING,
        code_attempts=0,
        reason="",
    )
    if channel == IdentityMethod.CANDIDATE_LINK:
        _verified(request, IdentityMethod.CANDIDATE_LINK, by="candidate_link", evidence=None)
    session.add(request)
    session.flush()
    audit.record(
        session,
        "admin.dsar_receive",
        f"candidate:{candidate_id}",
        purpose="data_subject_request",
        details={"request": request.id, "kind": kind.value, "channel": channel},
    )
    return request


def _code_hash(state: CandorState, request_id: int, code: str) -> str:
    key = hashlib.sha256(b"candor.dsar-code|" + state.app_secret.encode()).digest()
    return hmac.new(key, f"{request_id}|{code}".encode(), hashlib.sha256).hexdigest()


def _email_notifier(state: CandorState) -> Any:
    for _plugin, notifiers in state.plugins.call_each("candor_register_notifiers"):
        for notifier in notifiers:
            if getattr(notifier, "channel", "") == "email":
                return notifier
    return None


def send_code(state: CandorState, session: Session, request: DataSubjectRequest) -> None:
    """Send a one-time code to the e-mail address on file; only its keyed hash is kept."""
    _require_open(request)
    candidate = session.get(Candidate, request.candidate_id)
    if candidate is None or not candidate.email:
        raise DsarError(
            "No e-mail address is on file for this candidate; an administrator must attest "
            "identity instead (candor dsar attest ID --evidence ...)."
        )
    notifier = _email_notifier(state)
    if notifier is None:
        raise DsarError(
            "No e-mail notifier plugin is enabled, so a code cannot be sent; enable one or have "
            "an administrator attest identity."
        )
    code = f"{secrets.randbelow(10**8):08d}"
    request.code_hash = _code_hash(state, request.id, code)
    request.code_expires_at = utcnow() + CODE_LIFETIME
    request.code_attempts = 0
    request.identity_state = IdentityState.CODE_SENT
    request.identity_method = IdentityMethod.EMAIL_CODE
    request.status = RequestStatus.VERIFYING
    body = (
        f"Your verification code for your request about your personal data is {code}. It is valid for 24 "
        "hours. If you did not make this request, ignore this message."
    )
    notifier.send(Message(to=candidate.email, subject="Your verification code", body=body))
    audit.record(
        session,
        "admin.dsar_code_sent",
        f"candidate:{request.candidate_id}",
        purpose="data_subject_request",
        details={"request": request.id},
    )


def check_code(state: CandorState, session: Session, request: DataSubjectRequest, code: str) -> bool:
    """Compare a code; after ``CODE_ATTEMPTS`` wrong ones or once expired the request needs a new code."""
    _require_open(request)
    if request.identity_state != IdentityState.CODE_SENT or request.code_hash is None:
        raise DsarError("No code is pending for this request; send one first.")
    if request.code_expires_at is None or request.code_expires_at <= utcnow():
        raise DsarError("The code expired; send a new one.")
    request.code_attempts += 1
    if hmac.compare_digest(request.code_hash, _code_hash(state, request.id, code.strip())):
        _verified(request, IdentityMethod.EMAIL_CODE, by="email_code", evidence=None)
        request.code_hash = None
        audit.record(
            session,
            "admin.dsar_verify",
            f"candidate:{request.candidate_id}",
            purpose="data_subject_request",
            details={"request": request.id, "method": "email_code"},
        )
        return True
    if request.code_attempts >= CODE_ATTEMPTS:
        request.identity_state = IdentityState.FAILED
        request.code_hash = None
    audit.record(
        session,
        "admin.dsar_verify",
        f"candidate:{request.candidate_id}",
        outcome="failure",
        purpose="data_subject_request",
        details={"request": request.id, "attempt": request.code_attempts},
    )
    return False


def attest(session: Session, request: DataSubjectRequest, *, actor: str, role: str, evidence: str) -> None:
    """An administrator attests having checked the requester's identity, saying how."""
    _require_open(request)
    if role != "admin":
        raise DsarError("Only an administrator may attest a requester's identity.")
    if evidence not in EVIDENCE_KINDS:
        raise DsarError(f"Say how identity was checked: one of {', '.join(EVIDENCE_KINDS)}.")
    _verified(request, IdentityMethod.STAFF_ATTESTATION, by=actor, evidence=evidence)
    audit.record(
        session,
        "admin.dsar_verify",
        f"candidate:{request.candidate_id}",
        purpose="data_subject_request",
        details={"request": request.id, "method": "staff_attestation", "evidence": evidence},
    )


def _verified(request: DataSubjectRequest, method: IdentityMethod, *, by: str, evidence: str | None) -> None:
    request.identity_state = IdentityState.VERIFIED
    request.identity_method = method
    request.identity_checked_by = by
    request.identity_checked_at = utcnow()
    request.identity_evidence = evidence
    request.status = RequestStatus.IN_PROGRESS


def _require_open(request: DataSubjectRequest) -> None:
    if request.status not in OPEN_STATUSES:
        raise DsarError(f"Request {request.id} is {request.status}; it cannot change any more.")


def require_verified(request: DataSubjectRequest) -> None:
    _require_open(request)
    if request.identity_state != IdentityState.VERIFIED:
        raise DsarError(
            f"Request {request.id}: the requester's identity is not verified yet; send a code "
            "(candor dsar send-code ID) or have an administrator attest it (candor dsar attest ID)."
        )


def complete(session: Session, request: DataSubjectRequest, *, handler: str, result: dict[str, Any]) -> None:
    request.status = RequestStatus.COMPLETED
    request.completed_at = utcnow()
    request.handler = handler
    request.result = result
    audit.record(
        session,
        "admin.dsar_complete",
        f"candidate:{request.candidate_id}",
        purpose="data_subject_request",
        details={"request": request.id, "kind": request.kind},
    )


def reject(session: Session, request: DataSubjectRequest, *, handler: str, reason: str) -> None:
    _require_open(request)
    request.status = RequestStatus.REJECTED
    request.rejected_at = utcnow()
    request.handler = handler
    request.reason = reason[:300]
    audit.record(
        session,
        "admin.dsar_reject",
        f"candidate:{request.candidate_id}",
        purpose="data_subject_request",
        details={"request": request.id},
    )


def overdue(session: Session, *, now: datetime | None = None) -> list[DataSubjectRequest]:
    """Open requests past their due date, oldest due first."""
    return list(
        session.scalars(
            select(DataSubjectRequest)
            .where(
                DataSubjectRequest.status.in_([s.value for s in OPEN_STATUSES]),
                DataSubjectRequest.due_at < (now or utcnow()),
            )
            .order_by(DataSubjectRequest.due_at)
        )
    )


def summary(request: DataSubjectRequest) -> dict[str, Any]:
    """A JSON view of a request: ids, kinds, states and times only."""

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": request.id,
        "kind": request.kind,
        "candidate_id": request.candidate_id,
        "status": request.status,
        "channel": request.channel,
        "received_at": iso(request.received_at),
        "due_at": iso(request.due_at),
        "due_basis": request.due_basis,
        "overdue": request.status in OPEN_STATUSES and request.due_at < utcnow(),
        "identity": {
            "state": request.identity_state,
            "method": request.identity_method,
            "checked_by": request.identity_checked_by,
            "at": iso(request.identity_checked_at),
            "evidence": request.identity_evidence,
        },
        "handler": request.handler,
        "completed_at": iso(request.completed_at),
        "rejected_at": iso(request.rejected_at),
        "reason": request.reason,
        "details": request.details,
        "result": request.result,
    }
