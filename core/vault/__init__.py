"""The personal-data vault: envelope encryption of personal fields and media, blind indexes, key rotation
and crypto-shredding.

Modules: ``aead`` (AES-256-GCM values), ``models`` (the data-subject table), ``keys`` (data keys, the vault,
shredding), ``fields`` (encrypted model fields and lookups), ``blind_index``, ``media`` (streamed, chunked
media encryption), ``rotation`` (re-wrapping under a new key-encryption key) and ``cli`` (``candor keys``).
"""

from candor.vault.aead import DecryptionError, VaultError
from candor.vault.fields import Encrypted, SealedBytes, lookup
from candor.vault.keys import SubjectErased, Vault, get_vault, shred_subject
from candor.vault.models import DataSubject, SubjectKind

__all__ = [
    "DataSubject", "DecryptionError", "Encrypted", "SealedBytes", "SubjectErased", "SubjectKind", "Vault",
    "VaultError", "get_vault", "lookup", "shred_subject",
]
