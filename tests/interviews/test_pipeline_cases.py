"""The pipeline when something is refused or missing: a human-only request, no biometric consent, no speech model
for the language. Each answer still arrives, nothing is lost, and the interview waits for a person with the reason
on record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from candor.analysis.transcripts import Transcript
from candor.demo import seed_demo
from candor.interviews.models import Analysis, Answer, Interview
from candor.review.models import InterviewRecommendation
from candor.state import get_state
from candor.tasks.work import run_queued
from tests.interviews.test_answer_uploads import record, upload


def start(app: Any, *, refuse: set[str] = frozenset(), alternative: bool = False) -> tuple[Any, dict[str, str], int]:
    state = get_state(app)
    with state.db.transaction() as session:
        demo = seed_demo(state, session, questions=1, answer_seconds=60, think_seconds=5)
    client, headers = app.test_client(), {"Authorization": f"Candidate {demo.token}"}
    notice = client.get("/api/v1/candidate/notice", headers=headers).get_json()
    decisions = {p["purpose"]: p["purpose"] not in refuse for p in notice["purposes"]}
    reply = client.post("/api/v1/candidate/consent", headers=headers,
                        json={"notice_hash": notice["hash"], "language": "en", "decisions": decisions,
                              "alternative_process": alternative})
    assert reply.status_code == 201, reply.get_json()
    return client, headers, demo.interview_id


def answer_and_finish(app: Any, client: Any, headers: dict[str, str], tmp_path: Path) -> None:
    question = client.get("/api/v1/candidate/interview", headers=headers).get_json()["questions"][0]
    data, seconds = record(tmp_path / "answer.webm", "I fixed the billing problem for the customer myself.")
    _, accepted = upload(client, headers, question["id"], data, seconds)
    assert accepted.status_code == 200, accepted.get_json()
    assert client.post("/api/v1/candidate/complete", headers=headers).status_code == 200
    run_queued(get_state(app))


def outcome(app: Any, interview_id: int) -> tuple[Interview, dict[str, Analysis], InterviewRecommendation, Any]:
    with get_state(app).db.transaction() as session:
        interview = session.get(Interview, interview_id)
        answer = session.scalar(select(Answer).where(Answer.interview_id == interview_id))
        analyses = {a.analyzer: a for a in session.scalars(select(Analysis).where(Analysis.answer_id == answer.id))}
        recommendation = session.scalar(select(InterviewRecommendation)
                                        .where(InterviewRecommendation.interview_id == interview_id))
        transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer.id))
        session.expunge_all()
        return interview, analyses, recommendation, (answer, transcript)


def test_a_candidate_who_asks_for_a_human_gets_no_ai_at_all(candor_app: Any, tmp_path: Path) -> None:
    client, headers, interview_id = start(candor_app, alternative=True)
    answer_and_finish(candor_app, client, headers, tmp_path)
    interview, analyses, recommendation, (answer, transcript) = outcome(candor_app, interview_id)
    assert interview.state == "awaiting_review" and interview.ai_opt_out
    assert analyses == {} and transcript is None  # not even speech-to-text
    assert answer.state == "analysed" and answer.media_key  # the recording waits for the person
    assert recommendation.recommendation == "needs_human_review"


def test_without_biometric_consent_face_analysis_is_skipped_and_the_rest_runs(candor_app: Any,
                                                                             tmp_path: Path) -> None:
    client, headers, interview_id = start(candor_app, refuse={"biometric_analysis"})
    answer_and_finish(candor_app, client, headers, tmp_path)
    interview, analyses, _recommendation, (_answer, transcript) = outcome(candor_app, interview_id)
    assert analyses["video_cues.video_cues"].state == "skipped"
    assert "biometric_analysis" in analyses["video_cues.video_cues"].error
    assert analyses["pocketsphinx_stt.speech_to_text"].state == "done" and transcript is not None
    assert analyses["delivery.delivery"].state == "done"
    assert interview.state == "awaiting_review"


@pytest.fixture
def candor_settings(candor_settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.node.name.startswith("test_no_speech_model"):
        return {**candor_settings, "speech_engines": {"en": ["vosk_stt"]}}
    return candor_settings


def test_no_speech_model_for_the_language_is_said_and_a_person_reviews(candor_app: Any, tmp_path: Path) -> None:
    client, headers, interview_id = start(candor_app)
    answer_and_finish(candor_app, client, headers, tmp_path)
    interview, analyses, recommendation, (answer, transcript) = outcome(candor_app, interview_id)
    stt = analyses["vosk_stt.speech_to_text"]
    assert stt.state == "skipped" and "model" in stt.error.lower()
    assert transcript is None and answer.state == "analysed"
    assert analyses["video_cues.video_cues"].state == "done"  # what needs no transcript still ran
    assert interview.state == "awaiting_review" and recommendation.recommendation == "needs_human_review"
