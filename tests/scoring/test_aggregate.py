"""Interview-level aggregation on real database rows: interviews, pinned questions, answers (attempts in their
states) and analyses whose competency scores come from the real scorer run on labelled answers."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from candor.analysis.aggregate import (
    ADVANCE_AT,
    MIN_CONFIDENCE,
    REJECT_BELOW,
    Assessment,
    aggregate_interview,
)
from candor.app import create_app
from candor.interviews.models import Analysis, Answer, AnswerState, Candidate, Interview
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.questions.models import InterviewQuestion, PinSource
from candor.review.models import AIRecommendation
from candor.state import get_state
from candor_plugins.competency_scorer import CompetencyScorer
from candor_plugins.competency_scorer.validation import load_labelled

ANSWERS = {a["id"]: a for a in load_labelled(Path(__file__).parent / "data" / "labelled_answers.yaml")}
#: A long answer made only of claims: confident enough to act on, and weak.
CLAIMS = {
    **ANSWERS["en-tl-5"],
    "id": "claims-long",
    "transcript": " ".join([
        "I think leadership is really about communication and about being there for people.",
        "A good leader motivates the team, breaks the goal down, delegates by strength and resolves conflict.",
        "I would always make sure everyone is motivated and knows the goal, and I would follow up on progress.",
        "I believe I am a natural leader, and people usually like working with me because I am positive.",
        "I always try to stay calm and I think a leader should listen more than talk in most situations.",
        "In general I would say my style is supportive and open, and I like to give people a lot of freedom.",
    ]),
}


@pytest.fixture
def app(candor_settings: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(candor_settings)
    yield app
    get_state(app).db.dispose()


def scored(answer_id: str) -> tuple[str, dict[str, Any]]:
    """The scorer's real output for a labelled answer, as the analysis step stores it."""
    answer = CLAIMS if answer_id == "claims-long" else ANSWERS[answer_id]
    output = dict(CompetencyScorer().analyze(
        {"transcript": answer["transcript"], "language": answer["language"],
         "question": {"text": answer["question"], "competencies": answer["competencies"]}}, {}))
    return str(output.pop("model_id")), output


def seed(app: Flask, questions: list[dict[str, Any]], *, opt_out: bool = False) -> int:
    """An interview with ``questions``: each has ``answer`` (a labelled id), or ``attempts`` as
    ``[(AnswerState, [(plugin, state, output-or-labelled-id)])]``, and optional ``kind`` and ``flags``."""
    state = get_state(app)
    with state.db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{secrets.token_hex(4)}", jurisdictions=["DE"])
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Team lead", location="DE")
        candidate = Candidate(organization_id=org.id, full_name="Ada Example", email="ada@example.com")
        session.add_all([job, candidate])
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id, ai_opt_out=opt_out)
        session.add(interview)
        session.flush()
        for position, spec in enumerate(questions, start=1):
            labelled = ANSWERS.get(spec.get("answer", ""), ANSWERS["en-tl-1"])
            pinned = InterviewQuestion(
                interview_id=interview.id, position=position, step=0, source=PinSource.SET,
                kind=spec.get("kind", "behavioural"), language="en", text=labelled["question"],
                competencies=labelled["competencies"],
            )
            session.add(pinned)
            session.flush()
            attempts = spec.get("attempts")
            if attempts is None:
                analyses = [("competency_scorer", "done", spec["answer"])]
                if spec.get("flags"):
                    analyses.append(("video_cues", "done", {"flags": spec["flags"], "face_presence_ratio": 0.4}))
                attempts = [(AnswerState.ANALYSED, analyses)]
            for attempt, (answer_state, analyses) in enumerate(attempts, start=1):
                answer = Answer(interview_id=interview.id, interview_question_id=pinned.id, attempt=attempt,
                                state=answer_state)
                session.add(answer)
                session.flush()
                for plugin, analysis_state, output in analyses:
                    model_id = None
                    if isinstance(output, str):
                        model_id, output = scored(output)
                    session.add(Analysis(
                        answer_id=answer.id, analyzer=f"{plugin}.{plugin}", plugin=plugin, plugin_version="0.1.0",
                        model_id=model_id, state=analysis_state, output=output if analysis_state == "done" else None,
                        error="refused by the purpose gate" if analysis_state == "skipped" else None,
                    ))
        return interview.id


def assess(app: Flask, interview_id: int) -> Assessment:
    state = get_state(app)
    with state.db.transaction() as session:
        return aggregate_interview(state, session, session.get(Interview, interview_id))


def codes(assessment: Assessment) -> set[str]:
    return {r.code for r in assessment.reasons}


def test_strong_answers_advance_with_competency_summaries(app: Flask) -> None:
    interview = seed(app, [{"answer": "en-tl-1"}, {"answer": "en-ps-2"}, {"answer": "en-tw-1"}])
    assessment = assess(app, interview)
    assert assessment.recommendation == AIRecommendation.ADVANCE
    assert assessment.score is not None and assessment.score >= ADVANCE_AT
    assert assessment.confidence >= MIN_CONFIDENCE
    assert (assessment.questions, assessment.scored_answers) == (3, 3)
    summary = {c.id: c for c in assessment.competencies}
    assert set(summary) == {"team_leadership", "problem_solving", "teamwork"}
    assert all(c.answers == 1 and c.evidence > 0 and c.level >= 3 for c in summary.values())
    assert codes(assessment) == {"score_band"}
    assert "advance" in assessment.to_dict()["recommendation"]


def test_long_answers_of_claims_only_are_rejected_and_a_mix_is_held(app: Flask) -> None:
    weak = assess(app, seed(app, [{"answer": "claims-long"}, {"answer": "claims-long"}]))
    assert weak.recommendation == AIRecommendation.REJECT, weak.to_dict()
    assert weak.score is not None and weak.score < REJECT_BELOW and weak.confidence >= MIN_CONFIDENCE
    mixed = assess(app, seed(app, [{"answer": "en-tl-1"}, {"answer": "claims-long"}]))
    assert mixed.recommendation == AIRecommendation.HOLD, mixed.to_dict()
    assert REJECT_BELOW <= (mixed.score or 0) < ADVANCE_AT


def test_short_weak_answers_need_a_person_rather_than_a_rejection(app: Flask) -> None:
    assessment = assess(app, seed(app, [{"answer": "en-tl-6"}, {"answer": "en-cm-6"}]))
    assert assessment.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW
    assert "low_confidence" in codes(assessment)
    assert assessment.score is not None and assessment.score < REJECT_BELOW


def test_a_missing_answer_needs_human_review(app: Flask) -> None:
    assessment = assess(app, seed(app, [{"answer": "en-tl-1"}, {"answer": "en-ps-2", "attempts": []}]))
    assert assessment.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW
    assert "answers_missing" in codes(assessment)
    assert assessment.scored_answers == 1 and assessment.confidence <= 0.5  # half the questions answered


def test_failed_and_rejected_answers_need_human_review(app: Flask) -> None:
    failed = assess(app, seed(app, [{"answer": "en-tl-1"},
                                    {"attempts": [(AnswerState.FAILED, [])]}]))
    assert failed.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW and "answers_failed" in codes(failed)
    rejected = assess(app, seed(app, [{"answer": "en-tl-1"},
                                      {"attempts": [(AnswerState.REJECTED, []), (AnswerState.REJECTED, [])]}]))
    assert "answers_rejected" in codes(rejected)
    assert rejected.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW


def test_the_latest_usable_attempt_is_the_one_that_counts(app: Flask) -> None:
    assessment = assess(app, seed(app, [
        {"attempts": [(AnswerState.REJECTED, []),
                      (AnswerState.ANALYSED, [("competency_scorer", "done", "en-tl-1")])]},
        {"answer": "en-ps-2"},
    ]))
    assert assessment.recommendation == AIRecommendation.ADVANCE and assessment.scored_answers == 2


def test_skipped_or_failed_scoring_and_opting_out_need_human_review(app: Flask) -> None:
    skipped = assess(app, seed(app, [
        {"answer": "en-tl-1"},
        {"attempts": [(AnswerState.ANALYSED, [("competency_scorer", "skipped", {})])]},
    ]))
    assert skipped.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW and "scoring_skipped" in codes(skipped)
    failed = assess(app, seed(app, [
        {"answer": "en-tl-1"},
        {"attempts": [(AnswerState.ANALYSED, [("competency_scorer", "failed", {})])]},
    ]))
    assert "scoring_failed" in codes(failed)
    opted_out = assess(app, seed(app, [
        {"attempts": [(AnswerState.ANALYSED, [("competency_scorer", "skipped", {})])]},
    ], opt_out=True))
    assert opted_out.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW
    assert "ai_opt_out" in codes(opted_out) and opted_out.score is None and opted_out.competencies == []
    assert "without AI evaluation" in opted_out.explanation["en"]
    assert "不使用人工智能" in opted_out.explanation["zh-CN"]


def test_flagged_cues_send_strong_answers_to_a_person_without_changing_the_score(app: Flask) -> None:
    clean = assess(app, seed(app, [{"answer": "en-tl-1"}, {"answer": "en-ps-2", "flags": ["looking_away_often"]}]))
    flagged = assess(app, seed(app, [{"answer": "en-tl-1"}, {"answer": "en-ps-2", "flags": ["multiple_faces"]}]))
    assert clean.recommendation == AIRecommendation.ADVANCE  # not a cue that needs a person
    assert flagged.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW
    assert any(r.code == "cues_flagged" and "multiple_faces" in r.detail for r in flagged.reasons)
    assert flagged.score == clean.score


def test_practice_questions_are_not_expected_to_be_scored(app: Flask) -> None:
    assessment = assess(app, seed(app, [{"answer": "en-tl-1", "kind": "practice", "attempts": []},
                                        {"answer": "en-tl-1"}]))
    assert assessment.questions == 1 and assessment.recommendation == AIRecommendation.ADVANCE


def test_the_explanation_is_bilingual_and_holds_no_candidate_words(app: Flask) -> None:
    assessment = assess(app, seed(app, [{"answer": "zh-tl-1"}, {"answer": "en-tl-2"}]))
    explanation = assessment.explanation
    assert set(explanation) == {"en", "zh-CN"}
    assert "A person reviews every interview" in explanation["en"]
    assert "团队领导" in explanation["zh-CN"] and "工作人员" in explanation["zh-CN"]
    dumped = json.dumps(assessment.to_dict(), ensure_ascii=False)
    for private in ("两千三百万", "大客户", "warehouse", "pickers", "aisles"):
        assert private not in dumped


def test_no_scorer_output_at_all_needs_human_review(app: Flask) -> None:
    assessment = assess(app, seed(app, [{"attempts": [(AnswerState.ANALYSED, [])]}]))
    assert assessment.recommendation == AIRecommendation.NEEDS_HUMAN_REVIEW
    assert {"answers_unscored", "no_scores"} <= codes(assessment) and assessment.score is None
