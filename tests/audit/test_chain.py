"""The chain in the database: append-only at the database level, verified live, entries checked for
personal data, and entries about changes living and dying with the change."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from candor import audit
from candor.audit.live import verify_database
from candor.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from candor.audit.signing import checkpoint_if_due
from candor.audit.verify import GENESIS_HASH, entry_hash


def test_entries_link_into_one_verified_chain(state, fill):
    fill(5)
    with state.db.transaction() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        head = session.get(AuditChainHead, 1)
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:], strict=False))
    assert (head.seq, head.hash) == (5, rows[-1].hash)
    report = verify_database(state)
    assert report.ok, report.message
    assert report.entries == 5


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET actor = 'user:1' WHERE seq = 2",
    "DELETE FROM audit_entries WHERE seq = 2",
    "DELETE FROM audit_entries",
    "UPDATE audit_checkpoints SET head_seq = 1",
    "DELETE FROM audit_checkpoints",
    "UPDATE audit_chain_head SET seq = 1",
    "DELETE FROM audit_chain_head",
])
def test_the_database_refuses_to_rewrite_history(state, fill, make_bundle, statement):
    fill(3)
    make_bundle()  # makes a checkpoint
    refused = pytest.raises(DatabaseError, match="append-only|only moves forward")
    with refused, state.db.engine.begin() as conn:
        conn.execute(text(statement))
    with state.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 4
        assert session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1
    assert verify_database(state).ok


def test_truncate_is_refused_on_postgresql(state, fill):
    if state.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    fill(1)
    with pytest.raises(DatabaseError, match="append-only"), state.db.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_entries CASCADE"))


def _bypass_guards(state, statement):
    """What someone with the database owner's rights could do: drop the guard, then rewrite a row."""
    with state.db.engine.begin() as conn:
        if state.db.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_entries_no_update"))
            conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
            conn.execute(text(statement))


@pytest.mark.parametrize(("statement", "named"), [
    ("UPDATE audit_entries SET purpose = 'recruitment' WHERE seq = 3", "entry 3: its content does not match"),
    ("DELETE FROM audit_entries WHERE seq = 3", "entry 3: missing"),
    ("DELETE FROM audit_entries WHERE seq >= 5", "entry 5: missing"),
])
def test_live_verification_names_the_first_bad_entry(state, fill, statement, named):
    fill(5)
    checkpoint_if_due(state)  # signs head 5, so that cutting the tail is visible too
    _bypass_guards(state, statement)
    report = verify_database(state)
    assert not report.ok
    assert named in report.message


def test_a_change_and_its_entry_commit_or_roll_back_together(state):
    with pytest.raises(RuntimeError), state.db.transaction() as session:
        audit.record(session, "admin.user_role_change", "user:7", purpose="administration")
        raise RuntimeError("the change failed")
    with state.db.transaction() as session:
        audit.record(session, "admin.user_role_change", "user:7", purpose="administration", outcome="denied")
        session.rollback()  # a refused attempt is evidence even when nothing was changed
    with state.db.transaction() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.outcome)).all()
    assert rows == [("admin.user_role_change", "denied")]
    assert verify_database(state).ok


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"details": {"email": "x"}}, "personal data"),
    ({"details": {"note": "write to ann@example.org"}}, "e-mail"),
    ({"details": {"score": 0.5}}, "floats"),
    ({"subject": "Ann Smith"}, "reference by id"),
    ({"action": "read"}, "<kind>.<verb>"),
    ({"actor": "ann@example.org"}, "actors are ids"),
    ({"outcome": "ok"}, "outcome"),
])
def test_entries_that_could_carry_personal_data_are_refused(state, kwargs, message):
    arguments = {"action": "access.read", "subject": "candidate:1", "purpose": "recruitment", **kwargs}
    with state.db.transaction() as session, pytest.raises(audit.AuditError, match=message):
        audit.record(session, arguments.pop("action"), arguments.pop("subject"), **arguments)


def test_periodic_checkpoints_sign_only_when_due(state, fill):
    from datetime import timedelta

    assert checkpoint_if_due(state) is None  # nothing to sign yet
    fill(2)
    first = checkpoint_if_due(state)
    assert first is not None and first["head_seq"] == 2
    fill(1)
    assert checkpoint_if_due(state) is None  # the last one is younger than the interval
    second = checkpoint_if_due(state, interval=timedelta(0))
    assert second["head_seq"] == 3 and second["prev_checkpoint_hash"] == first["checkpoint_hash"]
    assert checkpoint_if_due(state, interval=timedelta(0)) is None  # the head did not move


def test_signing_key_is_private_to_its_owner(state, fill, make_bundle):
    fill(1)
    make_bundle()
    key_file = state.settings.data_dir / "audit_signing_key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_entry_hash_is_the_canonical_form_documented(state, fill):
    import hashlib
    import json

    fill(1)
    with state.db.transaction() as session:
        row = session.get(AuditEntry, 1)
    body = {"seq": 1, "time": row.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": "system:test",
            "action": "admin.test", "subject": "user:0", "purpose": "administration", "outcome": "success",
            "details": {"n": 0}, "prev_hash": GENESIS_HASH}
    by_hand = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert row.hash == by_hand == entry_hash(body)


def test_entries_of_one_transaction_chain_in_order_with_any_text(state):
    """Several entries in one commit, with text that JSON escapes or that is not ASCII, hash as the reference
    verifier computes them on both databases (PostgreSQL chains them in its trigger, SQLite in the app)."""
    import hashlib
    import json

    tricky = ['quote " and backslash \\', "line\nbreak\ttab", "Zürich 北京 😀", "</script>", ""]
    with audit.acting_as("system:test"), state.db.transaction() as session:
        for number, value in enumerate(tricky):
            audit.record(session, "admin.test", f"user:{number}", purpose="administration",
                         details={"note": value, "codes": [number, True, None], "z_last": number})
    with state.db.transaction() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        if state.db.engine.dialect.name == "postgresql":
            assert session.scalar(text("SELECT count(*) FROM audit_staging")) == 0
    assert [row.subject for row in rows] == [f"user:{n}" for n in range(len(tricky))]
    prev = GENESIS_HASH
    for row in rows:
        body = {"seq": row.seq, "time": row.recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": row.actor,
                "action": row.action, "subject": row.subject, "purpose": row.purpose, "outcome": row.outcome,
                "details": row.details, "prev_hash": prev}
        by_hand = hashlib.sha256(
            json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
        assert row.prev_hash == prev
        assert row.hash == by_hand
        prev = row.hash
    assert [row.recorded_at for row in rows] == sorted(row.recorded_at for row in rows)
    assert verify_database(state).ok
