"""Auditors export over HTTP and on the command line; ``candor audit verify`` needs nothing but the bundle."""

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from candor.audit.models import AuditEntry
from candor.audit.verify import verify_bundle

from .helpers import entry_lines, read_bundle, with_entries, write_bundle

VERIFY_MODULE = Path(__file__).resolve().parents[2] / "core" / "audit" / "verify.py"


def test_an_auditor_exports_a_bundle_that_verifies(state, make_staff, sign_in, tmp_path):
    auditor = make_staff("auditor")
    client = sign_in(auditor)
    response = client.get("/api/v1/audit/export")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/zip"
    path = tmp_path / "from-http.zip"
    path.write_bytes(response.get_data())
    report = verify_bundle(str(path))
    entries = entry_lines(read_bundle(path))
    actions = [(e["action"], e["actor"], e["outcome"]) for e in entries]
    assert ("auth.sign_in", f"user:{auditor.id}", "success") in actions
    assert actions[-1] == ("audit.export", f"user:{auditor.id}", "success")
    assert report.last_seq == entries[-1]["seq"]
    assert entries[-1]["details"]["via"] == "GET audit_api.export"


def test_a_reviewer_may_not_export(make_staff, sign_in):
    client = sign_in(make_staff("reviewer"))
    assert client.get("/api/v1/audit/export").status_code == 403
    assert client.get("/api/v1/audit/verify").status_code == 403


def test_bad_export_parameters_are_explained(make_staff, sign_in):
    client = sign_in(make_staff("auditor"))
    response = client.get("/api/v1/audit/export?since=last+tuesday")
    assert response.status_code == 400
    assert "ISO 8601" in response.json["message"]
    assert client.get("/api/v1/audit/export?kind=everything").status_code == 400


def test_live_chain_status_for_audit_readers(make_staff, sign_in):
    client = sign_in(make_staff("admin"))
    response = client.get("/api/v1/audit/verify")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["entries"] >= 1


def test_sign_in_entries_hold_ids_never_the_address_typed(state, make_staff, candor_client):
    from candor.testing import csrf_token_from

    user = make_staff("recruiter", email="unique-person@example.com")
    for email in ("unique-person@example.com", "nobody-here@example.com"):
        token = csrf_token_from(candor_client.get("/admin/login").get_data(as_text=True))
        response = candor_client.post("/admin/login", data={"email": email, "password": "wrong password",
                                                            "csrf_token": token})
        assert response.status_code == 401
    with state.db.transaction() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.sign_in")
                               .order_by(AuditEntry.seq)).all()
    assert [(r.actor, r.subject, r.outcome) for r in rows] == [
        ("anonymous", f"user:{user.id}", "failure"), ("anonymous", "user:unknown", "failure")]
    assert all("example.com" not in json.dumps(r.details) for r in rows)


def _candor(env, *args):
    return subprocess.run([sys.executable, "-m", "candor.cli", *args], env=env, capture_output=True,
                          text=True, timeout=180)


@pytest.mark.candor_backends("sqlite")
def test_cli_export_then_verify_with_nothing_but_the_bundle(candor_settings, state, fill, tmp_path):
    fill(4)
    env = {**os.environ, "CANDOR_DATA_DIR": str(candor_settings["data_dir"]),
           "CANDOR_DATABASE_URL": candor_settings["database_url"]}
    bundle = tmp_path / "cli.zip"
    exported = _candor(env, "audit", "export", "-o", str(bundle))
    assert exported.returncode == 0, exported.stderr
    assert "entries 1..5" in exported.stdout
    assert bundle.stat().st_mode & 0o777 == 0o600

    # No data folder, no database, a configuration file that does not exist: verify does not look.
    bare = {"PATH": os.environ["PATH"], "CANDOR_CONFIG": str(tmp_path / "missing.toml"),
            "CANDOR_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    ok = _candor(bare, "audit", "verify", str(bundle))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: entries 1..5")

    members = read_bundle(bundle)
    entries = entry_lines(members)
    entries[1]["purpose"] = "recruitment"
    tampered = write_bundle(tmp_path / "bad.zip", with_entries(members, entries))
    bad = _candor(bare, "audit", "verify", str(tampered))
    assert bad.returncode == 1
    assert "FAILED: entry 2: its content does not match its hash" in bad.stderr

    live = _candor(env, "audit", "verify", "--db")
    assert live.returncode == 0, live.stderr
    assert live.stdout.startswith("OK: entries 1..5")


@pytest.mark.candor_backends("sqlite")
def test_the_verifier_runs_alone_with_only_the_standard_library_and_cryptography(fill, make_bundle, tmp_path):
    fill(2)
    bundle = make_bundle()
    alone = tmp_path / "auditor"
    alone.mkdir()
    shutil.copy(VERIFY_MODULE, alone / "verify.py")
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['verify.py', sys.argv[1]]\n"
        "try:\n    runpy.run_path('verify.py', run_name='__main__')\n"
        "except SystemExit as done:\n    code = done.code\n"
        "loaded = sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
        "{'candor', 'sqlalchemy', 'flask', 'pydantic', 'celery'})\n"
        "print('exit', code, 'loaded', loaded)\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", probe, str(bundle)], cwd=alone, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "exit 0 loaded []" in result.stdout
    assert "OK: entries 1..3" in result.stdout


def test_bundle_members_are_the_documented_ones(fill, make_bundle):
    fill(1)
    with zipfile.ZipFile(io.BytesIO(make_bundle().read_bytes())) as archive:
        assert sorted(archive.namelist()) == ["checkpoints.jsonl", "entries.jsonl", "manifest.json",
                                              "public_key.pem"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "candor-audit-bundle/1"
    assert set(manifest) == {"format", "created_at", "range", "prev_hash", "first_hash", "last_hash",
                             "counts", "filter", "entries_sha256", "checkpoint_hash", "key_id", "signature"}
