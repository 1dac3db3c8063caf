"""The audit tables: entries (the hash chain), signed checkpoints, and the one-row chain head.

Entries and checkpoints are append-only: triggers created by the ``0003_audit`` migration refuse UPDATE and
DELETE on both databases. The head row is the lock every append takes and a cache of the last entry; the
truth is the chain itself, which ``candor audit verify --db`` recomputes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base

HEAD_ROW_ID = 1


class AuditEntry(Base):
    """One thing that happened: who did what to which subject (ids only), why, and how it went."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    purpose: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """An Ed25519 signature over the chain head at one moment, linked to the checkpoint before it."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    head_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime]
    prev_checkpoint_hash: Mapped[str] = mapped_column(String(64))
    checkpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(100))


class AuditChainHead(Base):
    """The single row (id 1) that serialises appends: each append updates it first, which takes the row
    lock on PostgreSQL and the write lock on SQLite, then reads the head it now owns."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime | None]


#: PostgreSQL only (migration ``0017_audit_staging``): entries of open transactions, chained by a trigger as
#: they commit (``candor.audit.chain``). Outside the models' metadata: SQLite appends without it.
audit_staging = Table(
    "audit_staging", MetaData(),
    Column("id", BigInteger, primary_key=True),
    Column("actor", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("purpose", String(100), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("details", JSON, nullable=False),
    Column("before_prev", Text, nullable=False),
    Column("before_seq", Text, nullable=False),
    Column("before_time", Text, nullable=False),
)
