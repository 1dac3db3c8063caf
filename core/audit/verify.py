"""Verifying audit evidence: the canonical form, the hash chain, signed checkpoints and export bundles.

This module is the reference verifier of ``docs/audit-bundle.md``. It owns the canonical form every entry and
checkpoint is hashed and signed in, and it must import nothing but the standard library and ``cryptography``:
an auditor copies this one file and runs ``python verify.py BUNDLE.zip`` with no database, configuration or
Candor installation. The live-database check (``candor.audit.live``) feeds the same ``ChainVerifier``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key

BUNDLE_FORMAT = "candor-audit-bundle/1"
CHECKPOINT_FORMAT = "candor-audit-checkpoint/1"
GENESIS_HASH = "0" * 64
ENTRY_FIELDS = frozenset({"seq", "time", "actor", "action", "subject", "purpose", "outcome", "details",
                          "prev_hash"})
BUNDLE_MEMBERS = ("manifest.json", "entries.jsonl", "checkpoints.jsonl", "public_key.pem")
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class VerificationError(Exception):
    """The evidence does not verify; the message names the first bad entry or part and what it means."""


def canonical(value: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed and signed: JSON with sorted keys, no whitespace, UTF-8, no floats.

    For the values the log admits (strings, integers, booleans, null, lists, objects with ASCII keys) this is
    the JSON Canonicalization Scheme of RFC 8785, so other languages can reproduce it.
    """
    return _CANONICAL.encode(value).encode("utf-8")


def entry_cut(entry: Mapping[str, Any]) -> tuple[str, str, str]:
    """An entry's canonical form without its chain fields, cut where they go, for a database that fills them in
    (PostgreSQL's ``candor_audit_chain`` trigger): the text before prev_hash's value, the text between it and
    seq's, and the text between seq's and time's; the time's value and ``"}`` follow.

    :param entry: the six fields besides seq, time and prev_hash.
    """
    # Sorted, the nine keys run action, actor, details, outcome | prev_hash | purpose, seq | subject, time.
    first = _CANONICAL.encode({key: entry[key] for key in ("action", "actor", "details", "outcome")})
    return (first[:-1] + ',"prev_hash":"',
            '","purpose":' + _CANONICAL.encode(entry["purpose"]) + ',"seq":',
            ',"subject":' + _CANONICAL.encode(entry["subject"]) + ',"time":"')


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical form of an entry's nine fields; ``prev_hash`` is one of them."""
    return hashlib.sha256(canonical({name: entry[name] for name in ENTRY_FIELDS})).hexdigest()


def checkpoint_payload(checkpoint: Mapping[str, Any]) -> bytes:
    """What a checkpoint's signature covers: every field but ``checkpoint_hash`` and ``signature``."""
    return canonical({k: v for k, v in checkpoint.items() if k not in ("checkpoint_hash", "signature")})


def manifest_payload(manifest: Mapping[str, Any]) -> bytes:
    return canonical({k: v for k, v in manifest.items() if k != "signature"})


def key_id(public_key: Ed25519PublicKey) -> str:
    """Names a signing key: the first 32 hex digits of SHA-256 over its raw 32 bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(pem)
    except ValueError as exc:
        raise VerificationError(f"public_key.pem is not a PEM public key ({exc}).") from None
    if not isinstance(key, Ed25519PublicKey):
        raise VerificationError("public_key.pem is not an Ed25519 key; audit evidence is signed with it.")
    return key


def _signature_ok(public_key: Ed25519PublicKey, signature: object, payload: bytes) -> bool:
    if not isinstance(signature, str):
        return False
    try:
        public_key.verify(base64.b64decode(signature, validate=True), payload)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- checkpoints ------------------------------------------------------------------------------------------


@dataclass
class CheckpointReport:
    count: int = 0
    last_hash: str | None = None
    heads: dict[int, str] = field(default_factory=dict)  # head_seq -> head_hash signed for it
    by_hash: dict[str, dict[str, Any]] = field(default_factory=dict)


def verify_checkpoints(
    checkpoints: Iterable[Mapping[str, Any]], public_key: Ed25519PublicKey
) -> CheckpointReport:
    """Each checkpoint is signed by ``public_key``, hashes to its ``checkpoint_hash``, links to the one before
    it, and never moves the head backwards."""
    report = CheckpointReport()
    expected_key = key_id(public_key)
    previous_seq = 0
    for number, checkpoint in enumerate(checkpoints, start=1):
        where = f"checkpoint {number} (head entry {checkpoint.get('head_seq')})"
        if checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise VerificationError(f"{where}: unknown format {checkpoint.get('format')!r}.")
        if checkpoint.get("key_id") != expected_key:
            raise VerificationError(
                f"{where}: signed by key {checkpoint.get('key_id')}, but the public key given is "
                f"{expected_key}. The public key is wrong, or the key was replaced.")
        payload = checkpoint_payload(checkpoint)
        if hashlib.sha256(payload).hexdigest() != checkpoint.get("checkpoint_hash"):
            raise VerificationError(f"{where}: its content does not match its checkpoint_hash (modified).")
        if not _signature_ok(public_key, checkpoint.get("signature"), payload):
            raise VerificationError(f"{where}: the signature does not match (modified, or another key).")
        if number > 1 and checkpoint.get("prev_checkpoint_hash") != report.last_hash:
            raise VerificationError(
                f"{where}: does not link to the checkpoint before it (a checkpoint was removed, inserted or "
                "reordered).")
        head_seq = checkpoint["head_seq"]
        if not isinstance(head_seq, int) or head_seq < previous_seq:
            raise VerificationError(f"{where}: the head moved backwards from entry {previous_seq}.")
        previous_seq = head_seq
        report.heads[head_seq] = checkpoint["head_hash"]
        report.last_hash = checkpoint["checkpoint_hash"]
        report.by_hash[checkpoint["checkpoint_hash"]] = dict(checkpoint)
        report.count = number
    return report


# --- the chain --------------------------------------------------------------------------------------------


class ChainVerifier:
    """Checks entries one by one, in order: sequence, hash, link to the previous entry, signed heads.

    Entries are dicts with the nine entry fields and ``hash``; an entry an export left out is
    ``{"seq": n, "hash": h, "omitted": true}`` and only carries the chain across.
    """

    def __init__(self, first_seq: int, prev_hash: str, signed_heads: Mapping[int, str]) -> None:
        self.expected = first_seq
        self.prev_hash = prev_hash
        self.signed_heads = signed_heads
        self.included = 0
        self.omitted = 0

    def feed(self, entry: dict[str, Any]) -> None:
        expected = self.expected
        seq = entry.get("seq")
        if seq != expected:
            if not isinstance(seq, int):
                raise VerificationError(f"entry {expected}: missing or malformed sequence number.")
            if seq > expected:
                missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
                raise VerificationError(
                    f"entry {expected}: missing; entry {seq} comes where entry {expected} should be "
                    f"(entry {missing} deleted, or entries reordered).")
            raise VerificationError(
                f"entry {expected}: entry {seq} comes where entry {expected} should be (entries reordered, "
                "duplicated or inserted).")
        stated = entry.pop("hash", None)
        if entry.pop("omitted", False):
            if not isinstance(stated, str) or len(entry) != 1:
                raise VerificationError(f"entry {seq}: an omitted entry carries only seq, hash and omitted.")
            self.omitted += 1
        else:
            if entry.keys() != ENTRY_FIELDS:
                raise VerificationError(f"entry {seq}: fields {sorted(entry)} are not the nine entry fields.")
            if hashlib.sha256(canonical(entry)).hexdigest() != stated:
                raise VerificationError(f"entry {seq}: its content does not match its hash (entry modified).")
            if entry["prev_hash"] != self.prev_hash:
                raise VerificationError(
                    f"entry {seq}: does not link to entry {seq - 1} (an entry before it was modified, "
                    "deleted, inserted or reordered).")
            self.included += 1
        signed = self.signed_heads.get(seq)
        if signed is not None and signed != stated:
            raise VerificationError(f"entry {seq}: differs from the hash a signed checkpoint holds for it.")
        self.prev_hash = stated
        self.expected = expected + 1

    @property
    def last_seq(self) -> int:
        return self.expected - 1


# --- bundles ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleReport:
    first_seq: int
    last_seq: int
    included: int
    omitted: int
    checkpoints: int
    key_id: str
    head_hash: str

    def summary(self) -> str:
        return (f"OK: entries {self.first_seq}..{self.last_seq} verified ({self.included} included, "
                f"{self.omitted} omitted by the export's filter), {self.checkpoints} signed checkpoints, "
                f"key {self.key_id}, head {self.head_hash}.")


def _json_lines(handle: BinaryIO, name: str, digest: Any = None) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, start=1):
        if digest is not None:
            digest.update(line)
        try:
            value = json.loads(line)
        except ValueError:
            raise VerificationError(f"{name} line {number} is not JSON.") from None
        if not isinstance(value, dict):
            raise VerificationError(f"{name} line {number} is not a JSON object.")
        yield value


def verify_bundle(path: str) -> BundleReport:
    """Verify an export bundle with nothing but its own contents; raises ``VerificationError``."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise VerificationError(f"{path} cannot be read as a bundle (a zip file): {exc}.") from None
    with archive:
        missing = [name for name in BUNDLE_MEMBERS if name not in archive.namelist()]
        if missing:
            raise VerificationError(f"the bundle lacks {', '.join(missing)}; it is incomplete.")
        public_key = load_public_key(archive.read("public_key.pem"))
        manifest = _read_manifest(archive.read("manifest.json"), public_key)
        with archive.open("checkpoints.jsonl") as handle:
            checkpoints = verify_checkpoints(_json_lines(handle, "checkpoints.jsonl"), public_key)
        final = checkpoints.by_hash.get(manifest["checkpoint_hash"])
        if final is None:
            raise VerificationError("the checkpoint the manifest names is not among the bundle's checkpoints "
                                    "(checkpoints removed).")
        last_seq = manifest["range"]["last_seq"]
        if final["head_seq"] != last_seq:
            raise VerificationError(f"the export's checkpoint covers entry {final['head_seq']}, the manifest "
                                    f"entry {last_seq}; the bundle is inconsistent.")
        chain = ChainVerifier(manifest["range"]["first_seq"], manifest["prev_hash"], checkpoints.heads)
        digest = hashlib.sha256()
        with archive.open("entries.jsonl") as handle:
            for entry in _json_lines(handle, "entries.jsonl", digest):
                if chain.last_seq >= last_seq:
                    raise VerificationError(f"entry {chain.last_seq + 1}: found after entry {last_seq}, "
                                            "where the signed manifest ends (entries appended).")
                chain.feed(entry)
    if chain.last_seq < last_seq:
        raise VerificationError(
            f"entry {chain.last_seq + 1}: missing; the bundle ends after entry {chain.last_seq} but the "
            f"signed manifest covers up to entry {last_seq} (the tail was truncated).")
    counts = manifest["counts"]
    if (chain.included, chain.omitted) != (counts["included"], counts["omitted"]):
        raise VerificationError(
            f"the bundle holds {chain.included} full and {chain.omitted} omitted entries, the signed "
            f"manifest {counts['included']} and {counts['omitted']} (entries replaced by omissions).")
    if chain.prev_hash != manifest["last_hash"] or chain.prev_hash != final["head_hash"]:
        raise VerificationError(f"entry {last_seq}: differs from the head hash that the manifest and the "
                                "export's checkpoint sign.")
    if digest.hexdigest() != manifest["entries_sha256"]:
        raise VerificationError("entries.jsonl differs from the file the manifest signs, though every entry "
                                "verifies (its bytes were reformatted).")
    return BundleReport(manifest["range"]["first_seq"], last_seq, chain.included, chain.omitted,
                        checkpoints.count, key_id(public_key), chain.prev_hash)


def _read_manifest(raw: bytes, public_key: Ed25519PublicKey) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise VerificationError("manifest.json is not JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise VerificationError(f"manifest.json: format {found!r} is not {BUNDLE_FORMAT!r}.")
    expected_key = key_id(public_key)
    if manifest.get("key_id") != expected_key:
        raise VerificationError(f"manifest.json is signed by key {manifest.get('key_id')}, but "
                                f"public_key.pem is key {expected_key}: wrong or replaced key.")
    if not _signature_ok(public_key, manifest.get("signature"), manifest_payload(manifest)):
        raise VerificationError("manifest.json: the signature does not match (the manifest was modified).")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """``python verify.py BUNDLE.zip``: prints OK and a summary, or FAILED and the first problem (exit 1)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python verify.py BUNDLE.zip", file=sys.stderr)
        return 2
    try:
        report = verify_bundle(args[0])
    except VerificationError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
