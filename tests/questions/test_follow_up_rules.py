"""The follow-up rules on transcripts in English and Chinese."""

from __future__ import annotations

import pytest

from candor_plugins.competency_questions import CompetencyQuestions

GENERATOR = CompetencyQuestions({})
QUESTION = {
    "text": "Describe a time you led a team to a goal.",
    "answer_seconds": 60,
    "competencies": [{"id": "team_leadership", "indicators": ["breaks the goal down"]}],
}
FULL_EN = (
    "Last year I led a team of six to move our billing system. I broke the goal into three milestones, "
    "I met each engineer weekly and I negotiated the timeline with finance. "
) * 2
RESULT_EN = " As a result we launched two weeks early and cut billing errors by 40%."


@pytest.mark.parametrize(
    ("transcript", "rule"),
    [
        ("I led it. It went fine.", "too_short"),
        (
            "We planned the migration carefully and we worked late. "
            "Our team met every morning and the team shared "
            "the load. We talked to finance. We launched two weeks early and cut errors by 40%." * 2,
            "no_personal_action",
        ),
        (FULL_EN, "no_result"),
        (FULL_EN + RESULT_EN + " There was a conflict with finance about dates.", "probe_0"),
    ],
)
def test_english_rules(transcript, rule):
    follow_up = GENERATOR.follow_up(QUESTION, transcript, "en")
    assert follow_up is not None and follow_up.reason == rule and follow_up.kind == "follow_up"
    assert follow_up.indicators == ("breaks the goal down",)


def test_a_complete_answer_needs_no_follow_up():
    assert GENERATOR.follow_up(QUESTION, FULL_EN + RESULT_EN, "en") is None


def test_a_rule_fires_once_per_question():
    asked = {**QUESTION, "follow_up_rules": ["too_short"]}
    follow_up = GENERATOR.follow_up(asked, "We did it.", "en")
    assert follow_up is not None and follow_up.reason == "no_personal_action"


FULL_ZH = (
    "去年我带领六个人的团队迁移计费系统。我把目标拆成三个里程碑，每周和每位工程师单独沟通，并和财务部门协调时间表。"
    * 2
)


@pytest.mark.parametrize(
    ("transcript", "rule"),
    [
        ("我做了。", "too_short"),
        (
            "我们团队一起制定了计划，我们每天早上开会，大家分工合作，我们和财务部门沟通了很多次，最终提前两周上线。"
            * 3,
            "no_personal_action",
        ),
        (FULL_ZH, "no_result"),
        (FULL_ZH + "最终提前两周上线，错误率降低了40%。中间和财务有过分歧。", "probe_0"),
    ],
)
def test_chinese_rules(transcript, rule):
    follow_up = GENERATOR.follow_up(QUESTION, transcript, "zh")
    assert follow_up is not None and follow_up.reason == rule
    assert any("\u4e00" <= ch <= "\u9fff" for ch in follow_up.text)


def test_the_follow_up_never_copies_the_transcript():
    transcript = "Jane Roe and I fought about it."
    follow_up = GENERATOR.follow_up(QUESTION, transcript, "en")
    assert follow_up is not None and "Jane" not in follow_up.text
