"""Video cues on videos the tests make from a real face (tests/support/faces.py), WebM VP8 + Opus as a browser
records them, read through the core's ``VideoSource``; and the purpose gate in front of the plugin."""

from __future__ import annotations

import json

import numpy as np
import pytest

from candor.analysis.media import MediaError, VideoSource
from candor.app import create_app
from candor.consent.gate import is_biometric
from candor.declarations import DataCategory, Purpose
from candor.state import get_state
from candor_plugins.video_cues import ACCURACY, VideoCuesAnalyzer, candor_declare
from tests.support import faces

from .conftest import gate, give_consent, make_interview, source

SETTINGS: dict[str, float] = {}


def analyze(path, **settings):
    return VideoCuesAnalyzer().analyze({"video": source(path)}, settings)


def test_the_astronaut_is_present_alone_and_looking_at_the_camera(videos):
    result = analyze(videos["face"])
    assert result["frames_sampled"] == 12  # 4 s at the default 3 frames a second
    assert result["face_presence_ratio"] >= ACCURACY["face_presence_on_one_face_video_min"]
    assert result["multiple_faces_ratio"] == 0.0 and result["multiple_faces_times"] == []
    assert result["looking_away_ratio"] == 0.0
    assert result["head_pose"]["yaw_deg"]["p90_abs"] < 5.0  # the sway of a few pixels is not a head turn
    assert result["posture"]["shoulders_visible_ratio"] == 1.0
    assert result["flags"] == []
    assert result["model_id"].startswith("mediapipe 0.10.21")


def test_two_faces_are_flagged_with_their_times(videos):
    result = analyze(videos["two_faces"])
    assert result["multiple_faces_ratio"] >= ACCURACY["multiple_faces_frames_on_two_face_video_min"]
    assert "multiple_faces" in result["flags"]
    [interval] = result["multiple_faces_times"]
    assert interval["start"] == pytest.approx(0.0, abs=0.4) and interval["end"] == pytest.approx(4.0, abs=0.4)


def test_no_face_is_flagged_and_nothing_is_measured_about_a_face(videos):
    result = analyze(videos["no_face"])
    assert result["face_presence_ratio"] <= ACCURACY["face_frames_on_no_face_video_max"]
    assert "no_face" in result["flags"] and "multiple_faces" not in result["flags"]
    assert result["head_pose"] is None and result["looking_away_times"] == []


def test_looking_away_is_found_in_the_interval_where_the_head_turns(videos):
    result = analyze(videos["looking_away"])
    tolerance = ACCURACY["looking_away_interval_error_s_max"]
    [interval] = result["looking_away_times"]  # only there: not before 4 s, not after 7 s
    assert interval["start"] == pytest.approx(4.0, abs=tolerance)
    assert interval["end"] == pytest.approx(7.0, abs=tolerance)
    assert result["looking_away_ratio"] == pytest.approx(3.0 / 9.0, abs=0.08)
    assert result["head_pose"]["yaw_deg"]["p90_abs"] >= ACCURACY["yaw_change_on_turned_face_deg_min"]
    assert "looking_away_often" in result["flags"]
    assert result["face_presence_ratio"] == 1.0 and "multiple_faces" not in result["flags"]
    # Fewer turned frames than the flag asks for: the interval is still reported, the flag is not raised.
    assert "looking_away_often" not in analyze(videos["looking_away"], looking_away_flag_ratio=0.5)["flags"]


def test_the_threshold_of_looking_away_is_relative_to_the_setting(videos):
    # A threshold above the turn the video holds finds no looking away at all.
    assert analyze(videos["looking_away"], away_yaw_degrees=60.0)["looking_away_times"] == []


def test_a_dark_picture_is_flagged_low_light(tmp_path):
    def dim(index: int, fps: float) -> np.ndarray:
        return (faces.face_picture(index, fps) * 0.15).astype(np.uint8)

    result = analyze(faces.write_webm(tmp_path / "dim.webm", dim, seconds=2.0))
    assert "low_light" in result["flags"] and result["brightness_median"] < 40


def test_the_sampling_rate_is_a_setting(videos):
    assert analyze(videos["face"], sample_fps=1.0, posture_fps=0.0)["frames_sampled"] == 4
    assert analyze(videos["face"], posture_fps=0.0)["posture"] is None


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"sample_fps": 0.0}, "sample_fps is 0.0; use 0.1 to 30"),
     ({"posture_fps": 5.0}, "posture_fps is 5.0; use 0 (no posture) up to sample_fps"),
     ({"min_face_presence": 2.0}, "min_face_presence is 2.0; use a share between 0 and 1")],
)
def test_bad_settings_are_refused_with_what_to_use(videos, settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        analyze(videos["face"], **settings)


def test_missing_video_and_audio_only_files_are_refused_clearly(tmp_path):
    with pytest.raises(MediaError, match="need the answer's video"):
        VideoCuesAnalyzer().analyze({}, SETTINGS)
    import av

    path = tmp_path / "sound.webm"
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 960), dtype="<i2"), format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48000, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(MediaError, match="has no picture"):
        VideoSource.from_path(path)


def test_the_output_is_summary_figures_only(videos):
    result = analyze(videos["two_faces"])
    text = json.dumps(result)  # JSON-able as stored
    assert "landmark" not in text

    def lists_in(value):
        if isinstance(value, dict):
            return [found for v in value.values() for found in lists_in(v)]
        return [value] if isinstance(value, list) else []

    # No list of coordinates anywhere: lists hold flags (words) or {start, end} intervals in seconds.
    for listed in lists_in(result):
        for item in listed:
            assert isinstance(item, str) or (isinstance(item, dict) and set(item) == {"start", "end"})


def test_the_declaration_says_it_is_biometric_and_is_shown_to_candidates_and_reviewers():
    declaration = candor_declare()
    assert declaration.capabilities == {"face_analysis"}
    assert {DataCategory.VIDEO, DataCategory.BIOMETRIC, DataCategory.ASSESSMENT} <= declaration.data_categories
    assert Purpose.BIOMETRIC_ANALYSIS in declaration.purposes
    assert is_biometric(declaration)
    assert "separate consent" in declaration.description and "not measures of ability" in declaration.description
    limits = " ".join(declaration.limits)
    for caveat in ("light", "camera angles", "glasses", "skin tones", "for a person to check"):
        assert caveat in limits
    assert dict(declaration.accuracy) == dict(ACCURACY)


def test_the_gate_refuses_video_cues_without_separate_biometric_consent(candor_settings):
    app = create_app(candor_settings)  # the built-in plugin, loaded through its entry point
    try:
        assert get_state(app).plugins.get("video_cues").enabled
        interview_id, candidate_id, token = make_interview(app, "CN")
        notice = give_consent(app, token, {"ai_evaluation": True, "biometric_analysis": False})
        assert "Video cues" in notice["text"]  # the candidate is told what it does before consenting
        answer = gate(app, "video_cues", candidate_id, interview_id, "CN")
        assert not answer.allowed
        assert [r.code for r in answer.reasons] == ["no_consent:biometric_analysis"]
        assert "no separate consent for biometric_analysis" in answer.summary

        other_interview, other_candidate, other_token = make_interview(app, "US-IL")
        give_consent(app, other_token, {"ai_evaluation": True, "biometric_analysis": True})
        assert gate(app, "video_cues", other_candidate, other_interview, "US-IL").allowed
    finally:
        get_state(app).db.dispose()
