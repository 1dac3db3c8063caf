"""Media files (answer videos, audio) encrypted at rest with their subject's data key, in chunks, streamed.

Owns the stored layout and the streaming in both directions. Memory use is a few chunks whatever the file's
size. Layout: a header (magic and chunk size), then one record per chunk: a random nonce and the AES-256-GCM
ciphertext with its tag. Every chunk's associated data binds the header, the storage key, the subject, the
chunk's index and whether it is the last one, so reordered, dropped, truncated, swapped-in or moved chunks
fail to open. A file always ends with a chunk marked last (possibly empty), so truncation at a chunk boundary
is detected too.

Decryption streams chunks to the caller (``iter_media``) or into a private temporary file that is deleted when
the block ends, whatever happens (``decrypted_media``). Plaintext is never written to the storage backend.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from candor.vault.aead import NONCE_BYTES, TAG_BYTES, DecryptionError, VaultError
from candor.vault.keys import get_vault
from candor.vault.models import DataSubject

if TYPE_CHECKING:
    from candor.state import CandorState

MAGIC = b"CNDRMED1"
DEFAULT_CHUNK_SIZE = 1024 * 1024
_HEADER = struct.Struct(">8sI")
_MAX_CHUNK = 64 * 1024 * 1024


def _associated_data(header: bytes, media_key: str, subject: DataSubject, index: int, last: bool) -> bytes:
    return b"|".join((b"candor.media.v1", header, media_key.encode(), subject.handle.encode(),
                      struct.pack(">QB", index, 1 if last else 0)))


def _pieces(source: IO[bytes] | Iterable[bytes], size: int) -> Iterator[bytes]:
    """The source's bytes in pieces of exactly ``size`` (the last may be shorter), read as needed."""
    if hasattr(source, "read"):
        reader: IO[bytes] = source  # type: ignore[assignment]
        while True:
            piece = reader.read(size)
            while piece and len(piece) < size:  # pipes and sockets may return short reads
                more = reader.read(size - len(piece))
                if not more:
                    break
                piece += more
            if not piece:
                return
            yield piece
            if len(piece) < size:
                return
    else:
        buffer = bytearray()
        for block in source:  # type: ignore[union-attr]
            buffer += block
            while len(buffer) >= size:
                yield bytes(buffer[:size])
                del buffer[:size]
        if buffer:
            yield bytes(buffer)


def store_media(state: CandorState, subject: DataSubject, media_key: str,
                source: IO[bytes] | Iterable[bytes], *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Encrypt ``source`` (a binary file or iterable of bytes) onto the storage backend under ``media_key``.

    :returns: the number of plaintext bytes stored.
    """
    if not 1024 <= chunk_size <= _MAX_CHUNK:
        raise ValueError(f"chunk_size must be between 1 KiB and 64 MiB; got {chunk_size}.")
    aead = AESGCM(get_vault(state).data_key(subject))
    header = _HEADER.pack(MAGIC, chunk_size)
    total = 0
    with state.storage.open_write(media_key) as out:
        out.write(header)
        pieces = _pieces(source, chunk_size)
        current = next(pieces, b"")
        index = 0
        while True:
            following = next(pieces, None)  # one piece of look-ahead tells whether this one is the last
            last = following is None
            nonce = os.urandom(NONCE_BYTES)
            out.write(nonce)
            out.write(aead.encrypt(nonce, current, _associated_data(header, media_key, subject, index, last)))
            total += len(current)
            if last:
                return total
            current, index = following, index + 1


def iter_media(state: CandorState, subject: DataSubject, media_key: str) -> Iterator[bytes]:
    """Decrypt a stored media file chunk by chunk; raises ``DecryptionError`` at the first bad chunk."""
    aead = AESGCM(get_vault(state).data_key(subject))
    with state.storage.open_read(media_key) as stored:
        header = stored.read(_HEADER.size)
        if len(header) != _HEADER.size:
            raise DecryptionError("the media file is shorter than its header")
        magic, chunk_size = _HEADER.unpack(header)
        if magic != MAGIC or not 1024 <= chunk_size <= _MAX_CHUNK:
            raise DecryptionError("the media file is not an encrypted Candor media file of a known version")
        record_size = NONCE_BYTES + chunk_size + TAG_BYTES
        current = stored.read(record_size)
        index = 0
        while True:
            following = stored.read(record_size)
            last = not following
            if len(current) < NONCE_BYTES + TAG_BYTES or (not last and len(current) != record_size):
                raise DecryptionError(f"media chunk {index} is cut short: the file was truncated or altered")
            try:
                yield aead.decrypt(current[:NONCE_BYTES], current[NONCE_BYTES:],
                                   _associated_data(header, media_key, subject, index, last))
            except InvalidTag:
                raise DecryptionError(
                    f"media chunk {index} does not authenticate: chunks were reordered, dropped or altered, "
                    "the file was truncated, or it belongs to another subject or key") from None
            if last:
                return
            current, index = following, index + 1


@contextmanager
def private_file(state: CandorState, *, suffix: str = "") -> Iterator[tuple[Path, IO[bytes]]]:
    """A new owner-only temporary file in ``<data_dir>/tmp``, open for writing, for plaintext a tool needs by path;
    deleted when the block ends, also on errors."""
    folder = state.settings.data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=folder, prefix="media-", suffix=suffix)  # mkstemp creates it 0600
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield path, out
    finally:
        with suppress(FileNotFoundError):
            path.unlink()


@contextmanager
def decrypted_media(state: CandorState, subject: DataSubject, media_key: str, *,
                    suffix: str = "") -> Iterator[Path]:
    """A private temporary file holding the decrypted media, for tools that need a path (decoders).

    The file lives in ``<data_dir>/tmp`` (owner-only) and is deleted when the block ends, also on errors
    and when decryption fails part-way, so no plaintext is left on disk afterwards.
    """
    with private_file(state, suffix=suffix) as (path, out):
        for chunk in iter_media(state, subject, media_key):
            out.write(chunk)
        out.close()
        yield path


def delete_media(state: CandorState, media_key: str) -> None:
    """Remove a stored media file (retention); erasure does not need it, shredding the key suffices."""
    if not state.storage.exists(media_key):
        raise VaultError(f"No stored media under key {media_key!r}.")
    state.storage.delete(media_key)
