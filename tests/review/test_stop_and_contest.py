"""The stop button, and candidates asking for a person to look again."""

from __future__ import annotations

from datetime import timedelta

from review_helpers import CALLS, assign, candidate_headers, make_interview
from sqlalchemy import select

from candor.analysis import schedule_answer_analysis
from candor.interviews.models import Analysis, Answer, Interview
from candor.interviews.states import InterviewState
from candor.review.models import ReviewRequest
from candor.state import get_state
from candor.tasks import WorkState
from candor.tasks import work as work_module
from candor.tasks.models import WorkItem


def _consent(client, token):
    notice = client.get("/api/v1/candidate/notice?lang=en", headers=candidate_headers(token)).json
    answer = client.post(
        "/api/v1/candidate/consent",
        headers=candidate_headers(token),
        json={"notice_hash": notice["hash"], "language": "en", "decisions": {"ai_evaluation": True}},
    )
    assert answer.status_code == 201, answer.json


def _queue(app, ids):
    state = get_state(app)
    with state.db.transaction() as session:
        return schedule_answer_analysis(state, session, session.get(Answer, ids["answer"]))


def test_suspending_ai_for_a_job_cancels_queued_work_and_the_gate_refuses(app, staff):
    ids = make_interview(app, state=InterviewState.SUBMITTED)
    other = make_interview(app, state=InterviewState.SUBMITTED)
    client = app.test_client()
    _consent(client, ids["token"])
    _consent(client, other["token"])
    queued, untouched = _queue(app, ids), _queue(app, other)
    _, admin = staff("admin")
    _, recruiter = staff("recruiter")
    url = f"/api/v1/jobs/{ids['job']}/suspensions"
    assert client.post(url, json={"reason": "bias audit pending"}, headers=recruiter).status_code == 403
    unknown = client.post(url, json={"reason": "x", "plugin": "nope"}, headers=admin)
    assert unknown.status_code == 422 and "scorer" in unknown.json["message"]
    assert client.post(url, json={"reason": " "}, headers=admin).status_code == 422

    made = client.post(url, json={"reason": "bias audit pending"}, headers=admin)
    assert made.status_code == 201, made.json
    assert (made.json["what"], made.json["scope"], made.json["cancelled_work"]) == (
        "all_ai_evaluation",
        "job",
        1,
    )
    state = get_state(app)
    with state.db.transaction() as session:
        assert session.get(WorkItem, queued[0]).state == WorkState.CANCELLED
        assert session.get(WorkItem, untouched[0]).state == WorkState.QUEUED  # another job: not stopped
    assert work_module.run(state, queued[0]) == "skipped"
    assert work_module.run(state, untouched[0]) == "done"
    assert [other["answer"]] == CALLS

    # A step queued afresh meets the gate, which now refuses with the reason.
    with state.db.transaction() as session:
        session.add(
            WorkItem(
                kind="core.analyse",
                state=WorkState.QUEUED,
                payload={"answer_id": ids["answer"], "plugin": "scorer", "analyzer": "scorer"},
            )
        )
        session.flush()
        again = session.scalar(select(WorkItem.id).order_by(WorkItem.id.desc()))
    assert work_module.run(state, again) == "done"
    assert [other["answer"]] == CALLS
    with state.db.transaction() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.answer_id == ids["answer"]))
        assert analysis.state == "skipped"
        assert (
            f"Scorer skipped: AI evaluation is suspended for this job (suspension {made.json['id']})"
            == analysis.error
        )

    lifted = client.post(f"/api/v1/suspensions/{made.json['id']}/lift", headers=admin)
    assert lifted.status_code == 200 and lifted.json["lifted_by"].startswith("token:")
    assert client.post(f"/api/v1/suspensions/{made.json['id']}/lift", headers=admin).status_code == 409
    with state.db.transaction() as session:
        session.add(
            WorkItem(
                kind="core.analyse",
                state=WorkState.QUEUED,
                payload={"answer_id": ids["answer"], "plugin": "scorer", "analyzer": "scorer"},
            )
        )
        session.flush()
        after = session.scalar(select(WorkItem.id).order_by(WorkItem.id.desc()))
    work_module.run(state, after)
    assert [other["answer"], ids["answer"]] == CALLS


def test_suspending_one_analyzer_for_an_organisation(app, staff):
    ids = make_interview(app, state=InterviewState.SUBMITTED)
    client = app.test_client()
    _consent(client, ids["token"])
    queued = _queue(app, ids)
    _, admin = staff("admin")
    made = client.post(
        f"/api/v1/organizations/{ids['org']}/suspensions",
        json={"reason": "vendor incident", "plugin": "scorer"},
        headers=admin,
    )
    assert made.status_code == 201
    assert (made.json["what"], made.json["scope"], made.json["plugin"]) == (
        "analyzer",
        "organization",
        "scorer",
    )
    assert made.json["cancelled_work"] == 1
    assert work_module.run(get_state(app), queued[0]) == "skipped"
    listed = client.get("/api/v1/suspensions?active=1", headers=admin).json["suspensions"]
    assert [s["id"] for s in listed] == [made.json["id"]]
    assert CALLS == []


def test_a_contested_decision_goes_back_to_the_queue_with_a_deadline(app, staff):
    from candor.interviews.states import InterviewState

    ids = make_interview(app, location="CN", state=InterviewState.DECIDED)
    client = app.test_client()
    contested = client.post(
        "/api/v1/candidate/contest",
        json={"statement": "My coding answer was cut off."},
        headers=candidate_headers(ids["token"]),
    )
    assert contested.status_code == 201, contested.json
    assert contested.json["kind"] == "contest"
    state = get_state(app)
    with state.db.transaction() as session:
        interview = session.get(Interview, ids["interview"])
        assert interview.state == "awaiting_review"
        request = session.scalar(select(ReviewRequest))
        # PIPL's explanation deadline (15 days) applies to a job in China.
        assert timedelta(days=14, hours=23) < request.deadline - request.created_at <= timedelta(days=15)
        assert request.deadline_basis.startswith("pipl")
        assert request.statement == "My coding answer was cut off."
        assert request.statement_sealed != b"My coding answer was cut off."
    repeat = client.post("/api/v1/candidate/contest", json={}, headers=candidate_headers(ids["token"]))
    assert repeat.status_code == 200 and repeat.json["request"] == contested.json["request"]
    assert client.post("/api/v1/candidate/contest", json={}).json["error"] == "csrf_failed"  # no link at all
    assert (
        client.post(
            "/api/v1/candidate/contest", json={}, headers=candidate_headers(ids["token"] + "x")
        ).status_code
        == 403
    )

    reviewer_id, reviewer = staff("reviewer")
    _, recruiter = staff("recruiter")
    queue = client.get("/api/v1/review/queue", headers=reviewer).json["interviews"]
    assert [(q["id"], q["overdue"]) for q in queue] == [(ids["interview"], False)]
    assert queue[0]["requested_review_by"] == contested.json["deadline"]
    listed = client.get("/api/v1/review/requests?open=1", headers=reviewer).json["requests"]
    assert [(r["interview"], r["kind"], r["overdue"]) for r in listed] == [
        (ids["interview"], "contest", False)
    ]
    assert "statement" not in listed[0]
    with state.db.transaction() as session:
        row = session.scalar(select(ReviewRequest))
        row.deadline = row.created_at - timedelta(days=1)
    assert client.get("/api/v1/review/requests", headers=reviewer).json["requests"][0]["overdue"] is True

    assign(client, recruiter, ids["interview"], reviewer_id)
    seen = client.get(f"/api/v1/review/interviews/{ids['interview']}", headers=reviewer).json
    assert seen["requests"][0]["statement"] == "My coding answer was cut off."
    decided = client.post(
        f"/api/v1/review/interviews/{ids['interview']}/decision",
        json={"outcome": "hold", "reason": "re-run the coding question"},
        headers=reviewer,
    )
    assert decided.status_code == 201
    done = client.get("/api/v1/review/requests", headers=reviewer).json["requests"][0]
    assert done["decision"] == decided.json["decision"] and done["overdue"] is False


def test_a_request_before_any_decision_and_the_default_deadline(app):
    ids = make_interview(app, location="BR")  # no built-in pack applies in Brazil
    response = app.test_client().post(
        "/api/v1/candidate/contest", json={}, headers=candidate_headers(ids["token"])
    )
    assert response.status_code == 201 and response.json["kind"] == "human_review"
    with get_state(app).db.transaction() as session:
        request = session.scalar(select(ReviewRequest))
        assert request.deadline_basis == "default 30 days"
        assert session.get(Interview, ids["interview"]).state == "awaiting_review"
