"""The interview API with real recordings: resumable uploads, rejection of bad media, and the pipeline that
transcribes, asks a follow-up and analyses each answer as it arrives, ending in the review queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from candor.analysis.media import decode_audio
from candor.analysis.transcripts import Transcript
from candor.demo import seed_demo
from candor.demo.media import speak, write_recording
from candor.interviews.models import Analysis, Answer, Interview
from candor.questions.models import InterviewQuestion
from candor.state import get_state
from candor.tasks.work import run_queued
from candor.vault.media import decrypted_media

CHUNK = 64 * 1024


@pytest.fixture
def candor_settings(candor_settings: dict[str, Any]) -> dict[str, Any]:
    return {**candor_settings, "answer_chunk_bytes": CHUNK}


@pytest.fixture
def interview(candor_app: Any) -> dict[str, Any]:
    state = get_state(candor_app)
    with state.db.transaction() as session:
        demo = seed_demo(state, session, questions=2, answer_seconds=60, think_seconds=5)
    return {"id": demo.interview_id, "headers": {"Authorization": f"Candidate {demo.token}"}}


def consent(client: Any, headers: dict[str, str], biometric: bool = True) -> None:
    notice = client.get("/api/v1/candidate/notice", headers=headers).get_json()
    decisions = {p["purpose"]: (biometric or p["purpose"] != "biometric_analysis") for p in notice["purposes"]}
    reply = client.post("/api/v1/candidate/consent", headers=headers,
                        json={"notice_hash": notice["hash"], "language": "en", "decisions": decisions})
    assert reply.status_code == 201, reply.get_json()


def record(path: Path, text: str, seconds: float | None = None) -> tuple[bytes, float]:
    samples, rate = speak(text)
    length = write_recording(path, samples, rate, seconds=seconds)
    return path.read_bytes(), length


def upload(client: Any, headers: dict[str, str], question_id: int, data: bytes, seconds: float,
           *, stop_after: int | None = None) -> Any:
    created = client.post(f"/api/v1/candidate/questions/{question_id}/answers", headers=headers,
                          json={"mime_type": "video/webm;codecs=vp8,opus", "total_bytes": len(data),
                                "recorded_seconds": seconds})
    assert created.status_code == 201, created.get_json()
    answer_id = created.get_json()["answer"]["id"]
    return answer_id, send(client, headers, answer_id, data, 0, stop_after=stop_after)


def send(client: Any, headers: dict[str, str], answer_id: int, data: bytes, start: int,
         *, stop_after: int | None = None) -> Any:
    reply, sent = None, 0
    while start < len(data):
        piece = data[start : start + CHUNK]
        reply = client.put(f"/api/v1/candidate/answers/{answer_id}/content", data=piece,
                           headers={**headers, "Content-Type": "application/octet-stream",
                                    "Content-Range": f"bytes {start}-{start + len(piece) - 1}/{len(data)}"})
        start += len(piece)
        sent += 1
        if stop_after is not None and sent >= stop_after:
            break
    return reply


def test_a_whole_interview_through_the_api(candor_app: Any, interview: dict[str, Any], tmp_path: Path) -> None:
    client, headers, state = candor_app.test_client(), interview["headers"], get_state(candor_app)
    shown = client.get("/api/v1/candidate/interview", headers=headers).get_json()
    first, second = shown["questions"]
    no_consent = client.post(f"/api/v1/candidate/questions/{first['id']}/answers", headers=headers,
                             json={"mime_type": "video/webm", "total_bytes": 10})
    assert no_consent.status_code == 409 and "notice" in no_consent.get_json()["message"]
    consent(client, headers)

    # The first answer: its upload is interrupted and resumed from what the server says it has.
    spoken = "I solved a billing problem for our customers. As a result complaints fell by thirty percent."
    data, seconds = record(tmp_path / "one.webm", spoken, seconds=6)
    answer_id, _ = upload(client, headers, first["id"], data, seconds, stop_after=2)
    held = client.get(f"/api/v1/candidate/answers/{answer_id}", headers=headers).get_json()["answer"]
    assert held["received_bytes"] == 2 * CHUNK and held["state"] == "uploading"
    again = client.put(f"/api/v1/candidate/answers/{answer_id}/content", data=data[:CHUNK],
                       headers={**headers, "Content-Range": f"bytes 0-{CHUNK - 1}/{len(data)}"})
    assert again.status_code == 409 and again.get_json()["answer"]["received_bytes"] == 2 * CHUNK
    done = send(client, headers, answer_id, data, held["received_bytes"])
    assert done.status_code == 200 and done.get_json()["answer"]["state"] == "uploaded"

    # Its transcription asks for a follow-up (a short answer); the page would wait for it.
    assert client.get("/api/v1/candidate/interview", headers=headers).get_json()["follow_up_pending"] is True
    run_queued(state)
    shown = client.get("/api/v1/candidate/interview", headers=headers).get_json()
    assert shown["follow_up_pending"] is False
    follow_up = next(q for q in shown["questions"] if q["follow_up_of"] == first["id"])
    assert [q["id"] for q in shown["questions"]].index(follow_up["id"]) == 1  # right after its question
    assert shown["next_question_id"] == follow_up["id"]

    # A damaged recording is refused with a message; recording again works and nothing else is lost.
    broken = b"\x1aE\xdf\xa3" + bytes(range(256)) * 40
    bad_id, refused = upload(client, headers, follow_up["id"], broken, 4.0)
    assert refused.status_code == 422 and "Record the answer again" in refused.get_json()["message"]
    data, seconds = record(tmp_path / "two.webm", "I called the customer myself and explained every step.")
    _, accepted = upload(client, headers, follow_up["id"], data, seconds)
    assert accepted.status_code == 200, accepted.get_json()

    data, seconds = record(tmp_path / "three.webm", "I work well with the product team and we share a plan.")
    _, accepted = upload(client, headers, second["id"], data, seconds)
    assert accepted.status_code == 200

    assert client.post("/api/v1/candidate/complete", headers=headers).get_json() == {"state": "submitted"}
    run_queued(state)
    with state.db.transaction() as session:
        interview_row = session.get(Interview, interview["id"])
        assert interview_row.state == "awaiting_review"
        answers = session.scalars(select(Answer).where(Answer.interview_id == interview["id"],
                                                       Answer.state != "rejected")).all()
        assert len(answers) == 3 and {a.state for a in answers} == {"analysed"}
        rejected = session.get(Answer, bad_id)
        assert rejected.state == "rejected" and rejected.media_key is None
        first_answer = session.get(Answer, answer_id)
        with decrypted_media(state, interview_row_subject(session, interview_row), first_answer.media_key,
                             suffix=".webm") as path:
            assert abs(len(decode_audio(path)) / 32000 - seconds_of(first_answer)) < 0.3
        assert abs(first_answer.duration_seconds - 6.0) < 0.3
        transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer_id))
        heard = transcript.full_text.lower()
        assert {"billing", "customers"} & set(heard.split()), heard
        analyses = session.scalars(select(Analysis).where(Analysis.answer_id == answer_id)).all()
        by_name = {a.analyzer: a for a in analyses}
        assert by_name["pocketsphinx_stt.speech_to_text"].state == "done"
        assert by_name["pocketsphinx_stt.speech_to_text"].model_id
        assert by_name["delivery.delivery"].state == "done"
        assert all(a.plugin_version for a in analyses)
        assert session.get(InterviewQuestion, follow_up["id"]).answered_at is not None


def interview_row_subject(session: Any, interview: Interview) -> Any:
    from candor.interviews.models import Candidate

    return session.get(Candidate, interview.candidate_id).subject


def seconds_of(answer: Answer) -> float:
    return float(answer.duration_seconds or 0.0)


def test_limits_and_malformed_requests(candor_app: Any, interview: dict[str, Any]) -> None:
    client, headers = candor_app.test_client(), interview["headers"]
    consent(client, headers)
    question = client.get("/api/v1/candidate/interview", headers=headers).get_json()["questions"][0]
    too_big = client.post(f"/api/v1/candidate/questions/{question['id']}/answers", headers=headers,
                          json={"mime_type": "video/webm", "total_bytes": 10**12})
    assert too_big.status_code == 413 and "MB" in too_big.get_json()["message"]
    wrong_type = client.post(f"/api/v1/candidate/questions/{question['id']}/answers", headers=headers,
                             json={"mime_type": "application/x-msdownload", "total_bytes": 100})
    assert wrong_type.status_code == 415
    created = client.post(f"/api/v1/candidate/questions/{question['id']}/answers", headers=headers,
                          json={"mime_type": "video/webm", "total_bytes": 100}).get_json()["answer"]
    no_range = client.put(f"/api/v1/candidate/answers/{created['id']}/content", data=b"x" * 100, headers=headers)
    assert no_range.status_code == 400 and "Content-Range" in no_range.get_json()["message"]
    oversized = client.put(f"/api/v1/candidate/answers/{created['id']}/content", data=b"x" * (CHUNK + 1),
                           headers={**headers, "Content-Range": f"bytes 0-{CHUNK}/{CHUNK + 1}"})
    assert oversized.status_code in (400, 413)
    other = client.get(f"/api/v1/candidate/answers/{created['id']}",
                       headers={"Authorization": "Candidate not-a-token"})
    assert other.status_code == 403


def test_pieces_join_into_the_recording_sent_and_nothing_else_stays(candor_app: Any, interview: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    """The stored recording is byte for byte what the page sent, in several pieces with the last kept only in
    memory; afterwards neither the pieces nor the plaintext copy the check read remain on disk."""
    client, headers, state = candor_app.test_client(), interview["headers"], get_state(candor_app)
    consent(client, headers)
    first = client.get("/api/v1/candidate/interview", headers=headers).get_json()["questions"][0]
    data, seconds = record(tmp_path / "one.webm", "We shipped the release on time.", seconds=12)
    assert len(data) > 2 * CHUNK and len(data) % CHUNK  # three or more pieces, the last one short
    answer_id, done = upload(client, headers, first["id"], data, seconds)
    assert done.status_code == 200 and done.get_json()["answer"]["state"] == "uploaded"
    with state.db.transaction() as session:
        answer = session.get(Answer, answer_id)
        interview_row = session.get(Interview, interview["id"])
        with decrypted_media(state, interview_row_subject(session, interview_row), answer.media_key) as path:
            assert path.read_bytes() == data
        stored = state.storage.path_for(answer.media_key)
    assert sorted(p.name for p in stored.parent.iterdir()) == [stored.name]
    assert list((state.settings.data_dir / "tmp").iterdir()) == []
    assert stored.read_bytes()[:8] == b"CNDRMED1" and data[:4] not in stored.read_bytes()[:64]
