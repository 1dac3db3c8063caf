"""The record of each file import: which file (by hash), what kind, what happened, by whom and when.

It holds counts and anomaly codes only, never a cell value or a file name (names of exported files often
carry a person's name), so it can be kept as long as the audit log.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class ImportOutcome(StrEnum):
    DRY_RUN = "dry_run"  # checked only; nothing written
    IMPORTED = "imported"  # every row written in one transaction
    REFUSED = "refused"  # anomalies found; nothing written
    FAILED = "failed"  # a row failed while writing; everything rolled back


class ImportRun(Base):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # jobs, candidates
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(10))
    encoding: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[ImportOutcome] = mapped_column(String(20))
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_existing: Mapped[int] = mapped_column(Integer, default=0)
    rows_with_anomalies: Mapped[int] = mapped_column(Integer, default=0)
    #: ``{anomaly code: count}``, e.g. ``{"invalid_phone": 3}``.
    anomaly_counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: The row whose write failed (``failed`` runs), as the spreadsheet numbers it.
    failed_row: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
