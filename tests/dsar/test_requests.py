"""Each kind of data-subject request end to end, on SQLite and PostgreSQL, with real files and a real HTTP
server standing in for the HR system."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from candor.analysis.transcripts import Transcript
from candor.audit.models import AuditEntry
from candor.consent.models import ConsentRecord
from candor.db import utcnow
from candor.dsar.actions import run_request
from candor.dsar.export import open_download, stream_export
from candor.dsar.models import ConnectorDisclosure, DataSubjectRequest, ErasureReceipt, ExportPackage
from candor.dsar.service import DsarError, attest, check_code, create_request, due_date, overdue, send_code
from candor.interviews.models import Analysis, Answer, Candidate, Interview
from candor.retention.models import HoldScope, LegalHold
from candor.vault import SubjectErased
from candor.vault.media import iter_media

from .conftest import FULL_TEXT, RECORDING


def new_request(state, candidate_id, kind, **kwargs):
    with state.db.transaction(immediate=True) as session:
        return create_request(state, session, candidate_id, kind, **kwargs).id


def verify_by_code(state, mailbox, request_id):
    with state.db.transaction(immediate=True) as session:
        send_code(state, session, session.get(DataSubjectRequest, request_id))
    message = mailbox.sent[-1]
    assert message.to == "zofia.quill@example.org"
    code = message.body.split(" is ")[1][:8]
    with state.db.transaction(immediate=True) as session:
        request = session.get(DataSubjectRequest, request_id)
        assert check_code(state, session, request, "00000000" if code != "00000000" else "11111111") is False
        assert check_code(state, session, request, code) is True
        assert request.status == "in_progress" and request.identity_method == "email_code"


def test_access_export_holds_everything_and_the_link_expires_after_its_downloads(state, make_world, mailbox):
    world = make_world("DE")
    request_id = new_request(state, world["candidate"], "access")
    with pytest.raises(DsarError, match="not verified"):
        run_request(state, request_id, handler="user:1")
    verify_by_code(state, mailbox, request_id)
    result = run_request(state, request_id, handler="user:1")
    token = result["token"]
    with state.db.transaction() as session:
        package = session.get(ExportPackage, result["export"])
        stored = (state.settings.data_dir / "media" / package.storage_key).read_bytes()
    assert b"zofia" not in stored.lower() and RECORDING[:64] not in stored  # encrypted at rest
    for attempt in range(3):
        with state.db.transaction(immediate=True) as session:
            package, candidate = open_download(state, session, token)
            blob = b"".join(stream_export(state, candidate, package))
    archive = zipfile.ZipFile(io.BytesIO(blob))
    data = json.loads(archive.read("data.json"))
    assert data["candidate"]["email"] == "zofia.quill@example.org"
    answer = data["interviews"][0]["answers"][0]
    assert answer["transcript"]["text"] == FULL_TEXT
    assert answer["analyses"][0]["output"]["score"] == 4 and answer["analyses"][0]["version"] == "1.0"
    assert data["consents"][0]["purpose"] == "ai_evaluation"
    assert data["logic"][0]["plugin"] == "test_hr" and "test HR system" in data["logic"][0]["description"]
    assert archive.read(answer["media_file"]) == RECORDING
    with state.db.transaction(immediate=True) as session, pytest.raises(DsarError, match="as many times"):
        open_download(state, session, token)
    with state.db.transaction() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == f"candidate:{world['candidate']}")
        ).all()
    assert actions.count("access.dsar_download") >= 3 and "admin.dsar_complete" in actions


def test_an_expired_or_forged_download_link_is_refused(state, make_world):
    world = make_world("DE")
    request_id = new_request(state, world["candidate"], "portability", channel="candidate_link")
    result = run_request(state, request_id, handler="user:1")
    with state.db.transaction() as session:
        session.get(ExportPackage, result["export"]).expires_at = utcnow() - timedelta(seconds=1)
    with state.db.transaction(immediate=True) as session, pytest.raises(DsarError, match="expired"):
        open_download(state, session, result["token"])
    with state.db.transaction(immediate=True) as session, pytest.raises(DsarError, match="not valid"):
        open_download(state, session, result["token"][:-4] + "AAAA")


def test_erasure_shreds_deletes_and_propagates_to_the_connector(
    state, make_world, hr_server, candor_database, tmp_path
):
    world = make_world("DE")
    with state.db.transaction() as session:
        session.add(
            ConnectorDisclosure(
                candidate_id=world["candidate"], plugin="test_hr", connector="test_hr", reference="APP-5521"
            )
        )
    before = None
    if candor_database.startswith("sqlite"):
        before = tmp_path / "before.db"
        with (
            sqlite3.connect(candor_database.removeprefix("sqlite:///")) as live,
            sqlite3.connect(before) as copy,
        ):
            live.backup(copy)
    media_path = state.settings.data_dir / "media" / world["media_key"]
    media_copy = tmp_path / "media-copy"
    shutil.copy(media_path, media_copy)
    request_id = new_request(state, world["candidate"], "erasure")
    with state.db.transaction(immediate=True) as session:
        attest(
            session,
            session.get(DataSubjectRequest, request_id),
            actor="user:1",
            role="admin",
            evidence="id_document_seen",
        )
    result = run_request(state, request_id, handler="user:1")

    assert hr_server.calls == [{"path": "/applicants/APP-5521"}]
    assert result["receipts"] == [
        {
            "plugin": "test_hr",
            "connector": "test_hr",
            "reference": "APP-5521",
            "status": "erased",
            "receipt": "hr-erased-1",
        }
    ]
    assert not media_path.exists()
    state.db.session.remove()
    from candor.vault.keys import get_vault

    get_vault(state).forget_all()
    with state.db.transaction() as session:
        receipts = session.scalars(
            select(ErasureReceipt).where(ErasureReceipt.request_id == request_id)
        ).all()
        assert [(r.status, r.receipt) for r in receipts] == [("erased", "hr-erased-1")]
        candidate = session.get(Candidate, world["candidate"])
        assert candidate.email_sealed is None and candidate.email_index is None
        with pytest.raises(SubjectErased):
            candidate.full_name  # noqa: B018
        with pytest.raises(SubjectErased):
            b"".join(iter_media(state, candidate.subject, world["media_key"]))
        assert session.scalars(select(Transcript)).all() == []
        assert session.scalars(select(Analysis)).all() == []
        assert session.get(Answer, world["answer"]).media_key is None
        assert session.get(Interview, world["interview"]).access_nonce_hash is None
        # GDPR sets a minimum for consent evidence: kept, unreadable personal data in it is none.
        assert len(session.scalars(select(ConsentRecord)).all()) == 1
        request = session.get(DataSubjectRequest, request_id)
        assert request.status == "completed" and request.identity_evidence == "id_document_seen"
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.subject == f"candidate:{world['candidate']}")
        )
        assert any(e.action == "admin.dsar_erase" for e in entries)
    # The media file copied before erasure, and the database copied before, stay unreadable.
    shutil.copy(media_copy, media_path)
    with state.db.transaction() as session:
        subject = session.get(Candidate, world["candidate"]).subject
        with pytest.raises(SubjectErased):
            b"".join(iter_media(state, subject, world["media_key"]))
    if before is not None:
        from candor.app import create_app

        old = create_app(
            {"database_url": f"sqlite:///{before}", "data_dir": state.settings.data_dir, "testing": True}
        )
        from candor.state import get_state

        old_state = get_state(old)
        with old_state.db.transaction() as session:
            row = session.get(Candidate, world["candidate"])
            assert row.email_sealed is not None  # the backup still holds ciphertext...
            with pytest.raises(SubjectErased):
                row.email  # noqa: B018  ...which nothing can open any more
        old_state.db.dispose()


def test_erasure_waits_for_a_legal_hold(state, make_world):
    world = make_world("DE")
    with state.db.transaction() as session:
        session.add(
            LegalHold(scope=HoldScope.JOB, target_id=world["job"], reason="case 2025-17", placed_by="user:1")
        )
    request_id = new_request(state, world["candidate"], "erasure", channel="candidate_link")
    with pytest.raises(DsarError, match="legal hold"):
        run_request(state, request_id, handler="user:1")
    with state.db.transaction() as session:
        assert session.get(Candidate, world["candidate"]).email == "zofia.quill@example.org"


def test_rectification_explanation_and_opt_out(state, make_world):
    world = make_world("DE")
    rectification = new_request(state, world["candidate"], "rectification", channel="candidate_link")
    with pytest.raises(DsarError, match="among: full_name"):
        run_request(state, rectification, handler="user:1", changes={"salary": "x"})
    assert run_request(state, rectification, handler="user:1", changes={"email": "z.quill@example.net"}) == {
        "fields": ["email"]
    }
    explanation = new_request(state, world["candidate"], "explanation", channel="candidate_link")
    packet = run_request(state, explanation, handler="user:1")["packet"]
    assert packet["interviews"][0]["analyses"][0]["main_elements"] == {"score": 4, "competency": "leadership"}
    assert packet["interviews"][0]["human_decision_required"] is True
    assert "named person" in packet["interviews"][0]["ai_role"]
    opt = new_request(state, world["candidate"], "opt_out", channel="candidate_link")
    assert run_request(state, opt, handler="user:1") == {"interviews": [world["interview"]]}
    with state.db.transaction() as session:
        assert session.get(Candidate, world["candidate"]).email == "z.quill@example.net"
        assert session.get(Interview, world["interview"]).ai_opt_out is True
        request = session.get(DataSubjectRequest, rectification)
        assert "z.quill" not in json.dumps(request.result) and request.status == "completed"


def test_due_dates_follow_the_packs(state, make_world):
    de, il, nowhere = make_world("DE"), make_world("US-IL"), make_world("BR")
    with state.db.transaction() as session:
        january = datetime(2025, 1, 15, 9, tzinfo=UTC)
        february = datetime(2025, 2, 1, 9, tzinfo=UTC)
        assert due_date(state, session, de["candidate"], "access", january)[0] == january + timedelta(days=30)
        due, basis = due_date(state, session, de["candidate"], "access", february)
        assert due == datetime(2025, 3, 1, 9, tzinfo=UTC) and basis.startswith("gdpr:")  # one month: 28 days
        march = datetime(2025, 3, 1, 9, tzinfo=UTC)
        assert due_date(state, session, de["candidate"], "erasure", march)[0] == march + timedelta(
            days=31 - 1
        )
        due, basis = due_date(state, session, il["candidate"], "erasure", january)
        assert due == january + timedelta(days=30) and basis.startswith("illinois_aivi:")
        due, basis = due_date(state, session, nowhere["candidate"], "access", january)
        assert due == january + timedelta(days=30) and basis == "default: 30 days"


def test_overdue_requests_are_found_and_reported_by_doctor(app, state, make_world):
    world = make_world("DE")
    late = new_request(state, world["candidate"], "access", received_at=utcnow() - timedelta(days=40))
    new_request(state, world["candidate"], "explanation")
    with state.db.transaction() as session:
        assert [r.id for r in overdue(session)] == [late]
    from candor.dsar.checks import check_overdue

    result = check_overdue(app)
    assert result.status == "warning" and "1 data-subject request" in result.detail
