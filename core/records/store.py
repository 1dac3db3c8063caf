"""Keeping versions: the records are rebuilt on every request and stored when their fingerprint is new, so the
history shows when plugins or packs changed what the organisation declares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from candor import audit
from candor.records.build import build
from candor.records.models import GeneratedRecord

if TYPE_CHECKING:
    from candor.state import CandorState


def current(state: CandorState) -> tuple[dict[str, Any], int, bool]:
    """The records as they stand now: ``(record, version id, whether this version is new)``."""
    with state.db.transaction(immediate=True) as session:
        record = build(state, session)
        existing = session.scalar(
            select(GeneratedRecord).where(GeneratedRecord.fingerprint == record["fingerprint"])
        )
        if existing is not None:
            return record, existing.id, False
        row = GeneratedRecord(fingerprint=record["fingerprint"], content=record)
        session.add(row)
        session.flush()
        audit.record(
            session,
            "system.records_generate",
            f"records:{row.id}",
            purpose="operations",
            details={"fingerprint": record["fingerprint"]},
        )
        return record, row.id, True


def versions(state: CandorState) -> list[dict[str, Any]]:
    with state.db.transaction() as session:
        rows = session.execute(
            select(GeneratedRecord.id, GeneratedRecord.fingerprint, GeneratedRecord.generated_at).order_by(
                GeneratedRecord.id
            )
        ).all()
        return [{"version": i, "fingerprint": f, "generated_at": at.isoformat()} for i, f, at in rows]
