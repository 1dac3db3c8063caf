"""Data keys of data subjects: creating, deriving, caching and destroying them.

Owns the ``Vault`` (one per app: the chosen key provider and a small in-memory cache of data keys) and
crypto-shredding. A subject's data key is derived (HKDF-SHA256) from two random halves:

- the *database half*, wrapped by the key provider's active key-encryption key and stored in
  ``data_subjects`` with the KEK id; ``candor keys rotate`` re-wraps it;
- the *erasable half*, kept by the key provider (a file per subject for the default key ring, a KMS entry for
  others) and destroyed when the subject is erased.

Why two halves: a database backup taken before an erasure still holds the wrapped database half, and the
key-encryption key still exists, so destroying only the database row would not make the backup unreadable.
Destroying the half that never enters database backups does. Unwrapped keys live only in memory (a bounded
cache with a short lifetime), never on disk.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from typing import TYPE_CHECKING

from cachetools import TTLCache
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import update

from candor.db import utcnow
from candor.interfaces import KeyProvider
from candor.state import merge_named
from candor.vault.aead import KEY_BYTES, VaultError, new_key
from candor.vault.models import DataSubject, SubjectKind

if TYPE_CHECKING:
    from candor.state import CandorState

DEFAULT_PROVIDER = "file"
CACHE_SIZE = 1024
CACHE_SECONDS = 60.0


class SubjectErased(VaultError):
    """The data subject was erased: their personal data can no longer be read by anyone."""


def _context(handle: str) -> bytes:
    return b"candor.subject.v1|" + handle.encode()


class Vault:
    """The key provider in use and the cache of unwrapped data keys for one app."""

    def __init__(self, provider: KeyProvider, *, cache_size: int = CACHE_SIZE,
                 cache_seconds: float = CACHE_SECONDS) -> None:
        self.provider = provider
        self._cache: TTLCache[str, bytes] = TTLCache(maxsize=cache_size, ttl=cache_seconds)
        self._lock = threading.Lock()
        self._index_key: bytes | None = None

    def new_subject(self, kind: SubjectKind | str) -> DataSubject:
        """A new subject with fresh key halves; add it to a session (the caller's transaction stores it)."""
        handle = uuid.uuid4().hex
        database_half = new_key()
        erasable_half = self.provider.create_subject_secret(handle)
        kek_id, wrapped = self.provider.wrap(database_half, _context(handle))
        subject = DataSubject(handle=handle, kind=SubjectKind(kind), kek_id=kek_id, wrapped_key=wrapped)
        self._remember(handle, _derive(handle, database_half, erasable_half))
        return subject

    def data_key(self, subject: DataSubject) -> bytes:
        """The subject's data key; ``SubjectErased`` once they were erased."""
        if subject.destroyed_at is not None or subject.wrapped_key is None or subject.kek_id is None:
            self.forget(subject.handle)
            raise SubjectErased("This data subject was erased; their personal data cannot be read.")
        with self._lock:
            cached = self._cache.get(subject.handle)
        if cached is not None:
            return cached
        try:
            erasable_half = self.provider.subject_secret(subject.handle)
        except LookupError:
            raise SubjectErased("This data subject's key was destroyed (erased); their personal data "
                                "cannot be read.") from None
        database_half = self.provider.unwrap(subject.kek_id, subject.wrapped_key, _context(subject.handle))
        key = _derive(subject.handle, database_half, erasable_half)
        self._remember(subject.handle, key)
        return key

    def rewrap(self, subject: DataSubject) -> tuple[str, bytes]:
        """The subject's database half wrapped again with the active KEK (the data key does not change)."""
        if subject.wrapped_key is None or subject.kek_id is None:
            raise SubjectErased("An erased subject has no key to re-wrap.")
        database_half = self.provider.unwrap(subject.kek_id, subject.wrapped_key, _context(subject.handle))
        return self.provider.wrap(database_half, _context(subject.handle))

    def index_key(self) -> bytes:
        if self._index_key is None:
            self._index_key = self.provider.index_key()
        return self._index_key

    def forget_all(self) -> None:
        with self._lock:
            self._cache.clear()

    def forget(self, handle: str) -> None:
        with self._lock:
            self._cache.pop(handle, None)

    def _remember(self, handle: str, key: bytes) -> None:
        with self._lock:
            self._cache[handle] = key


def _derive(handle: str, database_half: bytes, erasable_half: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"candor.subject-data-key.v1|" + handle.encode()).derive(database_half + erasable_half)


# --- one vault per app ------------------------------------------------------------------------------------

_vaults: dict[int, Vault] = {}
_vaults_lock = threading.Lock()


def get_vault(state: CandorState) -> Vault:
    """The app's vault, made on first use from the key provider its plugins offer."""
    key = id(state)
    with _vaults_lock:
        vault = _vaults.get(key)
        if vault is None:
            vault = Vault(choose_provider(state))
            _vaults[key] = vault
            weakref.finalize(state, _vaults.pop, key, None)
        return vault


def choose_provider(state: CandorState) -> KeyProvider:
    offered = state.plugins.call_each("candor_register_key_providers", data_dir=state.settings.data_dir)
    providers = merge_named([(plugin, {p.name: p for p in items}) for plugin, items in offered],
                            "key provider")
    wanted = state.settings.key_provider
    if wanted not in providers:
        raise VaultError(f"The key provider {wanted!r} is not offered by any enabled plugin; offered: "
                         f"{', '.join(sorted(providers)) or 'none'}. Enable file_keyring or a KMS plugin.")
    provider = providers[wanted]
    if not isinstance(provider, KeyProvider):
        raise VaultError(f"The key provider {wanted!r} lacks methods of candor.interfaces.KeyProvider.")
    return provider


# --- crypto-shredding -------------------------------------------------------------------------------------


def shred_subject(state: CandorState, subject_id: int) -> bool:
    """Erase a subject by destroying their data key; every ciphertext of theirs, in the database, in media and
    in any backup of either, becomes unreadable. Idempotent; returns False if they were erased before.

    The database row loses its wrapped half in the same transaction in which the key provider destroys the
    erasable half. The provider's half goes first: if the commit then failed, the subject would already be
    unreadable (the erasure happened) and a retry only tidies the row.
    """
    vault = get_vault(state)
    with state.db.transaction() as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})  # write lock first (see rotation)
        subject = session.get(DataSubject, subject_id, with_for_update=True)
        if subject is None:
            raise LookupError(f"No data subject with id {subject_id}.")
        already = subject.destroyed_at is not None
        vault.provider.destroy_subject_secret(subject.handle)
        vault.forget(subject.handle)
        session.execute(
            update(DataSubject).where(DataSubject.id == subject_id)
            .values(wrapped_key=None, kek_id=None, destroyed_at=subject.destroyed_at or utcnow())
        )
    return not already
