"""An exported bundle verifies with nothing but itself, and each kind of tampering is caught, naming the
first bad entry (or the part that is bad)."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from candor.audit.verify import VerificationError, entry_hash, verify_bundle

from .helpers import entry_lines, read_bundle, with_entries, write_bundle


@pytest.fixture
def bundle(fill, make_bundle):
    fill(8)
    return make_bundle()


def tampered(bundle, tmp_path, change):
    members = read_bundle(bundle)
    return write_bundle(tmp_path / "tampered.zip", change(members))


def rejects(path, *fragments):
    with pytest.raises(VerificationError) as caught:
        verify_bundle(str(path))
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)
    return str(caught.value)


def test_an_untouched_bundle_verifies(bundle):
    report = verify_bundle(str(bundle))
    assert (report.first_seq, report.last_seq, report.included, report.omitted) == (1, 9, 9, 0)
    last = entry_lines(read_bundle(bundle))[-1]
    assert last["action"] == "audit.export" and last["actor"] == "system:test"
    assert report.head_hash == last["hash"]


def test_modified_entry_is_named(bundle, tmp_path):
    def change(members):
        entries = entry_lines(members)
        entries[2]["actor"] = "user:1"
        return with_entries(members, entries)

    rejects(tampered(bundle, tmp_path, change), "entry 3:", "does not match its hash")


def test_modified_entry_with_recomputed_hash_breaks_the_link(bundle, tmp_path):
    def change(members):
        entries = entry_lines(members)
        entries[2]["outcome"] = "failure"
        entries[2]["hash"] = entry_hash(entries[2])
        return with_entries(members, entries)

    rejects(tampered(bundle, tmp_path, change), "entry 4:", "does not link to entry 3")


def test_deleted_entry_is_named(bundle, tmp_path):
    def change(members):
        entries = entry_lines(members)
        del entries[4]
        return with_entries(members, entries)

    rejects(tampered(bundle, tmp_path, change), "entry 5: missing", "deleted")


def test_inserted_entry_is_caught(bundle, tmp_path):
    def change(members):
        entries = entry_lines(members)
        forged = {**entries[2], "seq": 4, "subject": "user:99", "prev_hash": entries[2]["hash"]}
        forged["hash"] = entry_hash(forged)
        return with_entries(members, entries[:3] + [forged] + entries[3:])

    rejects(tampered(bundle, tmp_path, change), "entry 5:", "entry 4 comes where entry 5 should be")


def test_reordered_entries_are_named(bundle, tmp_path):
    def change(members):
        entries = entry_lines(members)
        entries[3], entries[4] = entries[4], entries[3]
        return with_entries(members, entries)

    rejects(tampered(bundle, tmp_path, change), "entry 4:", "entry 5 comes where entry 4 should be")


def test_truncated_tail_is_caught(bundle, tmp_path):
    def change(members):
        return with_entries(members, entry_lines(members)[:-2])

    rejects(tampered(bundle, tmp_path, change), "entry 8: missing", "tail was truncated")


def test_modified_manifest_fails_its_signature(bundle, tmp_path):
    def change(members):
        manifest = json.loads(members["manifest.json"])
        manifest["range"]["last_seq"] = 7  # would hide a truncation
        return {**members, "manifest.json": json.dumps(manifest).encode()}

    rejects(tampered(bundle, tmp_path, change), "manifest.json", "signature does not match")


def test_wrong_public_key_is_caught(bundle, tmp_path):
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.PEM,
                                                                  PublicFormat.SubjectPublicKeyInfo)
    rejects(tampered(bundle, tmp_path, lambda members: {**members, "public_key.pem": other}),
            "is signed by key", "wrong or replaced key")


def test_modified_checkpoint_is_caught(bundle, tmp_path):
    def change(members):
        checkpoint = json.loads(members["checkpoints.jsonl"])
        checkpoint["head_hash"] = "f" * 64
        return {**members, "checkpoints.jsonl": (json.dumps(checkpoint) + "\n").encode()}

    rejects(tampered(bundle, tmp_path, change), "checkpoint 1 (head entry 9)", "modified")


def test_forged_signature_is_caught(bundle, tmp_path):
    def change(members):
        checkpoint = json.loads(members["checkpoints.jsonl"])
        ending = "AAA=" if checkpoint["signature"][-4:] != "AAA=" else "BBB="
        checkpoint["signature"] = checkpoint["signature"][:-4] + ending
        return {**members, "checkpoints.jsonl": (json.dumps(checkpoint) + "\n").encode()}

    rejects(tampered(bundle, tmp_path, change), "checkpoint 1", "signature does not match")


def test_reformatted_entries_file_is_caught(bundle, tmp_path):
    def change(members):
        return {**members, "entries.jsonl": members["entries.jsonl"].replace(b'","', b'", "', 1)}

    rejects(tampered(bundle, tmp_path, change), "entries.jsonl differs")


def test_a_full_entry_replaced_by_an_omission_is_caught(bundle, tmp_path):
    def change(members):
        entries = entry_lines(members)
        entries[1] = {"seq": 2, "hash": entries[1]["hash"], "omitted": True}
        return with_entries(members, entries)

    rejects(tampered(bundle, tmp_path, change), "replaced by omissions")


def test_missing_member_is_named(bundle, tmp_path):
    rejects(tampered(bundle, tmp_path, lambda members: {k: v for k, v in members.items()
                                                        if k != "checkpoints.jsonl"}), "checkpoints.jsonl")


def test_partial_exports_verify_and_show_only_what_was_asked(state, fill, make_bundle):
    fill(3, action="consent.give", purpose="recruitment")
    fill(3)
    bundle = make_bundle(kind="consent")
    report = verify_bundle(str(bundle))
    entries = entry_lines(read_bundle(bundle))
    shown = [e for e in entries if not e.get("omitted")]
    assert [e["action"] for e in shown] == ["consent.give"] * 3
    assert (report.included, report.omitted, report.last_seq) == (3, 4, 7)  # 3 admin + export entry omitted

    from sqlalchemy import select

    from candor.audit.models import AuditEntry

    with state.db.transaction() as session:
        since = session.scalar(select(AuditEntry.recorded_at).where(AuditEntry.seq == 5))
    later = make_bundle("since.zip", since=since)
    report = verify_bundle(str(later))
    assert report.first_seq == 5  # entries before the window are summarised by the manifest's prev_hash
    assert report.last_seq == 8  # up to the second export's own entry, which its checkpoint signs
