"""Consent and the purpose gate as candidates, the pipeline and reviewers meet them.

Three analyzers stand in for real ones with the declarations real ones carry: a transcript scorer, a face
analyzer (biometric) and an expression analyzer (emotion inference). They record every call, so a test can
show that the gate kept data from a plugin, not merely that a flag was set.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from candor import DataCategory, PluginDeclaration, Purpose, hookimpl
from candor.app import create_app
from candor.audit.models import AuditEntry
from candor.consent.models import ConsentRecord, GateDecision
from candor.interviews.links import issue_link_token
from candor.interviews.models import Analysis, Answer, Candidate, Interview, Question
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.state import get_state
from candor.tasks import WorkState
from candor.tasks import work as work_module
from candor.tasks.models import WorkItem
from candor.testing import csrf_token_from

CALLS: list[tuple[str, int]] = []


class Probe:
    def __init__(self, name: str, capabilities: set[str], categories: set[DataCategory], purposes: set[Purpose],
                 description: str) -> None:
        self.name = name
        self.declaration = PluginDeclaration(
            name=name, title=name.replace("_", " ").title(), description=description,
            capabilities=frozenset(capabilities), data_categories=frozenset(categories),
            purposes=frozenset(purposes), limits=("Tested on synthetic answers only.",))
        self.needs = frozenset({"transcript"})

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return self.declaration

    @hookimpl
    def candor_register_analyzers(self, settings):
        return [self]

    def analyze(self, inputs: dict[str, Any], settings) -> dict[str, Any]:
        CALLS.append((self.name, inputs["answer_id"]))
        return {"score": 3, "model_id": f"{self.name}-model-1"}


def probes() -> list[Probe]:
    return [
        Probe("text_scorer", {"competency_scoring"}, {DataCategory.TRANSCRIPT}, {Purpose.AI_EVALUATION},
              "Scores the transcript of each answer against the job's competencies."),
        Probe("face_cues", {"face_analysis"}, {DataCategory.VIDEO, DataCategory.BIOMETRIC},
              {Purpose.AI_EVALUATION, Purpose.BIOMETRIC_ANALYSIS}, "Detects whether a face is present."),
        Probe("expressions", {"emotion_inference"}, {DataCategory.VIDEO, DataCategory.BIOMETRIC},
              {Purpose.AI_EVALUATION, Purpose.BIOMETRIC_ANALYSIS}, "Estimates smiling from face landmarks."),
    ]


@pytest.fixture
def app(candor_settings):
    CALLS.clear()
    app = create_app(candor_settings, plugins=probes())
    yield app
    get_state(app).db.dispose()


def make_interview(app, location: str) -> tuple[int, int, str]:
    """An organisation, a job at ``location``, a candidate with one answered question; returns ids and link."""
    state = get_state(app)
    with state.db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{location.lower()}", jurisdictions=[location],
                           contact_email="privacy@acme.example")
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Analyst", location=location)
        candidate = Candidate(organization_id=org.id, full_name="Ada Example", email="ada@example.com")
        session.add_all([job, candidate])
        session.flush()
        question = Question(job_id=job.id, position=1, text="Describe a time you led a team.")
        interview = Interview(job_id=job.id, candidate_id=candidate.id)
        session.add_all([question, interview])
        session.flush()
        session.add(Answer(interview_id=interview.id, question_id=question.id, state="uploaded"))
        token = issue_link_token(state.app_secret, interview)
        return interview.id, candidate.id, token


def candidate_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Candidate {token}", "User-Agent": "Mozilla/5.0 (Linux; Android 9)"}


def give_consent(client, token: str, decisions: dict[str, bool], *, alternative: bool = False, lang: str = "en"):
    notice = client.get(f"/api/v1/candidate/notice?lang={lang}", headers=candidate_headers(token)).json
    body = {"notice_hash": notice["hash"], "language": lang, "decisions": decisions}
    if alternative:
        body["alternative_process"] = True
    return client.post("/api/v1/candidate/consent", json=body, headers=candidate_headers(token))


def run_pipeline(app, interview_id: int) -> dict[str, Analysis]:
    """Queue a step per analyzer for the interview's answer and run each unit as a worker would."""
    from candor.analysis import schedule_answer_analysis

    state = get_state(app)
    with state.db.transaction() as session:
        answer = session.scalar(select(Answer).where(Answer.interview_id == interview_id))
        ids = schedule_answer_analysis(state, session, answer)
    for item_id in ids:
        work_module.run(state, item_id)
    return analyses(app, interview_id)


def analyses(app, interview_id: int) -> dict[str, Analysis]:
    with get_state(app).db.transaction() as session:
        rows = session.scalars(select(Analysis).join(Answer).where(Answer.interview_id == interview_id)).all()
        return {row.plugin: row for row in rows}


ALL_AI = {"ai_evaluation": True, "biometric_analysis": True}


def test_notice_is_built_from_packs_and_declarations(app):
    _, _, token = make_interview(app, "DE")
    client = app.test_client()
    notice = client.get("/api/v1/candidate/notice?lang=en", headers=candidate_headers(token)).json
    assert "gdpr" in notice["version"] and "eu_ai_act" in notice["version"]
    assert "Scores the transcript of each answer" in notice["text"]
    assert "Not used for this job: Expressions" in notice["text"]  # prohibited in the EU, said plainly
    assert "privacy@acme.example" in notice["text"]
    offered = {p["purpose"]: p["separate"] for p in notice["purposes"]}
    assert offered["biometric_analysis"] is True and offered["ai_evaluation"] is False
    assert offered["bias_audit"] is True  # the voluntary demographic questions, asked separately
    chinese = client.get("/api/v1/candidate/notice?lang=zh-CN", headers=candidate_headers(token)).json
    assert "本次面试如何使用人工智能" in chinese["text"] and chinese["hash"] != notice["hash"]
    again = client.get("/api/v1/candidate/notice?lang=en", headers=candidate_headers(token)).json
    assert again["hash"] == notice["hash"]


def test_consent_is_recorded_with_evidence_and_audited(app):
    interview_id, candidate_id, token = make_interview(app, "DE")
    client = app.test_client()
    response = give_consent(client, token, {"ai_evaluation": True, "biometric_analysis": False})
    assert response.status_code == 201, response.json
    assert response.json["granted"] == ["ai_evaluation"]
    with get_state(app).db.transaction() as session:
        records = session.scalars(select(ConsentRecord).where(ConsentRecord.candidate_id == candidate_id)).all()
        assert {(r.purpose, r.granted) for r in records} == {("ai_evaluation", True), ("biometric_analysis", False)}
        record = records[0]
        assert len(record.notice_hash) == 64 and "gdpr" in record.notice_version
        assert record.ip_hash and "127.0.0.1" not in record.ip_hash
        assert record.user_agent.startswith("Mozilla/5.0") and record.channel == "web"
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject == f"candidate:{candidate_id}")
                                  ).all()
        assert "consent.grant" in actions and "consent.refuse" in actions


def test_consent_on_a_stale_notice_or_an_unoffered_purpose_is_refused(app):
    _, _, token = make_interview(app, "DE")
    client = app.test_client()
    stale = client.post("/api/v1/candidate/consent", headers=candidate_headers(token),
                        json={"notice_hash": "0" * 64, "language": "en", "decisions": {"ai_evaluation": True}})
    assert stale.status_code == 409 and "notice changed" in stale.json["message"]
    odd = give_consent(client, token, {"attendance": True})
    assert odd.status_code == 422 and "does not ask consent for attendance" in odd.json["message"]


def test_links_that_are_missing_forged_replaced_or_expired(app):
    interview_id, _, token = make_interview(app, "DE")
    client = app.test_client()
    assert client.get("/api/v1/candidate/notice").status_code == 401
    forged = client.get("/api/v1/candidate/notice", headers=candidate_headers(token[:-3] + "abc"))
    assert forged.status_code == 403 and "not valid" in forged.json["message"]
    state = get_state(app)
    with state.db.transaction() as session:
        interview = session.get(Interview, interview_id)
        newer = issue_link_token(state.app_secret, interview)
    replaced = client.get("/api/v1/candidate/notice", headers=candidate_headers(token))
    assert replaced.status_code == 403 and "newer link" in replaced.json["message"]
    assert client.get("/api/v1/candidate/notice", headers=candidate_headers(newer)).status_code == 200
    from candor.db import utcnow

    with state.db.transaction() as session:
        session.get(Interview, interview_id).expires_at = utcnow()
    expired = client.get("/api/v1/candidate/notice", headers=candidate_headers(newer))
    assert expired.status_code == 410 and "expired" in expired.json["message"]


def test_emotion_inference_never_runs_for_an_eu_job(app):
    interview_id, _, token = make_interview(app, "FR")
    assert give_consent(app.test_client(), token, ALL_AI).status_code == 201
    result = run_pipeline(app, interview_id)
    assert "expressions" not in {name for name, _ in CALLS}
    assert result["expressions"].state == "skipped"
    assert "emotion inference prohibited under eu_ai_act" in result["expressions"].error
    assert result["text_scorer"].state == "done" and result["face_cues"].state == "done"
    assert result["text_scorer"].model_id == "text_scorer-model-1"


def test_the_same_plugin_runs_where_no_pack_prohibits_it(app):
    interview_id, _, token = make_interview(app, "US-NYC")
    assert give_consent(app.test_client(), token, ALL_AI).status_code == 201
    assert run_pipeline(app, interview_id)["expressions"].state == "done"


def test_face_analysis_never_runs_without_separate_biometric_consent(app):
    interview_id, _, token = make_interview(app, "CN")
    assert give_consent(app.test_client(), token,
                        {"ai_evaluation": True, "biometric_analysis": False}).status_code == 201
    result = run_pipeline(app, interview_id)
    called = {name for name, _ in CALLS}
    assert "face_cues" not in called and "expressions" not in called
    assert "no separate consent for biometric_analysis" in result["face_cues"].error
    assert result["text_scorer"].state == "done"


def test_nothing_runs_without_consent(app):
    interview_id, _, _ = make_interview(app, "US-IL")
    result = run_pipeline(app, interview_id)
    assert CALLS == []
    assert all(row.state == "skipped" for row in result.values())
    assert "no consent for ai_evaluation" in result["text_scorer"].error


def test_alternative_process_routes_around_ai(app):
    interview_id, _, token = make_interview(app, "US-NYC")
    response = give_consent(app.test_client(), token, ALL_AI, alternative=True)
    assert response.json["alternative_process"] is True
    result = run_pipeline(app, interview_id)
    assert CALLS == []
    assert "asked for a human-only process" in result["text_scorer"].error


def test_withdrawal_mid_pipeline_stops_the_remaining_steps(app):
    from candor.analysis import schedule_answer_analysis

    interview_id, candidate_id, token = make_interview(app, "CN")
    client = app.test_client()
    assert give_consent(client, token, ALL_AI).status_code == 201
    state = get_state(app)
    with state.db.transaction() as session:
        answer = session.scalar(select(Answer).where(Answer.interview_id == interview_id))
        # The test's own scorer first (built-in analyzers are queued too and sort among it).
        queued = schedule_answer_analysis(state, session, answer)
        ours = schedule_answer_analysis(state, session, answer, select=lambda plugin, _name, _needs:
                                        plugin == "text_scorer")
        first, rest = ours[0], [item for item in queued if item not in ours]
    assert work_module.run(state, first) == "done"
    assert len(CALLS) == 1

    withdrawn = client.post("/api/v1/candidate/withdraw", json={"purposes": ["ai_evaluation", "biometric_analysis"]},
                            headers=candidate_headers(token))
    assert withdrawn.status_code == 200
    assert withdrawn.json["stopped_work"] == len(rest)
    for item_id in rest:
        assert work_module.run(state, item_id) == "skipped"
    assert len(CALLS) == 1  # nothing ran after the withdrawal
    with state.db.transaction() as session:
        states = {session.get(WorkItem, i).state for i in rest}
        assert states == {WorkState.CANCELLED}
        assert session.scalars(select(ConsentRecord.withdrawn_at).where(
            ConsentRecord.candidate_id == candidate_id)).all()[0] is not None
    # A step queued again later (a retry, a re-analysis) meets the gate, which now refuses.
    with state.db.transaction() as session:
        session.add(WorkItem(kind="core.analyse", payload={"answer_id": answer.id, "plugin": "text_scorer",
                                                            "analyzer": "text_scorer"}, state=WorkState.QUEUED))
        session.flush()
        again = session.scalar(select(WorkItem.id).order_by(WorkItem.id.desc()))
    work_module.run(state, again)
    assert len(CALLS) == 1
    assert "no consent for ai_evaluation" in analyses(app, interview_id)["text_scorer"].error


def test_refusals_are_visible_to_staff_and_audited(app, make_staff):
    interview_id, candidate_id, token = make_interview(app, "DE")
    client = app.test_client()
    give_consent(client, token, {"ai_evaluation": True, "biometric_analysis": False})
    run_pipeline(app, interview_id)
    from candor.auth.tokens import create_token

    with get_state(app).db.transaction() as session:
        from candor.auth.models import Role, User
        from candor.auth.passwords import hash_password

        user = User(email="hr@example.com", role=Role.RECRUITER, password_hash=hash_password("long enough pass"))
        session.add(user)
        session.flush()
        bearer, _ = create_token(session, user, "tests", ["candidates:read"])
    processing = client.get(f"/api/v1/interviews/{interview_id}/processing",
                            headers={"Authorization": f"Bearer {bearer}"}).json
    refused = {d["plugin"]: d["reasons"] for d in processing["gate"] if not d["allowed"]}
    assert refused["face_cues"][0]["message"] == "Face Cues skipped: no separate consent for biometric_analysis"
    assert any("prohibited under eu_ai_act" in r["message"] for r in refused["expressions"])
    with get_state(app).db.transaction() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.action == "policy.gate",
                                                          AuditEntry.outcome == "denied")).all()
        assert {e.details["plugin"] for e in denied} == {"face_cues", "expressions"}
        allowed = set(session.scalars(select(GateDecision.plugin).where(GateDecision.allowed.is_(True))))
        assert "text_scorer" in allowed and not allowed & {"face_cues", "expressions"}
    assert app.test_client().get(f"/api/v1/interviews/{interview_id}/processing").status_code == 401


def test_withdrawal_page_from_an_email_link(app):
    _, candidate_id, token = make_interview(app, "DE")
    client = app.test_client()
    give_consent(client, token, {"ai_evaluation": True, "biometric_analysis": True})
    page = client.get(f"/candidate/withdraw?t={token}")
    assert page.status_code == 200 and "biometric_analysis" in page.get_data(as_text=True)
    assert client.post(f"/candidate/withdraw?t={token}").status_code == 400  # no CSRF token
    form = {"csrf_token": csrf_token_from(page.get_data(as_text=True))}
    done = client.post(f"/candidate/withdraw?t={token}", data=form)
    assert done.status_code == 200 and "ai_evaluation" in done.get_data(as_text=True)
    from candor.consent.service import granted_purposes

    with get_state(app).db.transaction() as session:
        assert granted_purposes(session, candidate_id) == set()


class Snoop(Probe):
    """An analyzer that tries to read candidates' names through the core's own database session."""

    def analyze(self, inputs, settings):
        CALLS.append((self.name, inputs["answer_id"]))
        names = [c.full_name for c in get_state().db.session.scalars(select(Candidate)).all()]
        return {"names": names}


def test_a_plugin_cannot_read_personal_data_past_the_gate(candor_settings):
    CALLS.clear()
    snoop = Snoop("snoop", {"competency_scoring"}, {DataCategory.TRANSCRIPT}, {Purpose.AI_EVALUATION}, "Snoops.")
    app = create_app(candor_settings, plugins=[snoop])
    interview_id, _, token = make_interview(app, "US-NYC")
    give_consent(app.test_client(), token, {"ai_evaluation": True})
    with app.app_context():
        result = run_pipeline(app, interview_id)
    assert [("snoop", result["snoop"].answer_id)] == CALLS  # it ran...
    assert result["snoop"].state == "failed" and result["snoop"].output is None  # ...and got nothing
    assert "plugin:snoop may not query Candidate" in result["snoop"].error
    with get_state(app).db.transaction() as session:
        denied = session.scalars(select(AuditEntry).where(AuditEntry.subject == "plugin:snoop")).all()
        assert [(e.action, e.outcome) for e in denied] == [("access.read", "denied")]
    get_state(app).db.dispose()


class TranscriptReader(Probe):
    """A text analyzer that keeps what it was given, to show which form of the transcript reaches plugins."""

    received: list[str] = []

    def analyze(self, inputs, settings):
        TranscriptReader.received.append(inputs["transcript"])
        return {"words": len(inputs["transcript"].split())}


SPOKEN = ("I led the migration with Maria Gonzalez; reach me at maria.g@example.org or +1 415 555 0142. "
          "We cut costs by 20 percent.")


def test_text_analyzers_receive_only_the_redacted_transcript(candor_settings):
    from candor.analysis.transcripts import Transcript, store_transcript

    reader = TranscriptReader("reader", {"competency_scoring"}, {DataCategory.TRANSCRIPT}, {Purpose.AI_EVALUATION},
                              "Counts words.")
    TranscriptReader.received = []
    app = create_app(candor_settings, plugins=[reader])
    interview_id, _, token = make_interview(app, "US-NYC")
    give_consent(app.test_client(), token, {"ai_evaluation": True})
    state = get_state(app)
    with state.db.transaction() as session:
        answer = session.scalar(select(Answer).where(Answer.interview_id == interview_id))
        stored = store_transcript(app, session, answer, SPOKEN, language="en", engine="test")
        assert stored.found.get("EMAIL_ADDRESS") == 1 and stored.found.get("PHONE_NUMBER") == 1
    result = run_pipeline(app, interview_id)
    assert result["reader"].state == "done"
    [given] = TranscriptReader.received
    for secret in ("maria.g@example.org", "555 0142", "Maria Gonzalez"):
        assert secret not in given
    assert "<EMAIL_ADDRESS>" in given and "cut costs by 20 percent" in given
    with state.db.transaction() as session:
        transcript = session.scalar(select(Transcript))
        assert transcript.full_text == SPOKEN  # the full form decrypts for those allowed to see it
        raw = session.execute(select(Transcript.__table__.c.full_text, Transcript.__table__.c.redacted_text)).one()
        assert b"maria" not in raw[0].lower() and b"costs" not in raw[1]
    state.db.dispose()


class AbroadConnector:
    """An HR-system connector whose data ends up in the EU."""

    name = "eu_hr"
    region = "EU"

    @hookimpl
    def candor_declare(self):
        return PluginDeclaration(name="eu_hr", title="EU HR", capabilities=frozenset({"ehr_sync"}),
                                 data_categories=frozenset({DataCategory.ASSESSMENT}),
                                 purposes=frozenset({Purpose.RECRUITMENT}), region="EU")

    @hookimpl
    def candor_register_ehr_connectors(self, settings):
        return [self]

    def pull_jobs(self, since):
        return iter(())

    def pull_applicants(self, since):
        return iter(())

    def push_event(self, event, idempotency_key):
        return {"reference": idempotency_key}


def test_the_notice_asks_for_cross_border_consent_when_results_go_abroad(candor_settings):
    app = create_app(candor_settings, plugins=[AbroadConnector()])
    _, _, us_token = make_interview(app, "US-NYC")  # no NYC pack asks for it: the connector abroad does
    _, _, de_token = make_interview(app, "DE")
    client = app.test_client()
    before = create_app({**candor_settings, "data_dir": candor_settings["data_dir"]})
    plain = before.test_client().get("/api/v1/candidate/notice", headers=candidate_headers(us_token)).json
    assert "cross_border_transfer" not in {p["purpose"] for p in plain["purposes"]}
    york = client.get("/api/v1/candidate/notice", headers=candidate_headers(us_token)).json
    offered = {p["purpose"]: p["separate"] for p in york["purposes"]}
    assert offered.get("cross_border_transfer") is True
    assert "eu_hr: EU" in york["text"]
    chinese = client.get("/api/v1/candidate/notice?lang=zh-CN", headers=candidate_headers(us_token)).json
    assert "接收您面试结果的境外人力资源系统" in chinese["text"]
    germany = client.get("/api/v1/candidate/notice", headers=candidate_headers(de_token)).json
    assert "eu_hr: EU" not in germany["text"]  # the EU connector is not abroad for a job in Germany
    get_state(app).db.dispose()
    get_state(before).db.dispose()
