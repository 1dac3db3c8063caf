"""Blind indexes: keyed HMAC-SHA256 of a normalised value, so exact-match lookups never touch plaintext.

Owns the normalisation of each kind of looked-up value (e-mail lowercased, phone reduced to its digits,
external ids trimmed) and the index value itself. The key comes from the key provider and is separate from
every key-encryption key. An index reveals only whether two rows hold the same value; it is never decrypted.
Changing the index key would need every index recomputed from the decrypted values; that is not offered.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable

_NON_DIGITS = re.compile(r"\D")


def _email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lower()


def _phone(value: str) -> str:
    return _NON_DIGITS.sub("", unicodedata.normalize("NFKC", value))


def _external_id(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


NORMALISERS: dict[str, Callable[[str], str]] = {"email": _email, "phone": _phone, "external_id": _external_id}


def normalise(kind: str, value: str) -> str:
    try:
        return NORMALISERS[kind](value)
    except KeyError:
        raise ValueError(f"No blind index kind {kind!r}; known: {', '.join(sorted(NORMALISERS))}.") from None


def index_value(key: bytes, kind: str, value: str | None) -> str | None:
    """The blind index of ``value`` (64 hex characters), or None when it is empty after normalising."""
    if value is None:
        return None
    normalised = normalise(kind, value)
    if not normalised:
        return None
    message = b"candor.blind-index.v1|" + kind.encode() + b"|" + normalised.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
