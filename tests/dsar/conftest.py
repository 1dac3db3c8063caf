"""A small world for data-subject request tests: a job at a location, a candidate with a recorded, transcribed
and analysed answer, consent, and an HR-system connector that talks to a real local HTTP server."""

from __future__ import annotations

import io
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from candor import DataCategory, PluginDeclaration, Purpose, hookimpl
from candor.analysis.transcripts import Transcript
from candor.app import create_app
from candor.consent.models import ConsentRecord
from candor.db import utcnow
from candor.interviews.models import Analysis, Answer, Candidate, Interview, Question
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.state import get_state
from candor.vault.media import store_media

RECORDING = secrets.token_bytes(300_000)  # random bytes: any plaintext trace would be recognisable
FULL_TEXT = "My name is Zofia Quill, reach me at zofia.quill@example.org; I led the Kestrel migration."


class HrServer:
    """An HR system stand-in: records every erasure call it receives and answers with a receipt."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_DELETE(self) -> None:  # noqa: N802
                outer.calls.append({"path": self.path})
                body = json.dumps({"receipt": f"hr-erased-{len(outer.calls)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class HttpConnector:
    name = "test_hr"

    def __init__(self, url: str) -> None:
        self.url = url

    def pull_jobs(self, since):
        return iter(())

    def pull_applicants(self, since):
        return iter(())

    def push_event(self, event, idempotency_key):
        return {}

    def erase(self, reference: str) -> dict[str, Any]:
        from urllib.request import Request, urlopen

        with urlopen(Request(f"{self.url}/applicants/{reference}", method="DELETE"), timeout=5) as response:
            return json.loads(response.read())


class HrPlugin:
    def __init__(self, url: str) -> None:
        self.url = url

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(
            name="test_hr",
            title="Test HR",
            description="Sends results to a test HR system.",
            capabilities=frozenset({"ehr_connector"}),
            data_categories=frozenset({DataCategory.CONTACT, DataCategory.ASSESSMENT}),
            purposes=frozenset({Purpose.RECRUITMENT}),
        )

    @hookimpl
    def candor_register_ehr_connectors(self, settings):
        return [HttpConnector(self.url)]


class Mailbox:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(
            name="test_mail",
            title="Test mail",
            description="Keeps messages in memory.",
            capabilities=frozenset({"notifier"}),
            data_categories=frozenset({DataCategory.CONTACT}),
            purposes=frozenset({Purpose.RECRUITMENT}),
        )

    @hookimpl
    def candor_register_notifiers(self, settings):
        return [self]

    name = "memory"
    channel = "email"

    def send(self, message) -> str:
        self.sent.append(message)
        return str(len(self.sent))


@pytest.fixture
def hr_server():
    server = HrServer()
    yield server
    server.stop()


@pytest.fixture
def mailbox():
    return Mailbox()


@pytest.fixture
def app(candor_settings, hr_server, mailbox):
    app = create_app(candor_settings, plugins=[HrPlugin(hr_server.url), mailbox])
    yield app
    get_state(app).db.dispose()


@pytest.fixture
def state(app):
    return get_state(app)


@pytest.fixture
def make_world(state):
    def make(location: str = "DE") -> dict[str, Any]:
        with state.db.transaction() as session:
            org = Organization(name="Acme", slug=f"acme-{secrets.token_hex(3)}", jurisdictions=[location])
            session.add(org)
            session.flush()
            job = Job(organization_id=org.id, title="Analyst", location=location)
            candidate = Candidate(
                organization_id=org.id,
                full_name="Zofia Quill",
                email="zofia.quill@example.org",
                phone="+48 601 234 987",
                external_ref="ATS-77120",
            )
            session.add_all([job, candidate])
            session.flush()
            question = Question(job_id=job.id, position=1, text="Describe a migration you led.")
            interview = Interview(job_id=job.id, candidate_id=candidate.id)
            session.add_all([question, interview])
            session.flush()
            answer = Answer(
                interview_id=interview.id,
                question_id=question.id,
                state="analysed",
                media_key=f"answers/{interview.id}-1.webm",
            )
            session.add(answer)
            session.flush()
            store_media(state, candidate.subject, answer.media_key, io.BytesIO(RECORDING))
            session.add(
                Transcript(
                    answer_id=answer.id,
                    subject_id=candidate.subject_id,
                    language="en",
                    engine="test",
                    full_text=FULL_TEXT,
                    redacted_text="<PERSON> led a migration.",
                )
            )
            session.add(
                Analysis(
                    answer_id=answer.id,
                    analyzer="scorer",
                    plugin="test_hr",
                    plugin_version="1.0",
                    state="done",
                    output={"score": 4, "competency": "leadership"},
                    started_at=utcnow(),
                    finished_at=utcnow(),
                )
            )
            session.add(
                ConsentRecord(
                    candidate_id=candidate.id,
                    interview_id=interview.id,
                    purpose="ai_evaluation",
                    granted=True,
                    notice_version="gdpr:2025.1",
                    notice_hash="0" * 64,
                    language="en",
                    channel="web",
                )
            )
            return {
                "org": org.id,
                "job": job.id,
                "candidate": candidate.id,
                "interview": interview.id,
                "answer": answer.id,
                "media_key": answer.media_key,
                "subject": candidate.subject_id,
            }

    return make
