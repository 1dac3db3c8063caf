"""Requirement phrases to competencies on realistic job descriptions in English and Chinese."""

from __future__ import annotations

import pytest

from candor.questions.library import load_library
from candor_plugins.competency_questions import CompetencyQuestions
from candor_plugins.competency_questions.matching import find, tokens

from .jobs_en import JOBS_EN
from .jobs_zh import JOBS_ZH

LIBRARY = load_library()
GENERATOR = CompetencyQuestions({})  # the plugin's defaults, as an installation runs it


def _measure(jobs: list[tuple[str, str, set[str]]], language: str) -> tuple[float, float, list[str]]:
    hit = expected = found = 0
    misses = []
    for title, description, wanted in jobs:
        job = {"title": title, "description": description, "library": LIBRARY}
        got = {m.competency for m in GENERATOR.competencies(job, language)}
        hit += len(wanted & got)
        expected += len(wanted)
        found += len(got)
        misses += [f"{title}: {sorted(wanted - got)}"] if wanted - got else []
    return hit / expected, hit / found, misses


@pytest.mark.parametrize(("language", "jobs"), [("en", JOBS_EN), ("zh", JOBS_ZH)])
def test_recall_of_expected_competencies(language, jobs):
    assert len(jobs) >= 20
    recall, precision, misses = _measure(jobs, language)
    print(f"\n{language}: {len(jobs)} jobs, recall {recall:.3f}, precision {precision:.3f}; missed: {misses}")
    assert recall >= 0.9, misses


@pytest.mark.parametrize(("language", "jobs"), [("en", JOBS_EN), ("zh", JOBS_ZH)])
def test_every_question_carries_indicators_in_its_language(language, jobs):
    for title, description, _ in jobs:
        questions = GENERATOR.generate(
            {"title": title, "description": description, "library": LIBRARY}, language
        )
        assert questions, title
        for question in questions:
            assert question.indicators and question.competencies and question.reason
            is_chinese = any("\u4e00" <= ch <= "\u9fff" for ch in question.text)
            assert is_chinese == (language == "zh"), question.text


def test_english_phrases_match_inflections_and_gaps():
    text = tokens("You will be leading the front desk team and managing projects", "en", LIBRARY)
    assert find(tokens("lead a team", "en", LIBRARY), text) == 1
    assert find(tokens("manage projects", "en", LIBRARY), text) == 1
    # "lead generation" is sales wording, excluded from team leadership by the library.
    job = {"title": "SDR", "description": "Lead generation for the sales team.", "library": LIBRARY}
    assert "team_leadership" not in {m.competency for m in GENERATOR.competencies(job, "en")}


def test_chinese_segmentation_keeps_words_whole():
    # "管理" inside "系统管理员" (a job title) is not the phrase "管理团队".
    job = {"title": "系统管理员", "description": "负责服务器维护。", "library": LIBRARY}
    assert "team_leadership" not in {m.competency for m in GENERATOR.competencies(job, "zh")}
    job = {"title": "技术主管", "description": "负责带领团队完成交付。", "library": LIBRARY}
    assert "team_leadership" in {m.competency for m in GENERATOR.competencies(job, "zh")}


def test_a_job_with_no_known_requirement_yields_nothing():
    job = {"title": "Xylophone", "description": "Zebra quartz.", "library": LIBRARY}
    assert GENERATOR.generate(job, "en") == []
