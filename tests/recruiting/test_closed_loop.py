"""The whole loop against the local SuccessFactors server and a local SMTP server: an application appears in
SuccessFactors and ends with the interview's result and the human decision written back to it, each event
exactly once from SuccessFactors' point of view, through an outage and 500s on the way."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import or_, select, update
from support.mailbox import Mailbox
from support.sf_server import FakeSuccessFactors

from candor import DataCategory, PluginDeclaration, Purpose, hookimpl
from candor.app import create_app
from candor.auth.models import Role, User
from candor.cli import cli
from candor.db import utcnow
from candor.dsar.models import ConnectorDisclosure
from candor.interviews.models import Answer, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.outbox.models import OutboxEvent
from candor.questions.models import InterviewQuestion
from candor.recruiting.loop import submit_interview
from candor.recruiting.models import Invitation
from candor.review.models import ReviewAssignment
from candor.review.service import DecisionInput, decide
from candor.state import get_state
from candor.tasks import work
from candor.tasks.models import WorkItem

from .helpers import approve_question_set, make_organization
from .test_successfactors import sf_settings

PUBLIC = "https://candor.acme.example"


class Scorer:
    """A throwaway scoring analyzer: a fixed, confident score (0..1) for every answer."""

    name = "fixed"
    needs = frozenset()

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(
            name="fixed_scorer",
            title="Fixed scorer",
            description="Scores every answer 0.8.",
            capabilities=frozenset({"competency_scoring"}),
            data_categories=frozenset({DataCategory.TRANSCRIPT}),
            purposes=frozenset({Purpose.AI_EVALUATION}),
        )

    @hookimpl
    def candor_register_analyzers(self, settings: Any) -> list[Any]:
        return [self]

    def analyze(self, inputs: Any, settings: Any) -> dict[str, Any]:
        return {"score": 0.8, "confidence": 0.9, "model_id": "fixed-1"}


@pytest.fixture
def fake():
    server = FakeSuccessFactors(page_size=1).start()
    yield server
    server.stop()


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


def make_app(candor_settings: dict[str, Any], fake: FakeSuccessFactors, mailbox: Mailbox, region: str) -> Any:
    return create_app(
        {
            **candor_settings,
            "public_url": PUBLIC,
            "outbox_backoff_base_seconds": 0.01,
            # The fixed scorer stands in for the built-in one, which would score the empty transcripts low.
            "plugins_disable": ["competency_scorer"],
            "plugin_settings": {
                "smtp_mail": mailbox.settings(),
                "successfactors": sf_settings(fake, region=region),
            },
        },
        plugins=[Scorer()],
    )


def drain(
    app: Any, kinds: tuple[str, ...] | None = None, *, rounds: int = 50, settle: bool = True
) -> list[tuple[str, str]]:
    """Run queued units (a retry's back-off is skipped: time passes) until none is left; returns outcomes."""
    state = get_state(app)
    ran: list[tuple[str, str]] = []
    for _ in range(rounds):
        with state.db.transaction() as session:
            query = select(WorkItem.id, WorkItem.kind).where(WorkItem.state == "queued").order_by(WorkItem.id)
            if kinds:
                query = query.where(WorkItem.kind.in_(kinds))
            items = session.execute(
                query.where(or_(WorkItem.kind != "core.send_reminder", WorkItem.not_before <= utcnow()))
            ).all()
            session.execute(
                update(WorkItem).where(WorkItem.id.in_([i for i, _ in items])).values(not_before=None)
            )
        if not items:
            return ran
        ran += [(kind, work.run(state, item_id)) for item_id, kind in items]
    if settle:
        raise AssertionError(f"work did not settle: {ran[-10:]}")
    return ran


def ehr(app: Any, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["ehr", *args], obj=ScriptInfo(create_app=lambda: app))
    return result


def link_token(text: str, path: str) -> str:
    match = re.search(re.escape(f"{PUBLIC}{path}?t=") + r"([A-Za-z0-9_.\-]+)", text)
    assert match, f"no {path} link"
    return match.group(1)


def test_applicant_in_successfactors_ends_with_result_and_decision_written_back(
    candor_settings, fake, mailbox
):
    for req in (7001, 7002):
        fake.add_requisition(
            req,
            title="Backend Engineer",
            country="US",
            cust_location="US-NYC",
            description="<p>Build and run our payment services with a small team; mentor "
            "junior engineers.</p>",
            cust_requirements="Python, SQL, teamwork, communication, problem solving",
        )
    fake.add_application(
        9001,
        candidate_id=8001,
        req_id=7001,
        first="Ada",
        last="Lovelace",
        email="ada@example.com",
        phone="+1 212 555 0101",
    )
    app = make_app(candor_settings, fake, mailbox, region="US")
    state = get_state(app)
    org = make_organization(app)

    # a pull: jobs and the applicant arrive; the applicant waits for HR to approve questions
    result = ehr(app, "sync", "--organization", str(org), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)["successfactors.successfactors"]
    assert (report["jobs"], report["applicants"], report["released"]) == (2, 1, 0)
    assert "Ada" not in result.output and "ada@" not in result.output
    with state.db.transaction() as session:
        job = session.scalar(select(Job).where(Job.external_ref == "7001"))
        assert (job.location, job.title) == ("US-NYC", "Backend Engineer")
        approve_question_set(app, session, job)
    fake.add_application(
        9002, candidate_id=8001, req_id=7001, first="Ada", last="Lovelace", email="ada@example.com"
    )  # a duplicate application of the same person to the same job
    result = ehr(app, "sync", "--organization", str(org), "--json")
    report = json.loads(result.output)["successfactors.successfactors"]
    assert report["released"] == 1  # the cursor's boundary rows come again ("ge"); intake is idempotent
    with state.db.transaction() as session:
        assert (
            len(session.scalars(select(Job)).all()) == 2
            and len(session.scalars(select(Interview)).all()) == 1
        )

    # the invitation arrives, in English, with the interview link, the withdrawal link and the NYC lead time
    assert ("core.send_invitation", "done") in drain(app)
    [invitation_mail] = mailbox.messages
    body = invitation_mail.get_content()
    assert invitation_mail["To"] == "ada@example.com" and body.startswith("Dear Ada Lovelace,")
    assert "10 business days" in body
    token = link_token(body, "/interview")
    link_token(body, "/candidate/withdraw")
    client = app.test_client()
    candidate = {"Authorization": f"Candidate {token}"}
    assert client.get("/api/v1/candidate/notice", headers=candidate).status_code == 403  # not open yet

    # ten business days pass; the reminder says the interview is open
    with state.db.transaction() as session:
        invitation = session.scalar(select(Invitation))
        assert invitation.opens_at - invitation.sent_at >= timedelta(days=14)
        invitation.opens_at = utcnow() - timedelta(minutes=1)
        session.execute(
            update(WorkItem)
            .where(WorkItem.kind == "core.send_reminder")
            .values(not_before=utcnow() - timedelta(seconds=1))
        )
    assert ("core.send_reminder", "done") in drain(app)
    assert "is open" in mailbox.messages[1].get_content()

    # the candidate reads the notice, consents and answers every question
    notice = client.get("/api/v1/candidate/notice", headers=candidate).get_json()
    decisions = {p["purpose"]: True for p in notice["purposes"]}
    answer = client.post(
        "/api/v1/candidate/consent",
        headers=candidate,
        json={"notice_hash": notice["hash"], "language": "en", "decisions": decisions},
    )
    assert answer.status_code == 201, answer.get_json()
    with state.db.transaction() as session:
        interview = session.scalar(select(Interview))
        interview.move_to(InterviewState.IN_PROGRESS, actor="candidate")
        for asked in session.scalars(
            select(InterviewQuestion).where(InterviewQuestion.interview_id == interview.id)
        ):
            session.add(Answer(interview_id=interview.id, question_id=asked.question_id, state="uploaded"))
        session.flush()
        submit_interview(state, session, interview, actor="candidate")
        interview_id, candidate_id = interview.id, interview.candidate_id

    # analysis, conclusion and delivery, with SuccessFactors failing twice and then down for a while
    fake.fail_next = 2
    outcomes = drain(app, ("core.analyse", "core.conclude_interview"))
    assert ("core.conclude_interview", "done") in outcomes
    drain(app, ("core.deliver_outbox",), rounds=1, settle=False)
    fake.stop()
    drain(app, ("core.deliver_outbox",), rounds=2, settle=False)
    fake.start()
    drain(app)
    with state.db.transaction() as session:
        assert session.get(Interview, interview_id).state == InterviewState.AWAITING_REVIEW
        events = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        assert [(e.event_type, e.state) for e in events] == [
            ("interview.completed", "delivered"),
            ("result.ready", "delivered"),
        ]
        assert max(e.attempts for e in events) >= 2  # the failures really happened
    written = fake.application(9001)
    assert written["cust_candorScore"] == "0.80" and written["cust_candorRecommendation"] == "advance"
    assert written["cust_candorReportUrl"] == f"{PUBLIC}/admin/interviews/{interview_id}"
    assert written["appStatusSetItemId"] == "201"

    # a person decides; the decision goes back too
    with state.db.transaction() as session:
        reviewer = User(email="rita@acme.example", role=Role("reviewer"), password_hash="x")
        session.add(reviewer)
        session.flush()
        session.add(
            ReviewAssignment(interview_id=interview_id, reviewer_id=reviewer.id, assigned_by="user:1")
        )
        session.flush()
        interview = session.get(Interview, interview_id)
        decide(
            session,
            interview,
            session.get(Job, interview.job_id),
            user_id=reviewer.id,
            actor=f"user:{reviewer.id}",
            given=DecisionInput(
                outcome="reject", reason="Too little SQL.", override_reason="The SQL answer was weak."
            ),
        )
    drain(app)
    written = fake.application(9001)
    assert written["cust_candorDecision"] == "reject" and written["appStatusSetItemId"] == "301"
    assert written["cust_candorEvent"] == "decision.made"
    # exactly once each, from SuccessFactors' point of view
    with state.db.transaction() as session:
        keys = [e.idempotency_key for e in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]
        assert {e.subject for e in session.scalars(select(OutboxEvent))} == {f"candidate:{candidate_id}"}
        assert [e.state for e in session.scalars(select(OutboxEvent))] == ["delivered"] * 3
    assert dict(fake.writes_by_key) == {key: 1 for key in keys}
    with state.db.transaction() as session:  # erasure will reach SuccessFactors under the application's id
        disclosed = session.execute(select(ConnectorDisclosure.plugin, ConnectorDisclosure.reference)).all()
        assert set(disclosed) == {("successfactors", "9001")}
    assert "9002" not in {w for w in fake.writes_by_key}  # the duplicate application got nothing


def test_results_for_a_tenant_abroad_need_cross_border_consent(candor_settings, fake, mailbox):
    fake.add_requisition(
        7001,
        title="Backend Engineer",
        country="US",
        cust_location="US-NYC",
        description="Build payment services with a team.",
        cust_requirements="Python, SQL",
    )
    fake.add_application(
        9001, candidate_id=8001, req_id=7001, first="Ada", last="Lovelace", email="ada@example.com"
    )
    app = make_app(candor_settings, fake, mailbox, region="EU")
    state = get_state(app)
    org = make_organization(app)
    assert ehr(app, "sync", "--organization", str(org)).exit_code == 0
    with state.db.transaction() as session:
        interview = session.scalar(select(Interview))
        interview.move_to(InterviewState.INVITED, actor="test")
        interview.move_to(InterviewState.IN_PROGRESS, actor="test")
        submit_interview(state, session, interview, actor="candidate")
    drain(app)
    with state.db.transaction() as session:
        events = session.scalars(select(OutboxEvent)).all()
        assert events and all(e.state == "refused" for e in events)
        assert any("cross_border_transfer" in (e.last_error or "") for e in events)
    assert fake.writes_by_key == {}


def test_sync_with_successfactors_down_or_malformed_changes_nothing(candor_settings, fake, mailbox):
    fake.add_requisition(
        7001,
        title="Backend Engineer",
        country="US",
        cust_location="US-NYC",
        description="Build payment services.",
    )
    app = make_app(candor_settings, fake, mailbox, region="US")
    org = make_organization(app)
    fake.malformed_next = 1
    result = ehr(app, "sync", "--organization", str(org))
    assert result.exit_code == 1 and "MALFORMED" in result.output and "changed nothing" in result.output
    fake.stop()
    result = ehr(app, "sync", "--organization", str(org))
    assert result.exit_code == 1 and "UNREACHABLE" in result.output
    with get_state(app).db.transaction() as session:
        assert session.scalar(select(Job.id)) is None
    fake.start()
    result = ehr(app, "sync", "--organization", str(org))
    assert result.exit_code == 0 and "1 jobs" in result.output
    assert ehr(app, "sync", "--organization", str(org), "--plugin", "nope").exit_code == 1
