"""Rotation of key-encryption keys while another process keeps reading; status; the CLI; the doctor check."""

import os
import subprocess
import sys
import threading
import time

from sqlalchemy import select

from candor.app import create_app
from candor.health.checks import run_checks
from candor.interviews.models import Candidate
from candor.state import get_state
from candor.vault import get_vault
from candor.vault.models import DataSubject
from candor.vault.rotation import rotate, status


def test_rotation_rewraps_while_another_app_keeps_reading(state, candor_settings, add_candidate):
    ids = [add_candidate(full_name=f"Person {n}") for n in range(40)]
    old_key = status(state).keys[0][0]
    reader_app = create_app(candor_settings)  # its own key-ring object, as a separate web process has
    reader = get_state(reader_app)
    stop = threading.Event()
    reads, errors = [0], []

    def keep_reading():
        vault = get_vault(reader)
        while not stop.is_set():
            vault.forget_all()  # every read unwraps, as after the cache's lifetime
            try:
                with reader.db.transaction() as session:
                    # Reads of personal rows write audit entries; on SQLite a transaction that will write must
                    # take the write lock at BEGIN, or a concurrent commit makes its upgrade fail at once.
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                    names = [c.full_name for c in session.scalars(select(Candidate).order_by(Candidate.id))]
                assert names == [f"Person {n}" for n in range(40)]
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(repr(exc))

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        time.sleep(0.2)
        before = reads[0]
        report = rotate(state, batch_size=3, on_batch=lambda _done: time.sleep(0.02))
        during = reads[0] - before
    finally:
        stop.set()
        thread.join(30)
        reader.db.dispose()
    assert errors == []
    assert during >= 3, "the reader did not run during the rotation"
    assert report.rewrapped == 40 and report.batches == 14 and report.active_key_id != old_key
    after = status(state)
    states = {key_id: (key_state, count) for key_id, key_state, _, count in after.keys}
    assert states[old_key] == ("retired", 0)
    assert states[report.active_key_id] == ("active", 40)
    assert after.pending == 0
    with state.db.transaction() as session:
        assert {s.kek_id for s in session.scalars(select(DataSubject))} == {report.active_key_id}
        assert [session.get(Candidate, i).full_name for i in ids[:2]] == ["Person 0", "Person 1"]
    # New subjects use the new key at once.
    add_candidate(full_name="After rotation")
    assert dict((k, c) for k, _, _, c in status(state).keys)[report.active_key_id] == 41


def test_an_interrupted_rotation_is_finished(state, add_candidate):
    for n in range(5):
        add_candidate(full_name=f"Person {n}")
    get_vault(state).provider.rotate()  # a rotation that stopped right after making the new key
    assert status(state).pending == 5
    report = rotate(state, new_key=False)
    assert report.rewrapped == 5 and status(state).pending == 0


def _candor(settings, *args):
    env = {**os.environ, "CANDOR_DATA_DIR": str(settings["data_dir"]),
           "CANDOR_DATABASE_URL": settings["database_url"]}
    return subprocess.run([sys.executable, "-m", "candor.cli", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_keys_commands(state, candor_settings, add_candidate):
    add_candidate()
    add_candidate(full_name="Two")
    shown = _candor(candor_settings, "keys", "status")
    assert shown.returncode == 0, shown.stderr
    assert "Key provider: file" in shown.stdout and "active" in shown.stdout and "subjects: 2" in shown.stdout
    rotated = _candor(candor_settings, "keys", "rotate", "--batch-size", "1")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped 2 data key(s) in 2 batch(es)" in rotated.stdout
    shown = _candor(candor_settings, "keys", "status")
    assert "retired" in shown.stdout and "subjects: 0" in shown.stdout
    assert "not under the active" not in shown.stdout
    with state.db.transaction() as session:  # this process sees the other's rotation and reads on
        names = sorted(c.full_name for c in session.scalars(select(Candidate)))
        assert names == ["Two", "Zofia Wiśniewska-Quill"]


def test_key_ring_doctor_check(candor_app, state, add_candidate):
    add_candidate()

    def outcome():
        return next(o for o in run_checks(candor_app) if o.name == "key_ring").result

    ring = state.settings.data_dir / "keys" / "keyring.json"
    assert outcome().status == "ok", outcome()
    assert oct(ring.stat().st_mode & 0o777) == oct(0o600)
    assert oct(ring.parent.stat().st_mode & 0o777) == oct(0o700)
    ring.chmod(0o644)
    result = outcome()
    assert result.status == "failed" and "mode 644" in result.detail and "chmod 600" in result.hint
    ring.chmod(0o600)
    ring.write_text(ring.read_text().replace('"active"', '"retired"'))
    result = outcome()
    assert result.status == "failed" and "exactly one active key" in result.detail
    ring.unlink()
    result = outcome()
    assert result.status == "failed" and "no key ring" in result.detail
