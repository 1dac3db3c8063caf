"""Expression cues: off unless enabled by name, refused for jobs in the EU whatever the consent, allowed with
separate biometric consent elsewhere; and the smile cue on the smiling astronaut and on the same face with its
mouth corners pulled down."""

from __future__ import annotations

from candor.app import create_app
from candor.consent.gate import is_biometric
from candor.state import get_state
from candor_plugins.expression_cues import ACCURACY, ExpressionCuesAnalyzer, candor_declare

from .conftest import gate, give_consent, make_interview, source

ALL_AI = {"ai_evaluation": True, "biometric_analysis": True}


def test_it_is_installed_but_not_enabled_by_default(candor_settings):
    app = create_app(candor_settings)
    try:
        registry = get_state(app).plugins
        info = registry.get("expression_cues")
        assert info.builtin and not info.enabled
        assert registry.get("video_cues").enabled  # other built-ins still load by default
        interview_id, candidate_id, token = make_interview(app, "US-NYC")
        notice = give_consent(app, token, ALL_AI)
        assert "smiled" not in notice["text"]  # candidates are not told about a plugin that does not run
        answer = gate(app, "video_cues", candidate_id, interview_id, "US-NYC")
        assert answer.allowed
        from candor.consent.gate import check_gate

        with get_state(app).db.transaction() as session:
            refused = check_gate(get_state(app), session, plugin="expression_cues", purpose="biometric_analysis",
                                 candidate_id=candidate_id, location="US-NYC")
        assert [r.code for r in refused.reasons] == ["plugin_not_enabled"]
    finally:
        get_state(app).db.dispose()


def test_enabled_by_name_it_is_refused_in_the_eu_and_allowed_with_consent_elsewhere(candor_settings):
    app = create_app({**candor_settings, "plugins_enable": ["expression_cues"]})
    try:
        assert get_state(app).plugins.get("expression_cues").enabled
        eu_interview, eu_candidate, eu_token = make_interview(app, "FR")
        give_consent(app, eu_token, ALL_AI)
        refused = gate(app, "expression_cues", eu_candidate, eu_interview, "FR")
        assert [r.code for r in refused.reasons] == ["prohibited"]
        assert "emotion inference prohibited under eu_ai_act" in refused.summary
        assert gate(app, "video_cues", eu_candidate, eu_interview, "FR").allowed  # face analysis is not prohibited

        us_interview, us_candidate, us_token = make_interview(app, "US-NYC")
        notice = give_consent(app, us_token, ALL_AI)
        assert "smiled" in notice["text"]
        assert gate(app, "expression_cues", us_candidate, us_interview, "US-NYC").allowed

        cn_interview, cn_candidate, cn_token = make_interview(app, "CN")
        give_consent(app, cn_token, {"ai_evaluation": True, "biometric_analysis": False})
        assert [r.code for r in gate(app, "expression_cues", cn_candidate, cn_interview, "CN").reasons] == [
            "no_consent:biometric_analysis"]
    finally:
        get_state(app).db.dispose()


def test_disabling_wins_over_enabling(candor_settings):
    app = create_app({**candor_settings, "plugins_enable": ["expression_cues"],
                      "plugins_disable": ["expression_cues"]})
    try:
        assert not get_state(app).plugins.get("expression_cues").enabled
    finally:
        get_state(app).db.dispose()


def test_the_declaration_names_emotion_inference_and_biometric_data():
    declaration = candor_declare()
    assert declaration.capabilities == {"emotion_inference"} and is_biometric(declaration)
    assert "not an emotion" in declaration.description
    assert dict(declaration.accuracy) == dict(ACCURACY)


def test_smiles_on_the_smiling_face_and_not_on_a_straight_mouth(videos):
    analyzer = ExpressionCuesAnalyzer()
    smiling = analyzer.analyze({"video": source(videos["face"])}, {})
    straight = analyzer.analyze({"video": source(videos["straight_mouth"])}, {})
    assert smiling["frames_with_face"] == smiling["frames_sampled"] == 12
    assert smiling["smiling_ratio"] >= ACCURACY["smiling_ratio_on_smiling_face_min"]
    assert straight["smiling_ratio"] <= ACCURACY["smiling_ratio_on_straight_mouth_max"]
    assert smiling["brow_raise_ratio"] == 0.0  # the brows stay where they are
    assert smiling["model_id"].startswith("mediapipe 0.10.21")
