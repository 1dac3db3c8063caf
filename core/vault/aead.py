"""Authenticated encryption of small values: AES-256-GCM from ``cryptography``, never hand-rolled.

Owns the byte layout of a sealed value (a version byte, a random 96-bit nonce, the ciphertext with its tag)
and the errors a failed opening raises. It knows nothing of subjects, rows or the database: callers pass the
key and the associated data that binds a ciphertext to its place.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x01"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
#: Bytes a sealed value adds to its plaintext.
OVERHEAD = len(VERSION) + NONCE_BYTES + TAG_BYTES


class VaultError(Exception):
    """Encrypted data cannot be used; the message says why, never what the data was."""


class DecryptionError(VaultError):
    """A ciphertext failed authentication: wrong key, wrong place (associated data), or altered bytes."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Encrypt ``plaintext`` so that it opens only with ``key`` and the same ``associated_data``."""
    nonce = os.urandom(NONCE_BYTES)  # random nonces: each data key seals far fewer than 2**32 values
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def open_sealed(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    """Decrypt a value made by ``seal``; raise ``DecryptionError`` if anything does not match."""
    if len(sealed) < OVERHEAD or sealed[:1] != VERSION:
        raise DecryptionError("the stored value is not a sealed value of a known version")
    nonce = sealed[1:1 + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, sealed[1 + NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise DecryptionError(
            "the stored value does not authenticate: it belongs to another row, column or subject, "
            "the key is wrong, or the bytes were altered"
        ) from None


def is_sealed(value: bytes) -> bool:
    """Whether ``value`` has the shape of a sealed value (used to refuse plaintext in encrypted columns)."""
    return len(value) >= OVERHEAD and value[:1] == VERSION
