"""Reviewers at work: the queue, blind-first review, ratings, decisions with overrides, and answer videos."""

from __future__ import annotations

from datetime import timedelta

from review_helpers import assign, make_interview
from sqlalchemy import select

from candor.audit.models import AuditEntry
from candor.db import utcnow
from candor.interviews.models import Analysis, Interview
from candor.interviews.states import InterviewState
from candor.review.models import InterviewRecommendation, ReviewDecision, ReviewerRating
from candor.state import get_state
from candor.vault.media import store_media
from candor.vault.models import DataSubject


def _add_ai(app, ids, recommendation="advance"):
    with get_state(app).db.transaction() as session:
        session.add(
            Analysis(
                answer_id=ids["answer"],
                analyzer="scorer.scorer",
                plugin="scorer",
                plugin_version="1",
                state="done",
                output={
                    "scores": {"leadership": {"score": 4, "evidence": "led five"}},
                    "flags": ["short answer"],
                },
            )
        )
        session.add(
            InterviewRecommendation(
                interview_id=ids["interview"],
                recommendation=recommendation,
                explanation="Strong leadership evidence.",
                confidence=0.8,
                produced_by="scorer.scorer",
            )
        )


def _entries(app, action):
    with get_state(app).db.transaction() as session:
        return [
            (e.outcome, e.actor, e.details)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            )
        ]


def test_queue_lists_awaiting_interviews_oldest_first_for_reviewers_only(app, staff):
    newer = make_interview(app)
    older = make_interview(app)
    make_interview(app, state=InterviewState.SUBMITTED)
    with get_state(app).db.transaction() as session:
        session.get(Interview, older["interview"]).state_changed_at = utcnow() - timedelta(days=2)
    reviewer_id, reviewer = staff("reviewer")
    _, recruiter = staff("recruiter")
    client = app.test_client()
    queue = client.get("/api/v1/review/queue", headers=reviewer)
    assert queue.status_code == 200
    assert [row["id"] for row in queue.json["interviews"]] == [older["interview"], newer["interview"]]
    assert client.get("/api/v1/review/queue", headers=recruiter).status_code == 403
    assign(client, recruiter, newer["interview"], reviewer_id)
    mine = client.get("/api/v1/review/queue?mine=1", headers=reviewer).json["interviews"]
    assert [(row["id"], row["assigned_to_you"]) for row in mine] == [(newer["interview"], True)]


def test_blind_first_withholds_the_ai_until_the_reviewer_rated(app, staff):
    ids = make_interview(app)
    _add_ai(app, ids)
    reviewer_id, reviewer = staff("reviewer")
    _, recruiter = staff("recruiter")
    client = app.test_client()
    assign(client, recruiter, ids["interview"], reviewer_id)
    setting = client.put(
        f"/api/v1/jobs/{ids['job']}/review-settings", json={"blind_first": True}, headers=recruiter
    )
    assert setting.status_code == 200 and setting.json["blind_first"] is True

    blind = client.get(f"/api/v1/review/interviews/{ids['interview']}", headers=reviewer).json
    assert blind["ai"] == {"withheld": True, "reason": blind["ai"]["reason"]}
    assert "leadership" not in str(blind) and "short answer" not in str(blind)
    limits = {a["plugin"]: a for a in blind["analyzers"]}["scorer"]
    assert limits["limits"] == ["Trained on English answers only."]
    assert limits["accuracy"] == {"agreement_with_raters": 0.71}
    early = client.post(
        f"/api/v1/review/interviews/{ids['interview']}/decision",
        json={"outcome": "advance", "reason": "good"},
        headers=reviewer,
    )
    assert early.status_code == 409 and "own rating first" in early.json["message"]

    rated = client.post(
        f"/api/v1/review/interviews/{ids['interview']}/rating",
        json={"outcome": "hold", "scores": {"leadership": 3}, "notes": "ok"},
        headers=reviewer,
    )
    assert rated.status_code == 201 and rated.json["ai_seen"] is False
    seen = client.get(f"/api/v1/review/interviews/{ids['interview']}", headers=reviewer).json
    assert seen["ai"]["withheld"] is False
    assert seen["ai"]["recommendation"]["recommendation"] == "advance"
    assert seen["ai"]["analyses"][0]["output"]["scores"]["leadership"]["evidence"] == "led five"
    assert {"source": "scorer.scorer", "flag": "short answer"} in seen["flags"]

    decided = client.post(
        f"/api/v1/review/interviews/{ids['interview']}/decision",
        json={"outcome": "advance", "reason": "agree after reading the analysis"},
        headers=reviewer,
    )
    assert decided.status_code == 201
    with get_state(app).db.transaction() as session:
        rating = session.scalar(select(ReviewerRating))
        decision = session.scalar(select(ReviewDecision))
        assert (rating.outcome, rating.ai_seen, rating.scores) == ("hold", False, {"leadership": 3})
        assert decision.rating_id == rating.id and decision.overrides_ai is False  # both ratings kept


def test_overriding_the_ai_needs_a_reason_and_the_decision_is_recorded(app, staff):
    ids = make_interview(app)
    _add_ai(app, ids, recommendation="advance")
    reviewer_id, reviewer = staff("reviewer")
    other_id, other = staff("reviewer")
    _, recruiter = staff("recruiter")
    client = app.test_client()
    assign(client, recruiter, ids["interview"], reviewer_id)
    url = f"/api/v1/review/interviews/{ids['interview']}/decision"
    assert client.post(url, json={"outcome": "reject", "reason": "x"}, headers=other).status_code == 403
    no_reason = client.post(url, json={"outcome": "reject", "reason": "  "}, headers=reviewer)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["message"]
    bad = client.post(url, json={"outcome": "maybe", "reason": "x"}, headers=reviewer)
    assert bad.status_code == 422 and "advance, hold, reject" in bad.json["message"]
    refused = client.post(
        url, json={"outcome": "reject", "reason": "weak on the coding answer"}, headers=reviewer
    )
    assert refused.status_code == 422
    assert (
        "AI recommended advance" in refused.json["message"] and "override_reason" in refused.json["message"]
    )
    with get_state(app).db.transaction() as session:
        assert session.get(Interview, ids["interview"]).state == "awaiting_review"

    done = client.post(
        url,
        json={
            "outcome": "reject",
            "reason": "weak on the coding answer",
            "override_reason": "the score ignores that the code did not run",
        },
        headers=reviewer,
    )
    assert done.status_code == 201 and done.json["overrides_ai"] is True and done.json["state"] == "decided"
    with get_state(app).db.transaction() as session:
        interview = session.get(Interview, ids["interview"])
        assert interview.state == "decided"
        assert interview.transitions[-1].actor.startswith("token:")
        decision = session.scalar(select(ReviewDecision))
        assert (decision.ai_recommendation, decision.override_reason) == (
            "advance",
            "the score ignores that the code did not run",
        )
        from candor.fairness.models import InterviewOutcome

        counted = session.scalar(select(InterviewOutcome).where(InterviewOutcome.interview_id == ids["interview"]))
        assert counted.selected is False and counted.decided_at is not None  # what bias audits will count
    [(outcome, actor, details)] = _entries(app, "admin.review_decision")
    assert outcome == "success" and actor.startswith("token:")
    assert details["override"] is True and details["outcome"] == "reject"
    again = client.post(url, json={"outcome": "advance", "reason": "x"}, headers=reviewer)
    assert again.status_code == 409  # decided: nothing to decide until contested


def test_videos_play_only_for_the_assigned_reviewer_and_every_view_is_audited(app, staff):
    ids = make_interview(app, media_key="answers/1.webm")
    video = bytes(range(256)) * 5000  # 1.28 MB: more than one encrypted chunk
    state = get_state(app)
    with state.db.transaction() as session:
        store_media(state, session.get(DataSubject, ids["subject"]), "answers/1.webm", [video])
    assigned_id, assigned = staff("reviewer")
    _, unassigned = staff("reviewer")
    _, admin = staff("admin")
    _, auditor = staff("auditor")
    _, recruiter = staff("recruiter")
    client = app.test_client()
    assign(client, recruiter, ids["interview"], assigned_id)
    url = f"/api/v1/review/answers/{ids['answer']}/media"
    for headers in (unassigned, admin, auditor):
        assert client.get(url, headers=headers).status_code == 403
    played = client.get(url, headers=assigned)
    assert played.status_code == 200 and played.data == video
    assert played.mimetype == "video/webm" and played.headers["Cache-Control"] == "no-store"
    views = _entries(app, "access.media_view")
    assert [outcome for outcome, _, _ in views] == ["denied", "denied", "denied", "success"]
    assert all(
        {"interview": ids["interview"], "answer": ids["answer"]}.items() <= details.items()
        for _, _, details in views
    ), views


def test_the_full_transcript_needs_its_permission_and_an_assignment(app, staff):
    from candor.analysis.transcripts import store_transcript
    from candor.interviews.models import Answer

    ids = make_interview(app)
    with get_state(app).db.transaction() as session:
        store_transcript(
            app,
            session,
            session.get(Answer, ids["answer"]),
            "I am Ada Example, write to ada@example.com. I led a team of five.",
            language="en",
            engine="tests",
        )
    reviewer_id, reviewer = staff("reviewer")
    _, other = staff("reviewer")
    _, recruiter = staff("recruiter")
    client = app.test_client()
    assign(client, recruiter, ids["interview"], reviewer_id)
    url = f"/api/v1/review/interviews/{ids['interview']}"
    redacted = client.get(url, headers=other).json["answers"][0]["transcript"]
    assert redacted["form"] == "redacted" and "ada@example.com" not in redacted["text"]
    assert "led a team of five" in redacted["text"]
    assert client.get(url + "?transcript=full", headers=other).status_code == 403
    full = client.get(url + "?transcript=full", headers=reviewer).json["answers"][0]["transcript"]
    assert full["form"] == "full" and "ada@example.com" in full["text"]
    assert [outcome for outcome, _, _ in _entries(app, "access.full_transcript")] == ["success"]
