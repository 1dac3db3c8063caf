"""The key-ring file and the subject secrets of the default key provider.

Owns ``<folder>/keyring.json`` (the key-encryption keys with their ids and states, and the blind-index key)
and ``<folder>/subjects/`` (one small file per data subject holding the secret that erasure destroys). Every
file is created owner-only (0600, folders 0700), written to a temporary file and renamed into place, and
changed under a lock so that the web process, workers and ``candor keys rotate`` can share it.

The folder is the installation's key store: back it up apart from the database and media, with its own
retention, or an erased subject's secret could come back with a restored key backup.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import secrets
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from candor.interfaces import KeyInfo

RING_NAME = "keyring.json"
FORMAT_VERSION = 1
HANDLE_PATTERN = re.compile(r"^[0-9a-f]{32}$")
ACTIVE, RETIRED = "active", "retired"


class KeyRingError(Exception):
    """The key ring cannot be used; the message names the file and what to do."""


@dataclass(frozen=True)
class _Kek:
    key_id: str
    state: str
    created_at: str
    material: bytes


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _new_kek(state: str) -> _Kek:
    now = datetime.now(UTC)
    key_id = f"kek-{now:%Y%m%d}-{secrets.token_hex(4)}"
    return _Kek(key_id, state, now.isoformat(timespec="seconds"), AESGCM.generate_key(bit_length=256))


class FileKeyRing:
    """A ``KeyProvider`` backed by files in one folder; see the module docstring for the layout."""

    name = "file"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / RING_NAME
        self._lock = threading.Lock()
        self._loaded_stamp: tuple[int, int] | None = None
        self._keks: dict[str, _Kek] = {}
        self._index_key = b""
        self.ensure()

    # --- the ring file -----------------------------------------------------------------------------------

    def ensure(self) -> None:
        """Create the folder and a ring with one active KEK and an index key, unless they exist."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (self.folder / "subjects").mkdir(exist_ok=True, mode=0o700)
        with self._file_lock():
            if not self.path.exists():
                self._write({"version": FORMAT_VERSION, "index_key": _b64(secrets.token_bytes(32)),
                             "keys": [self._kek_record(_new_kek(ACTIVE))]})
        self._reload(force=True)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        fd = os.open(self.folder / "keyring.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @staticmethod
    def _kek_record(kek: _Kek) -> dict[str, str]:
        return {"id": kek.key_id, "state": kek.state, "created_at": kek.created_at, "key": _b64(kek.material)}

    def _write(self, document: dict[str, Any]) -> None:
        temp = self.folder / f".keyring-{secrets.token_hex(4)}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text())
            keys = document["keys"]
            base64.b64decode(document["index_key"], validate=True)
        except FileNotFoundError:
            raise KeyRingError(f"The key ring {self.path} is missing. Restore it from its backup; without it "
                               "no personal data can be read.") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyRingError(f"The key ring {self.path} is damaged ({type(exc).__name__}). "
                               "Restore it from its backup.") from None
        if document.get("version") != FORMAT_VERSION or not isinstance(keys, list):
            raise KeyRingError(f"The key ring {self.path} has an unknown format version "
                               f"{document.get('version')!r}; this Candor reads version {FORMAT_VERSION}.")
        return document

    def _reload(self, *, force: bool = False) -> None:
        """Re-read the ring when another process changed it (a rotation), judged by inode and mtime."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            self._read()  # raises the explanatory error
            return
        stamp = (info.st_ino, info.st_mtime_ns)
        if not force and stamp == self._loaded_stamp:
            return
        document = self._read()
        keks = {}
        for record in document["keys"]:
            keks[record["id"]] = _Kek(record["id"], record["state"], record.get("created_at", ""),
                                      base64.b64decode(record["key"]))
        if sum(1 for k in keks.values() if k.state == ACTIVE) != 1:
            raise KeyRingError(f"The key ring {self.path} must hold exactly one active key. Restore it from "
                               "its backup.")
        with self._lock:
            self._keks = keks
            self._index_key = base64.b64decode(document["index_key"])
            self._loaded_stamp = stamp

    def _active(self) -> _Kek:
        return next(k for k in self._keks.values() if k.state == ACTIVE)

    # --- KeyProvider: KEKs -------------------------------------------------------------------------------

    def wrap(self, data_key: bytes, context: bytes) -> tuple[str, bytes]:
        self._reload()
        kek = self._active()
        nonce = os.urandom(12)
        sealed = AESGCM(kek.material).encrypt(nonce, data_key, _wrap_ad(kek.key_id, context))
        return kek.key_id, nonce + sealed

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        if key_id not in self._keks:
            self._reload()  # a rotation in another process may have made it
        kek = self._keks.get(key_id)
        if kek is None:
            raise KeyRingError(f"The key ring {self.path} has no key {key_id!r}. Restore the key ring that "
                               "holds it.")
        try:
            return AESGCM(kek.material).decrypt(wrapped[:12], wrapped[12:], _wrap_ad(key_id, context))
        except InvalidTag:
            raise KeyRingError(f"A wrapped data key does not unwrap with {key_id!r}: it was altered or "
                               "belongs to another subject.") from None

    def list_keys(self) -> Sequence[KeyInfo]:
        self._reload()
        return [KeyInfo(k.key_id, k.state, k.created_at) for k in self._keks.values()]

    def rotate(self) -> str:
        with self._file_lock():
            document = self._read()
            fresh = _new_kek(ACTIVE)
            for record in document["keys"]:
                if record["state"] == ACTIVE:
                    record["state"] = RETIRED  # still unwraps: readers keep working during re-wrapping
            document["keys"].append(self._kek_record(fresh))
            self._write(document)
        self._reload(force=True)
        return fresh.key_id

    def index_key(self) -> bytes:
        self._reload()
        return self._index_key

    def probe(self) -> int:
        """Wrap and unwrap a random key with every KEK, active and retired; returns how many passed."""
        self._reload(force=True)
        probe = secrets.token_bytes(32)
        for kek in self._keks.values():
            nonce = os.urandom(12)
            wrapped = nonce + AESGCM(kek.material).encrypt(nonce, probe, _wrap_ad(kek.key_id, b"probe"))
            if self.unwrap(kek.key_id, wrapped, b"probe") != probe:
                raise KeyRingError(f"Key {kek.key_id!r} in {self.path} does not unwrap what it wrapped.")
        if len(self._index_key) != 32:
            raise KeyRingError(f"The blind-index key in {self.path} is damaged.")
        return len(self._keks)

    # --- KeyProvider: subject secrets --------------------------------------------------------------------

    def _secret_path(self, handle: str) -> Path:
        if not HANDLE_PATTERN.match(handle):
            raise ValueError("A subject handle is 32 lowercase hexadecimal characters.")
        return self.folder / "subjects" / handle[:2] / handle

    def create_subject_secret(self, handle: str) -> bytes:
        path = self._secret_path(handle)
        path.parent.mkdir(exist_ok=True, mode=0o700)
        secret = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyRingError(f"A secret for subject handle {handle} exists already; handles are never "
                               "reused.") from None
        with os.fdopen(fd, "wb") as handle_file:
            handle_file.write(secret)
            handle_file.flush()
            os.fsync(handle_file.fileno())
        return secret

    def subject_secret(self, handle: str) -> bytes:
        try:
            secret = self._secret_path(handle).read_bytes()
        except FileNotFoundError:
            raise LookupError("the subject's secret was destroyed or never existed") from None
        if len(secret) != 32:
            raise KeyRingError(f"The secret file of subject handle {handle} is damaged.")
        return secret

    def destroy_subject_secret(self, handle: str) -> None:
        path = self._secret_path(handle)
        try:
            # Overwrite before unlinking: on filesystems that write in place the bytes are gone, not only
            # unlinked. (Copy-on-write filesystems and SSD wear levelling may still keep old blocks.)
            with path.open("r+b") as handle_file:
                handle_file.write(secrets.token_bytes(32))
                handle_file.flush()
                os.fsync(handle_file.fileno())
            path.unlink()
        except FileNotFoundError:
            return


def _wrap_ad(key_id: str, context: bytes) -> bytes:
    return b"candor.file_keyring.wrap.v1|" + key_id.encode() + b"|" + context
