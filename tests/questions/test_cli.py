"""``candor questions generate`` prints the proposal as JSON for HR and operators."""

from __future__ import annotations

import json


def test_generate_prints_competencies_indicators_and_questions(candor_cli, tmp_path):
    description = tmp_path / "jd.txt"
    description.write_text("负责带领团队完成项目交付，具备良好的沟通能力和用户研究经验。", encoding="utf-8")
    result = candor_cli(
        "questions", "generate", "--lang", "zh", "--title", "产品经理", "--description-file", str(description)
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"team_leadership", "project_management", "communication", "user_research"} <= {
        c["id"] for c in data["competencies"]
    }
    assert all(q["indicators"] and q["generator"] == "competency_questions" for q in data["questions"])
    assert "请描述一次带领团队完成目标的经历" in result.output


def test_generate_explains_bad_input(candor_cli, tmp_path):
    binary = tmp_path / "jd.bin"
    binary.write_bytes(b"\xff\xfe\x00bad")
    result = candor_cli(
        "questions", "generate", "--lang", "en", "--title", "X", "--description-file", str(binary)
    )
    assert result.exit_code != 0 and "UTF-8" in result.output
    result = candor_cli(
        "questions", "generate", "--lang", "fr", "--title", "X", "--description-file", str(binary)
    )
    assert result.exit_code != 0 and "'fr' is not one of" in result.output
