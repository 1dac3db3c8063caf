"""Export bundles: one zip holding ``entries.jsonl``, ``manifest.json``, ``checkpoints.jsonl`` and
``public_key.pem`` (format in ``docs/audit-bundle.md``), verifiable with ``candor.audit.verify`` alone.

The export records itself (``audit.export``) and signs a fresh checkpoint over the head that includes that
entry, in one short transaction; the entries up to that head are then read outside any lock (they never
change). Entries outside the requested time window or kind are written as *omitted* (sequence and hash only),
so the chain from the first exported entry up to the signed head stays checkable and a partial export reveals
no more than asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from candor.audit.chain import KINDS, append_pending, format_time, record
from candor.audit.models import AuditCheckpoint, AuditEntry
from candor.audit.signing import checkpoint_dict, make_checkpoint, public_key_pem, signing_key
from candor.audit.verify import BUNDLE_FORMAT, GENESIS_HASH, key_id, manifest_payload

EXPORT_KINDS = ("all", "consent", "access")
_BATCH = 5000


@dataclass(frozen=True)
class ExportFilter:
    since: datetime | None = None
    until: datetime | None = None
    kind: str = "all"

    def __post_init__(self) -> None:
        if self.kind not in EXPORT_KINDS:
            raise ValueError(f"Unknown kind {self.kind!r}; choose one of {', '.join(EXPORT_KINDS)}.")
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("Give --since and --until with a time zone, or as UTC dates.")
        if self.since and self.until and self.since > self.until:
            raise ValueError("--since is after --until; nothing could match.")

    def includes(self, recorded_at: datetime, action: str) -> bool:
        if self.since is not None and recorded_at < self.since:
            return False
        if self.until is not None and recorded_at > self.until:
            return False
        return self.kind == "all" or action.startswith(self.kind + ".")

    def to_dict(self) -> dict[str, Any]:
        return {"since": format_time(self.since) if self.since else None,
                "until": format_time(self.until) if self.until else None, "kind": self.kind}


@dataclass(frozen=True)
class ExportSummary:
    first_seq: int
    last_seq: int
    included: int
    omitted: int
    checkpoint_hash: str


def export_bundle(
    state: Any, target: IO[bytes], wanted: ExportFilter, *, purpose: str = "audit"
) -> ExportSummary:
    """Write a bundle to ``target`` (a binary file opened for writing, seekable)."""
    assert set(EXPORT_KINDS) - {"all"} <= set(KINDS)
    key = signing_key(state.settings.data_dir)
    with state.db.transaction() as session:
        record(session, "audit.export", "audit:chain", purpose=purpose, details=wanted.to_dict())
        append_pending(session)  # the export's own entry, under the chain lock held until commit
        checkpoint = make_checkpoint(session.connection(), key)
    assert checkpoint is not None
    last_seq = checkpoint["head_seq"]

    with state.db.engine.connect() as connection:
        if wanted.since is not None:
            first_seq = connection.scalar(
                select(func.min(AuditEntry.seq)).where(AuditEntry.recorded_at >= wanted.since)) or last_seq
        else:
            first_seq = 1
        prev_hash = GENESIS_HASH if first_seq == 1 else connection.scalar(
            select(AuditEntry.hash).where(AuditEntry.seq == first_seq - 1))
        stored = connection.execute(select(AuditCheckpoint).where(
            AuditCheckpoint.id <= select(AuditCheckpoint.id).where(
                AuditCheckpoint.checkpoint_hash == checkpoint["checkpoint_hash"]).scalar_subquery()
        ).order_by(AuditCheckpoint.id))
        checkpoints = [checkpoint_dict(row) for row in stored]
        rows = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(
            select(AuditEntry).where(AuditEntry.seq >= first_seq, AuditEntry.seq <= last_seq)
            .order_by(AuditEntry.seq))
        lines = (_entry_line(row) if wanted.includes(row.recorded_at, row.action)
                 else {"seq": row.seq, "hash": row.hash, "omitted": True} for row in rows)
        included, omitted = write_bundle(target, key, lines, checkpoints, wanted, first_seq=first_seq,
                                         last_seq=last_seq, prev_hash=prev_hash)
    return ExportSummary(first_seq, last_seq, included, omitted, checkpoint["checkpoint_hash"])


def write_bundle(
    target: IO[bytes],
    key: Ed25519PrivateKey,
    lines: Iterable[dict[str, Any]],
    checkpoints: list[dict[str, Any]],
    wanted: ExportFilter,
    *,
    first_seq: int,
    last_seq: int,
    prev_hash: str,
) -> tuple[int, int]:
    """Write the zip: ``lines`` (full or omitted entries, in order) and ``checkpoints`` (the last one covering
    ``last_seq``), then the manifest signed by ``key``. Returns (included, omitted)."""
    included = omitted = 0
    first_hash = last_hash = ""
    digest = hashlib.sha256()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with archive.open("entries.jsonl", "w", force_zip64=True) as entries:
            for line in lines:
                if line.get("omitted"):
                    omitted += 1
                else:
                    included += 1
                data = json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                digest.update(data)
                entries.write(data)
                first_hash = first_hash or line["hash"]
                last_hash = line["hash"]
        archive.writestr("checkpoints.jsonl", "".join(
            json.dumps(checkpoint, separators=(",", ":")) + "\n" for checkpoint in checkpoints))
        manifest: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "created_at": checkpoints[-1]["signed_at"],
            "range": {"first_seq": first_seq, "last_seq": last_seq},
            "prev_hash": prev_hash, "first_hash": first_hash, "last_hash": last_hash,
            "counts": {"entries": included + omitted, "included": included, "omitted": omitted},
            "filter": wanted.to_dict(),
            "entries_sha256": digest.hexdigest(),
            "checkpoint_hash": checkpoints[-1]["checkpoint_hash"],
            "key_id": key_id(key.public_key()),
        }
        manifest["signature"] = base64.b64encode(key.sign(manifest_payload(manifest))).decode("ascii")
        archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        archive.writestr("public_key.pem", public_key_pem(key))
    return included, omitted


def _entry_line(row: Any) -> dict[str, Any]:
    return {"seq": row.seq, "time": format_time(row.recorded_at), "actor": row.actor, "action": row.action,
            "subject": row.subject, "purpose": row.purpose, "outcome": row.outcome, "details": row.details,
            "prev_hash": row.prev_hash, "hash": row.hash}
