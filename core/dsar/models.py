"""Data-subject requests as stored: the request, its identity check, its export packages and the erasure
receipts of the systems the data was disclosed to.

No personal data lives in these tables: the candidate is named by id, one-time codes only as keyed hashes,
rectified values only in the candidate's own encrypted fields (the request records which fields changed).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class RequestType(StrEnum):
    ACCESS = "access"
    PORTABILITY = "portability"
    ERASURE = "erasure"
    RECTIFICATION = "rectification"
    EXPLANATION = "explanation"
    OPT_OUT = "opt_out"  # of AI evaluation


class RequestStatus(StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"  # a one-time code was sent; waiting for it
    IN_PROGRESS = "in_progress"  # identity verified; being handled
    COMPLETED = "completed"
    REJECTED = "rejected"


class IdentityState(StrEnum):
    PENDING = "pending"
    CODE_SENT = "code_sent"
    VERIFIED = "verified"
    FAILED = "failed"  # too many wrong codes


class IdentityMethod(StrEnum):
    EMAIL_CODE = "email_code"  # a one-time code sent to the e-mail address on file
    STAFF_ATTESTATION = "staff_attestation"  # an administrator attests having checked identity
    CANDIDATE_LINK = "candidate_link"  # made through the candidate's own signed interview link


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.VERIFYING, RequestStatus.IN_PROGRESS)


class DataSubjectRequest(Base):
    __tablename__ = "dsar_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestType] = mapped_column(String(20))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    status: Mapped[RequestStatus] = mapped_column(String(20), default=RequestStatus.RECEIVED, index=True)
    channel: Mapped[str] = mapped_column(String(20), default="staff")  # staff, candidate_link, api
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(index=True)
    #: Which pack (and article) set the deadline, or ``default``.
    due_basis: Mapped[str] = mapped_column(String(300), default="")
    identity_state: Mapped[IdentityState] = mapped_column(String(20), default=IdentityState.PENDING)
    identity_method: Mapped[str | None] = mapped_column(String(30))
    identity_checked_by: Mapped[str | None] = mapped_column(String(100))  # an actor (user:N), never a name
    identity_checked_at: Mapped[datetime | None]
    identity_evidence: Mapped[str | None] = mapped_column(String(40))  # a code from EVIDENCE_KINDS
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None]
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    handler: Mapped[str | None] = mapped_column(String(100))  # an actor (user:N)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(300), default="")  # why rejected; no personal data
    #: What the request asks or did, ids and field names only (``{"fields": ["email"]}``).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ExportPackage(Base):
    """An access or portability export: an encrypted zip under the data folder, downloadable a few times."""

    __tablename__ = "dsar_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("dsar_requests.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    nonce_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    max_downloads: Mapped[int] = mapped_column(Integer, default=3)
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None]


class ConnectorDisclosure(Base):
    """A connector (an HR system) received this candidate's data under ``reference`` (the system's own id)."""

    __tablename__ = "dsar_disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    plugin: Mapped[str] = mapped_column(String(40))
    connector: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str] = mapped_column(String(200))  # the HR system's record id, not personal data
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasureReceipt(Base):
    """What one connector answered when asked to erase: ``erased``, ``failed`` or ``unsupported``."""

    __tablename__ = "dsar_erasure_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("dsar_requests.id"), index=True)
    plugin: Mapped[str] = mapped_column(String(40))
    connector: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    receipt: Mapped[str] = mapped_column(String(300), default="")  # the connector's confirmation id
    detail: Mapped[str] = mapped_column(String(300), default="")  # an error class on failure, never data
    at: Mapped[datetime] = mapped_column(default=utcnow)
