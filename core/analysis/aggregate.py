"""From answers to an interview-level recommendation: the AI's suggestion to the reviewer, never a decision.

Owns ``aggregate_interview(state, session, interview) -> Assessment``, called when an interview's analysis is
over (the recruiting loop's ``conclude``). It reads the interview's pinned questions, the latest attempt of each
answer and every ``Analysis`` of those answers, and returns (it writes nothing):

* ``recommendation``: advance / hold / reject from the overall score, or ``needs_human_review`` whenever the
  AI cannot stand behind one: confidence below ``MIN_CONFIDENCE``, a scored question without a usable answer
  (missing, failed, rejected recording), scoring skipped (the candidate opted out of AI evaluation, consent or
  policy refused it, the analyzer was suspended) or failed, or a cue that a person must check
  (``REVIEW_FLAGS``: more than one face, no face, no speech).
* ``score`` (0..1, the mean of the scored answers' scores), ``confidence`` (0..1), per-competency summaries
  (mean 0-4 score, answers and evidence spans), the ``reasons`` as codes with neutral details, and an
  ``explanation`` in English and Chinese that can be given to the candidate: it names skills, counts and the
  recommendation, never the candidate's words.

Only competency scores (analyzers declaring ``competency_scoring``) make the score. Delivery and video figures
never raise or lower it: they describe how an answer was delivered, which nervousness, accent, disability or a
poor camera change; their flags only send the interview to a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from statistics import fmean
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.interviews.models import Analysis, Answer, AnswerState, Interview
from candor.questions.models import InterviewQuestion
from candor.review.models import AIRecommendation

if TYPE_CHECKING:
    from candor.state import CandorState

#: Overall score (0..1) at or above which the AI suggests advancing.
ADVANCE_AT = 0.65
#: Overall score below which the AI suggests rejecting (only with enough confidence, as every suggestion).
REJECT_BELOW = 0.30
#: Interview confidence below which no suggestion is made: a person must look closely.
MIN_CONFIDENCE = 0.5
#: Flags of any analyzer that send the interview to a person (proctoring and missing-signal cues).
REVIEW_FLAGS = frozenset({"multiple_faces", "no_face", "no_speech", "no_words_recognised"})
#: Question kinds the competency scorer does not score (practice is never scored; code has its own runs).
UNSCORED_KINDS = frozenset({"practice", "coding"})
SCORING_CAPABILITY = "competency_scoring"
PRODUCER = "core.aggregate"


@dataclass
class CompetencySummary:
    id: str
    name: str
    mean_score: float  # 0-4, the scorer's scale
    answers: int
    evidence: int  # evidence spans across the answers

    @property
    def level(self) -> int:
        return int(min(4, max(0, round(self.mean_score))))


@dataclass
class Reason:
    """Why the recommendation is what it is. ``detail`` holds counts, ids and flag names only."""

    code: str
    detail: str = ""


@dataclass
class Assessment:
    """What ``aggregate_interview`` returns; ``to_dict()`` is JSON-able and free of candidate words."""

    interview_id: int
    recommendation: AIRecommendation
    score: float | None
    confidence: float
    competencies: list[CompetencySummary] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    explanation: dict[str, str] = field(default_factory=dict)
    questions: int = 0  # questions that are scored
    scored_answers: int = 0
    produced_by: str = PRODUCER
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["recommendation"] = self.recommendation.value
        for summary, item in zip(self.competencies, data["competencies"], strict=True):
            item["level"] = summary.level
        return data


def aggregate_interview(state: CandorState | None, session: Session, interview: Interview) -> Assessment:
    """Combine an interview's analyses into the AI's recommendation, with reasons and an explanation.

    :param state: the app's state, to tell scoring analyzers by their declared capability; ``None`` falls back
        to analyzer names (``competency_scorer``).
    :param session: a session in which the interview's rows are readable; nothing is written.
    :param interview: an interview whose analysis is over (pending analyses count as not done).
    :returns: an ``Assessment``; stable signature, arguments may be added as keywords only.
    """
    questions = [
        q for q in session.scalars(
            select(InterviewQuestion).where(InterviewQuestion.interview_id == interview.id)
            .order_by(InterviewQuestion.position, InterviewQuestion.step)
        )
        if q.kind not in UNSCORED_KINDS
    ]
    answers = list(session.scalars(select(Answer).where(Answer.interview_id == interview.id)
                                   .order_by(Answer.attempt, Answer.id)))
    analyses: dict[int, list[Analysis]] = {}
    if answers:
        for analysis in session.scalars(select(Analysis).where(Analysis.answer_id.in_([a.id for a in answers]))):
            analyses.setdefault(analysis.answer_id, []).append(analysis)

    reasons: list[Reason] = []
    flags: set[str] = set()
    answer_scores: list[tuple[float, float]] = []  # (score, confidence)
    per_competency: dict[str, list[tuple[str, float, int]]] = {}
    counts = {"missing": 0, "failed": 0, "rejected": 0, "skipped": 0, "scoring_failed": 0, "unscored": 0}

    for question in questions:
        answer = _current_answer(answers, question)
        if answer is None:
            counts["missing" if not _attempts(answers, question) else "rejected"] += 1
            continue
        if answer.state == AnswerState.FAILED:
            counts["failed"] += 1
            continue
        if answer.state != AnswerState.ANALYSED and not analyses.get(answer.id):
            counts["missing"] += 1  # still uploading or never processed
            continue
        scored = False
        for analysis in analyses.get(answer.id, ()):
            output = analysis.output or {}
            if not _is_scoring(state, analysis):
                if analysis.state == "done":
                    flags.update(str(f) for f in output.get("flags") or ())
                continue
            if analysis.state == "skipped":
                counts["skipped"] += 1
            elif analysis.state == "failed":
                counts["scoring_failed"] += 1
            elif analysis.state == "done" and isinstance(output.get("score"), int | float):
                scored = True
                answer_scores.append((float(output["score"]), float(output.get("confidence") or 0.0)))
                for competency in output.get("competencies") or ():
                    per_competency.setdefault(str(competency.get("id")), []).append((
                        str(competency.get("name") or competency.get("id")),
                        float(competency.get("score") or 0.0),
                        len(competency.get("evidence") or ()),
                    ))
        if not scored and not any(_is_scoring(state, a) and a.state in {"skipped", "failed"}
                                  for a in analyses.get(answer.id, ())):
            counts["unscored"] += 1

    expected = len(questions)
    if interview.ai_opt_out:
        reasons.append(Reason("ai_opt_out", "the candidate asked for a process without AI evaluation"))
    if counts["missing"]:
        reasons.append(Reason("answers_missing", f"{counts['missing']} of {expected} questions have no answer"))
    if counts["rejected"]:
        reasons.append(Reason("answers_rejected", f"{counts['rejected']} answers have only rejected recordings"))
    if counts["failed"]:
        reasons.append(Reason("answers_failed", f"{counts['failed']} answers could not be processed"))
    if counts["skipped"]:
        reasons.append(Reason("scoring_skipped", f"scoring was not allowed for {counts['skipped']} answers"))
    if counts["scoring_failed"]:
        reasons.append(Reason("scoring_failed", f"scoring failed for {counts['scoring_failed']} answers"))
    if counts["unscored"]:
        reasons.append(Reason("answers_unscored", f"{counts['unscored']} answers have no score"))
    review_flags = sorted(flags & REVIEW_FLAGS)
    if review_flags:
        reasons.append(Reason("cues_flagged", ", ".join(review_flags)))
    if not expected:
        reasons.append(Reason("no_scored_questions", "the interview has no scored questions"))

    score = round(fmean(s for s, _ in answer_scores), 3) if answer_scores and not interview.ai_opt_out else None
    coverage = len(answer_scores) / expected if expected else 0.0
    confidence = round(fmean(c for _, c in answer_scores) * coverage, 3) if score is not None else 0.0
    if score is not None and confidence < MIN_CONFIDENCE:
        reasons.append(Reason("low_confidence", f"confidence {confidence:.2f} is below {MIN_CONFIDENCE:.2f}"))
    if score is None and not interview.ai_opt_out and expected:
        reasons.append(Reason("no_scores", "no answer was scored"))

    if reasons or score is None:
        recommendation = AIRecommendation.NEEDS_HUMAN_REVIEW
    elif score >= ADVANCE_AT:
        recommendation = AIRecommendation.ADVANCE
    elif score < REJECT_BELOW:
        recommendation = AIRecommendation.REJECT
    else:
        recommendation = AIRecommendation.HOLD
    if score is not None and not reasons:
        reasons.append(Reason("score_band", _band(score)))

    summaries = [
        CompetencySummary(
            id=competency_id,
            name=entries[0][0],
            mean_score=round(fmean(e[1] for e in entries), 2),
            answers=len(entries),
            evidence=sum(e[2] for e in entries),
        )
        for competency_id, entries in per_competency.items()
    ] if score is not None else []
    assessment = Assessment(
        interview_id=interview.id,
        recommendation=recommendation,
        score=score,
        confidence=confidence,
        competencies=summaries,
        reasons=reasons,
        questions=expected,
        scored_answers=len(answer_scores),
        flags=sorted(flags),
    )
    assessment.explanation = explain(assessment)
    return assessment


def _attempts(answers: Sequence[Answer], question: InterviewQuestion) -> list[Answer]:
    def belongs(answer: Answer) -> bool:
        pinned = getattr(answer, "interview_question_id", None)
        if pinned is not None:
            return pinned == question.id
        return question.question_id is not None and answer.question_id == question.question_id

    return [a for a in answers if belongs(a)]


def _current_answer(answers: Sequence[Answer], question: InterviewQuestion) -> Answer | None:
    """The latest attempt that was not rejected (what was analysed), or ``None``."""
    usable = [a for a in _attempts(answers, question) if a.state != AnswerState.REJECTED]
    return max(usable, key=lambda a: (a.attempt, a.id)) if usable else None


def _is_scoring(state: CandorState | None, analysis: Analysis) -> bool:
    if state is not None:
        try:
            return SCORING_CAPABILITY in state.plugins.declaration(analysis.plugin).capabilities
        except KeyError:
            pass  # a plugin since disabled: judge by its record
    return analysis.plugin == "competency_scorer" or analysis.analyzer.startswith("competency_scorer.")


def _band(score: float) -> str:
    if score >= ADVANCE_AT:
        return f"score {score:.2f} at or above {ADVANCE_AT:.2f}"
    if score < REJECT_BELOW:
        return f"score {score:.2f} below {REJECT_BELOW:.2f}"
    return f"score {score:.2f} between {REJECT_BELOW:.2f} and {ADVANCE_AT:.2f}"


# --- the explanation a candidate can be given ---------------------------------------------------------------

_SUGGESTION = {
    "en": {
        AIRecommendation.ADVANCE: "to move you forward to the next step",
        AIRecommendation.HOLD: "to keep your application under consideration",
        AIRecommendation.REJECT: "not to move you forward",
        AIRecommendation.NEEDS_HUMAN_REVIEW: "no suggestion: a person needs to look at your interview closely",
    },
    "zh-CN": {
        AIRecommendation.ADVANCE: "建议进入下一轮",
        AIRecommendation.HOLD: "建议继续考虑您的申请",
        AIRecommendation.REJECT: "建议不进入下一轮",
        AIRecommendation.NEEDS_HUMAN_REVIEW: "不给出建议，需要由工作人员仔细查看您的面试",
    },
}
_REASON_TEXT = {
    "en": {
        "ai_opt_out": "you asked for your interview to be assessed without AI evaluation",
        "answers_missing": "some questions have no answer",
        "answers_rejected": "some recordings could not be used",
        "answers_failed": "some answers could not be processed",
        "scoring_skipped": "automatic scoring was not allowed for some answers",
        "scoring_failed": "automatic scoring failed for some answers",
        "answers_unscored": "some answers were not scored",
        "cues_flagged": "the recording showed something a person should check (for example no face, more than "
                        "one face, or no speech)",
        "no_scored_questions": "the interview had no questions that are scored",
        "low_confidence": "the automatic scoring was not confident enough, for example because answers were "
                          "short or hard to recognise",
        "no_scores": "no answer could be scored",
    },
    "zh-CN": {
        "ai_opt_out": "您要求不使用人工智能评估您的面试",
        "answers_missing": "部分问题没有回答",
        "answers_rejected": "部分录制内容无法使用",
        "answers_failed": "部分回答无法处理",
        "scoring_skipped": "部分回答不允许自动评分",
        "scoring_failed": "部分回答的自动评分失败",
        "answers_unscored": "部分回答没有评分",
        "cues_flagged": "录像中有需要工作人员核查的情况（例如没有人脸、出现多张人脸或没有声音）",
        "no_scored_questions": "本次面试没有计分的问题",
        "low_confidence": "自动评分的把握不足，例如回答较短或语音难以识别",
        "no_scores": "没有可以评分的回答",
    },
}


def explain(assessment: Assessment) -> dict[str, str]:
    """Plain-language explanations (``en``, ``zh-CN``) of an assessment; no candidate words, no thresholds."""
    names = ", ".join(s.name for s in assessment.competencies)
    codes = [r.code for r in assessment.reasons if r.code != "score_band"]
    en = [
        f"Your answers to {assessment.scored_answers} of {assessment.questions} questions were scored "
        "automatically against the skills each question asks about"
        + (f" ({names})" if names else "") + "."
    ]
    zh_names = "（" + "、".join(s.name for s in assessment.competencies) + "）" if names else ""
    zh = [
        f"系统根据每个问题考察的能力{zh_names}，对您 {assessment.questions} 个问题中的 "
        f"{assessment.scored_answers} 个回答进行了自动评分。"
    ]
    if assessment.score is not None:
        en.append(
            f"The overall score was {assessment.score:.2f} out of 1. It reflects whether your answers described a "
            "real situation, what you did yourself, the results you mentioned, and how closely they matched "
            "what was asked; it does not use your voice, face or manner of speaking."
        )
        zh.append(
            f"总分为 {assessment.score:.2f}（满分 1）。评分依据是回答是否描述了真实的情境、您本人做了什么、"
            "提到了哪些结果，以及回答与问题的相关程度；评分不使用您的声音、面部或说话方式。"
        )
    en.append(f"The suggestion to the reviewer is {_SUGGESTION['en'][assessment.recommendation]}.")
    zh.append(f"给评审人员的建议：{_SUGGESTION['zh-CN'][assessment.recommendation]}。")
    if codes:
        en.append("This is because " + "; ".join(_REASON_TEXT["en"][c] for c in codes) + ".")
        zh.append("原因：" + "；".join(_REASON_TEXT["zh-CN"][c] for c in codes) + "。")
    en.append("A person reviews every interview and makes the decision; you may ask for a human review.")
    zh.append("每次面试都由工作人员审阅并作出决定；您可以要求人工复核。")
    return {"en": " ".join(en), "zh-CN": "".join(zh)}


def summary_for(assessment: Assessment) -> Mapping[str, Any]:
    """What the recommendation record and the ``result.ready`` event can carry (no candidate words)."""
    return {
        "score": assessment.score,
        "confidence": assessment.confidence,
        "recommendation": assessment.recommendation.value,
        "reasons": [r.code for r in assessment.reasons],
    }
