"""The audit signing key and signed checkpoints over the chain head, in the manner of CloudTrail's digests.

The Ed25519 key lives in the data folder (``audit_signing_key.pem``, mode 0600), created on first use by
whichever process needs it first. A checkpoint signs the head sequence, the head hash, the time and the hash
of the checkpoint before it. Checkpoints are made at every export and, by the worker's sweep, every
``CHECKPOINT_INTERVAL`` while the chain grows (the sweep already runs in every worker on a timer and the head
lock makes two workers agree, so no scheduler is needed).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from sqlalchemy import Connection, insert, select

from candor.audit.chain import format_time, lock_head
from candor.audit.models import AuditCheckpoint
from candor.audit.verify import CHECKPOINT_FORMAT, GENESIS_HASH, checkpoint_payload, key_id
from candor.db import utcnow

KEY_FILE = "audit_signing_key.pem"
CHECKPOINT_INTERVAL = timedelta(minutes=15)


class SigningKeyError(RuntimeError):
    """The signing key file cannot be used; the message says why and what to do."""


def signing_key(data_dir: Path) -> Ed25519PrivateKey:
    """The installation's audit signing key, created (mode 0600) if there is none yet."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first; use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SigningKeyError(f"{path} is readable by other users (mode {mode:o}); run: chmod 600 {path}")
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise SigningKeyError(f"{path} is not a PEM private key ({exc}); restore it from backup.") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key; restore the original key from backup.")
    return key


def public_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def checkpoint_dict(row: AuditCheckpoint | Any) -> dict[str, Any]:
    """A stored checkpoint as it is signed and exported."""
    return {"format": CHECKPOINT_FORMAT, "head_seq": row.head_seq, "head_hash": row.head_hash,
            "signed_at": format_time(row.signed_at), "prev_checkpoint_hash": row.prev_checkpoint_hash,
            "key_id": row.key_id, "checkpoint_hash": row.checkpoint_hash, "signature": row.signature}


def make_checkpoint(connection: Connection, key: Ed25519PrivateKey, *, interval: timedelta | None = None
                    ) -> dict[str, Any] | None:
    """Sign the current head in ``connection``'s transaction.

    :param interval: when given, sign only if the head moved since the last checkpoint and that one is at
        least this old (the periodic case); ``None`` signs always (exports).
    :returns: the checkpoint, or ``None`` when none was due.
    """
    now = utcnow()
    head_seq, head_hash = lock_head(connection, now)
    last = connection.execute(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).first()
    if interval is not None and last is not None and (
        last.head_seq == head_seq or now - last.signed_at < interval
    ):
        return None
    if interval is not None and head_seq == 0:
        return None
    previous = last.checkpoint_hash if last is not None else GENESIS_HASH
    body = sign_checkpoint(key, head_seq, head_hash, previous)
    connection.execute(insert(AuditCheckpoint).values(
        head_seq=head_seq, head_hash=head_hash, signed_at=_parse(body["signed_at"]),
        prev_checkpoint_hash=body["prev_checkpoint_hash"], checkpoint_hash=body["checkpoint_hash"],
        key_id=body["key_id"], signature=body["signature"]))
    return body


def sign_checkpoint(key: Ed25519PrivateKey, head_seq: int, head_hash: str, prev_checkpoint_hash: str
                    ) -> dict[str, Any]:
    """A checkpoint over ``head_seq``/``head_hash`` signed now, as stored and exported."""
    body: dict[str, Any] = {
        "format": CHECKPOINT_FORMAT, "head_seq": head_seq, "head_hash": head_hash,
        "signed_at": format_time(utcnow()), "prev_checkpoint_hash": prev_checkpoint_hash,
        "key_id": key_id(key.public_key()),
    }
    payload = checkpoint_payload(body)
    body["checkpoint_hash"] = hashlib.sha256(payload).hexdigest()
    body["signature"] = base64.b64encode(key.sign(payload)).decode("ascii")
    return body


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def checkpoint_if_due(state: Any, interval: timedelta = CHECKPOINT_INTERVAL) -> dict[str, Any] | None:
    """The periodic checkpoint, called from the worker's sweep."""
    key = signing_key(state.settings.data_dir)
    with state.db.engine.connect() as connection, connection.begin():
        return make_checkpoint(connection, key, interval=interval)
