"""Verifying the chain in the live database: every entry from the first, every checkpoint, and the head row,
with the same ``ChainVerifier`` an auditor runs on a bundle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from candor.audit.chain import format_time
from candor.audit.models import HEAD_ROW_ID, AuditChainHead, AuditCheckpoint, AuditEntry
from candor.audit.signing import checkpoint_dict, signing_key
from candor.audit.verify import GENESIS_HASH, ChainVerifier, VerificationError, key_id, verify_checkpoints

_BATCH = 5000


@dataclass(frozen=True)
class LiveReport:
    ok: bool
    message: str
    entries: int
    checkpoints: int
    head_seq: int

    def to_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "failed", "message": self.message, "entries": self.entries,
                "checkpoints": self.checkpoints, "head_seq": self.head_seq}


def verify_database(state: Any) -> LiveReport:
    """Recompute the whole chain; never raises for bad evidence, it reports it."""
    public_key = signing_key(state.settings.data_dir).public_key()
    chain = ChainVerifier(1, GENESIS_HASH, {})
    checkpoints_seen = 0
    try:
        with state.db.engine.connect() as connection:
            stored = connection.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
            checkpoints = verify_checkpoints((checkpoint_dict(row) for row in stored), public_key)
            checkpoints_seen = checkpoints.count
            chain.signed_heads = checkpoints.heads
            rows = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(
                select(AuditEntry).order_by(AuditEntry.seq))
            for row in rows:
                chain.feed({"seq": row.seq, "time": format_time(row.recorded_at), "actor": row.actor,
                            "action": row.action, "subject": row.subject, "purpose": row.purpose,
                            "outcome": row.outcome, "details": row.details, "prev_hash": row.prev_hash,
                            "hash": row.hash})
            head = connection.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ROW_ID)).first()
        last_signed = max(checkpoints.heads, default=0)
        if last_signed > chain.last_seq:
            raise VerificationError(f"entry {chain.last_seq + 1}: missing; a signed checkpoint covers entry "
                                    f"{last_signed} but the chain ends at {chain.last_seq} (tail truncated).")
        if head is None or (head.seq, head.hash) != (chain.last_seq, chain.prev_hash):
            raise VerificationError(f"the chain head row does not match the last entry ({chain.last_seq}); "
                                    "entries were removed or the head was altered.")
    except VerificationError as exc:
        return LiveReport(False, str(exc), chain.included, checkpoints_seen, chain.last_seq)
    message = (f"OK: entries 1..{chain.last_seq} verified, {checkpoints_seen} signed checkpoints, "
               f"key {key_id(public_key)}.")
    return LiveReport(True, message, chain.included, checkpoints_seen, chain.last_seq)
