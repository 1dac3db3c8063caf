"""``candor dsar`` and ``candor retention`` on the command line (in process and as a real subprocess), the
staff API by role, the candidate's own request through their link, and the export download over HTTP, on
SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from candor.audit.models import AuditEntry
from candor.auth.models import Role, User
from candor.auth.passwords import hash_password
from candor.auth.permissions import ROLE_PERMISSIONS
from candor.auth.tokens import create_token
from candor.cli import cli
from candor.db import utcnow
from candor.dsar.models import DataSubjectRequest
from candor.interviews.links import issue_link_token
from candor.interviews.models import Interview
from candor.retention.engine import run_retention
from candor.retention.models import LegalHold

from .conftest import RECORDING


@pytest.fixture
def run_cli(app):
    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), input=input, obj=ScriptInfo(create_app=lambda: app))

    return invoke


@pytest.fixture
def staff(state):
    """``staff("recruiter")``: the Authorization header of a token holding every permission of the role."""

    def make(role: str) -> dict[str, str]:
        with state.db.transaction() as session:
            user = User(email=f"{role}-{os.urandom(3).hex()}@example.com", role=Role(role),
                        password_hash=hash_password("a long enough password"))
            session.add(user)
            session.flush()
            bearer, _ = create_token(session, user, "tests", [p.value for p in ROLE_PERMISSIONS[Role(role)]])
        return {"Authorization": f"Bearer {bearer}"}

    return make


def code_from(mailbox) -> str:
    return mailbox.sent[-1].body.split(" is ")[1][:8]


def test_the_cli_takes_a_request_from_creation_to_completion(run_cli, state, make_world, mailbox):
    world = make_world("DE")
    created = run_cli("dsar", "create", "--candidate", str(world["candidate"]), "--kind", "access")
    assert created.exit_code == 0, created.output
    assert "GDPR" in created.output  # the deadline's basis is named
    with state.db.transaction() as session:
        request_id = session.scalars(select(DataSubjectRequest.id)).one()

    not_yet = run_cli("dsar", "run", str(request_id))
    assert not_yet.exit_code == 1 and "not verified" in not_yet.output and "Traceback" not in not_yet.output
    assert run_cli("dsar", "send-code", str(request_id)).exit_code == 0
    wrong = run_cli("dsar", "verify", str(request_id), "--code", "not-the-code")
    assert wrong.exit_code == 1 and "does not match" in wrong.output
    verified = run_cli("dsar", "verify", str(request_id), "--code", code_from(mailbox))
    assert verified.exit_code == 0, verified.output

    listed = run_cli("dsar", "list", "--json")
    assert [r["id"] for r in json.loads(listed.stdout)] == [request_id]
    assert json.loads(run_cli("dsar", "show", str(request_id)).stdout)["identity"]["state"] == "verified"

    ran = run_cli("dsar", "run", str(request_id))
    assert ran.exit_code == 0, ran.output
    assert "/api/v1/dsar/download?t=" in ran.output
    assert "zofia" not in ran.output.lower()  # ids and counts only
    assert json.loads(run_cli("dsar", "show", str(request_id)).stdout)["status"] == "completed"
    assert run_cli("dsar", "list", "--json").stdout.strip() == "[]"
    again = run_cli("dsar", "reject", str(request_id), "--reason", "duplicate")
    assert again.exit_code == 1 and "cannot change any more" in again.output
    with state.db.transaction() as session:
        actors = set(session.scalars(select(AuditEntry.actor).where(AuditEntry.action.like("admin.dsar%"))))
    assert actors == {"system:cli"}


def test_cli_overdue_attest_reject_and_bad_input(run_cli, state, make_world):
    world = make_world("US-IL")
    assert run_cli("dsar", "create", "--candidate", "999999", "--kind", "access").output.count("No candidate")
    unknown_kind = run_cli("dsar", "create", "--candidate", str(world["candidate"]), "--kind", "delete")
    assert unknown_kind.exit_code == 2 and "erasure" in unknown_kind.output
    assert run_cli("dsar", "show", "424242").exit_code == 1
    run_cli("dsar", "create", "--candidate", str(world["candidate"]), "--kind", "explanation")
    run_cli("dsar", "create", "--candidate", str(world["candidate"]), "--kind", "opt_out")
    with state.db.transaction() as session:
        late, on_time = session.scalars(select(DataSubjectRequest).order_by(DataSubjectRequest.id)).all()
        late.due_at = utcnow() - timedelta(days=1)
        late_id, on_time_id = late.id, on_time.id
    overdue = json.loads(run_cli("dsar", "list", "--overdue", "--json").stdout)
    assert [r["id"] for r in overdue] == [late_id] and overdue[0]["overdue"] is True
    assert "OVERDUE" in run_cli("dsar", "list").output

    bad = run_cli("dsar", "attest", str(late_id), "--evidence", "trust me")
    assert bad.exit_code == 2 and "id_document_seen" in bad.output
    assert run_cli("dsar", "attest", str(late_id), "--evidence", "id_document_seen").exit_code == 0
    explained = run_cli("dsar", "run", str(late_id))
    assert explained.exit_code == 0 and "candor.explanation.v1" in explained.output
    assert run_cli("dsar", "reject", str(on_time_id), "--reason", "identity not confirmed").exit_code == 0
    shown = json.loads(run_cli("dsar", "show", str(on_time_id)).stdout)
    assert shown["status"] == "rejected" and shown["reason"] == "identity not confirmed"


def test_the_cli_as_a_real_process(candor_settings, app, make_world, tmp_path):
    world = make_world("DE")
    env = {**os.environ, "CANDOR_DATA_DIR": str(candor_settings["data_dir"]),
           "CANDOR_DATABASE_URL": candor_settings["database_url"]}

    def candor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "candor.cli", *args], env=env, capture_output=True,
                              text=True, timeout=180)

    created = candor("dsar", "create", "--candidate", str(world["candidate"]), "--kind", "erasure")
    assert created.returncode == 0, created.stderr
    listed = json.loads(candor("dsar", "list", "--json").stdout)
    assert [(r["kind"], r["candidate_id"], r["channel"]) for r in listed] == [
        ("erasure", world["candidate"], "staff")]
    plan = candor("retention", "plan", "--json")
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["categories"]["video"]["kept"] == 1


def test_retention_plan_output_and_a_cli_hold_suspending_the_purge(run_cli, state, make_world):
    world = make_world("DE")
    table = run_cli("retention", "plan")
    assert table.exit_code == 0 and "video" in table.output and "never purged" in table.output
    plan = json.loads(run_cli("retention", "plan", "--json").stdout)
    assert plan["categories"]["video"] == {"due": 0, "due_ids": [], "held": 0, "held_ids": [], "kept": 1}

    refused = run_cli("retention", "hold", "add", "--scope", "job", "--id", "987654", "--reason", "case 1")
    assert refused.exit_code == 1 and "No job with id 987654" in refused.output
    placed = run_cli("retention", "hold", "add", "--scope", "organisation", "--id", str(world["org"]),
                     "--reason", "litigation 2025-17")
    assert placed.exit_code == 0, placed.output
    holds = json.loads(run_cli("retention", "hold", "list", "--json").stdout)
    assert [(h["scope"], h["target_id"], h["placed_by"]) for h in holds] == [
        ("organization", world["org"], "system:cli")]

    later = utcnow() + timedelta(days=365)
    result = run_retention(state, now=later)
    assert result is not None and all(not ids for ids in result.purged.values())
    assert result.plan.categories["video"].held == [world["answer"]]
    assert (state.settings.data_dir / "media" / world["media_key"]).exists()

    assert run_cli("retention", "hold", "release", str(holds[0]["id"])).exit_code == 0
    twice = run_cli("retention", "hold", "release", str(holds[0]["id"]))
    assert twice.exit_code == 1 and "released already" in twice.output
    assert run_cli("retention", "hold", "list", "--json").stdout.strip() == "[]"
    assert run_retention(state, now=later).purged["video"] == [world["answer"]]
    assert not (state.settings.data_dir / "media" / world["media_key"]).exists()
    ran = run_cli("retention", "run")  # nothing left that is due today
    assert ran.exit_code == 0 and json.loads(ran.stdout)["purged"]["video"] == 0
    with state.db.transaction() as session:
        hold = session.get(LegalHold, holds[0]["id"])
        assert hold.released_by == "system:cli"
        kinds = set(session.scalars(select(AuditEntry.action).where(AuditEntry.subject.like("legal_hold:%"))))
    assert kinds == {"admin.legal_hold_place", "admin.legal_hold_release"}


def test_staff_api_for_recruiters_not_reviewers(app, state, staff, make_world, mailbox):
    world = make_world("DE")
    client = app.test_client()
    recruiter, reviewer, admin = staff("recruiter"), staff("reviewer"), staff("admin")
    body = {"candidate_id": world["candidate"], "kind": "rectification", "fields": ["phone"]}
    assert client.post("/api/v1/dsar", json=body, headers=reviewer).status_code == 403
    assert client.get("/api/v1/dsar", headers=reviewer).status_code == 403
    assert client.get("/api/v1/dsar").status_code == 401

    bad = client.post("/api/v1/dsar", json={**body, "kind": "delete"}, headers=recruiter)
    assert bad.status_code == 400 and "rectification" in bad.get_json()["message"]
    missing = client.post("/api/v1/dsar", json={**body, "candidate_id": 999999}, headers=recruiter)
    assert missing.status_code == 404
    created = client.post("/api/v1/dsar", json=body, headers=recruiter)
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]
    assert created.get_json()["details"] == {"fields": ["phone"]}
    assert "GDPR" in created.get_json()["due_basis"]

    # Attesting identity is for administrators only.
    attest = {"evidence": "id_document_seen"}
    assert client.post(f"/api/v1/dsar/{request_id}/attest", json=attest, headers=recruiter).status_code == 403
    assert client.post(f"/api/v1/dsar/{request_id}/send-code", headers=recruiter).status_code == 200
    wrong = client.post(f"/api/v1/dsar/{request_id}/verify", json={"code": "00000000x"}, headers=recruiter)
    assert wrong.status_code == 422 and wrong.get_json()["verified"] is False
    right = client.post(f"/api/v1/dsar/{request_id}/verify", json={"code": code_from(mailbox)},
                        headers=recruiter)
    assert right.status_code == 200 and right.get_json()["identity"]["state"] == "verified"
    shown = client.get(f"/api/v1/dsar/{request_id}", headers=recruiter).get_json()
    assert shown["identity"]["method"] == "email_code"

    no_changes = client.post(f"/api/v1/dsar/{request_id}/run", json={}, headers=recruiter)
    assert no_changes.status_code == 422 and "corrected fields" in no_changes.get_json()["message"]
    done = client.post(f"/api/v1/dsar/{request_id}/run", json={"changes": {"phone": "+48 600 000 111"}},
                       headers=recruiter)
    assert done.status_code == 200 and done.get_json()["result"] == {"fields": ["phone"]}
    assert "+48" not in json.dumps(client.get(f"/api/v1/dsar/{request_id}", headers=recruiter).get_json())

    other = client.post("/api/v1/dsar", json={"candidate_id": world["candidate"], "kind": "opt_out"},
                        headers=recruiter).get_json()["id"]
    with state.db.transaction() as session:
        session.get(DataSubjectRequest, other).due_at = utcnow() - timedelta(hours=1)
    late = client.get("/api/v1/dsar?overdue=1", headers=recruiter).get_json()
    assert [r["id"] for r in late["requests"]] == [other] and late["overdue"] == 1
    assert client.get("/api/v1/dsar?status=nonsense", headers=recruiter).status_code == 400
    everything = client.get("/api/v1/dsar?status=all", headers=recruiter).get_json()["requests"]
    assert {r["id"] for r in everything} == {request_id, other}
    attested = client.post(f"/api/v1/dsar/{other}/attest", json=attest, headers=admin)
    assert attested.status_code == 200 and attested.get_json()["identity"]["evidence"] == "id_document_seen"
    rejected = client.post(f"/api/v1/dsar/{other}/reject", json={"reason": "withdrawn by requester"},
                           headers=recruiter)
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert client.post(f"/api/v1/dsar/{other}/reject", json={"reason": "x"},
                       headers=recruiter).status_code == 422


def test_candidate_request_then_download_link_until_used_up(app, state, staff, make_world):
    world = make_world("DE")
    with state.db.transaction() as session:
        token = issue_link_token(state.app_secret, session.get(Interview, world["interview"]))
    client = app.test_client()
    empty = client.post("/api/v1/candidate/requests", json={"kind": "access"},
                        headers={"Authorization": "Candidate "})
    assert empty.status_code == 401 and "invitation" in empty.get_json()["message"]
    forged = client.post("/api/v1/candidate/requests", json={"kind": "access"},
                         headers={"Authorization": f"Candidate {token[:-3]}abc"})
    assert forged.status_code == 403
    made = client.post("/api/v1/candidate/requests", json={"kind": "portability"},
                       headers={"Authorization": f"Candidate {token}"})
    assert made.status_code == 201, made.get_json()
    request_id = made.get_json()["id"]

    recruiter = staff("recruiter")
    shown = client.get(f"/api/v1/dsar/{request_id}", headers=recruiter).get_json()
    assert shown["channel"] == "candidate_link" and shown["identity"]["state"] == "verified"
    ran = client.post(f"/api/v1/dsar/{request_id}/run", headers=recruiter)
    assert ran.status_code == 200, ran.get_json()
    url = ran.get_json()["result"]["download_url"]
    assert "token" not in ran.get_json()["result"]
    path = url[url.index("/api/"):]

    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/zip"
        assert response.headers["Cache-Control"] == "no-store"
        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
        data = json.loads(archive.read("data.json"))
        assert data["candidate"]["email"] == "zofia.quill@example.org"
        assert archive.read(data["interviews"][0]["answers"][0]["media_file"]) == RECORDING
    used_up = client.get(path)
    assert used_up.status_code == 410 and "as many times" in used_up.get_json()["message"]
    assert client.get(path[:-4] + "AAAA").status_code == 403
    assert client.get("/api/v1/dsar/download").status_code == 400
    with state.db.transaction() as session:
        outcomes = session.scalars(select(AuditEntry.outcome).where(
            AuditEntry.action == "access.dsar_download")).all()
    assert outcomes.count("success") == 3 and "denied" in outcomes  # the refusal was kept
