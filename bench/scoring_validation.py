"""Competency scorer validation: rank correlation and pairwise agreement with labels, per language, and cost.

Run: ``.venv/bin/python bench/scoring_validation.py``

Data: the 50 labelled answers of ``tests/scoring/data/labelled_answers.yaml`` (30 English, 20 Chinese; strong,
adequate, weak), written for the test. Baseline, in the same process: a keyword counter (the share of each
indicator's words found anywhere in the answer), which is what the scorer must beat. The set holds weak
answers that repeat the indicators' words without an example, so the baseline ranks those high.

The figures are optimistic: the same people wrote the answers, the labels and the scorer's vocabulary (the
answers first). They show the scorer orders clearly strong and weak answers; agreement with interviewers on
real answers is not measured.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "scoring" / "data" / "labelled_answers.yaml"


def keyword_baseline(answer: Mapping[str, Any]) -> float:
    """Share of the indicators' words (English) or two-character pieces (Chinese) present in the answer."""
    text = answer["transcript"].lower()
    found, total = 0, 0
    for competency in answer["competencies"]:
        for indicator in competency["indicators"]:
            if answer["language"].startswith("zh"):
                pieces = [indicator[i:i + 2] for i in range(0, len(indicator) - 1, 2)]
            else:
                pieces = [w for w in re.findall(r"[a-z]+", indicator.lower()) if len(w) > 3]
            total += len(pieces)
            found += sum(1 for p in pieces if p in text)
    return found / total if total else 0.0


def main() -> int:
    from candor_plugins.competency_scorer import score_answer
    from candor_plugins.competency_scorer.text import nlp
    from candor_plugins.competency_scorer.validation import evaluate, load_labelled

    answers = load_labelled(DATA)
    started = time.perf_counter()
    nlp()
    import jieba

    jieba.initialize()
    load_s = time.perf_counter() - started

    def scorer(answer: Mapping[str, Any]) -> float:
        question = {"text": answer["question"], "competencies": answer["competencies"]}
        return float(score_answer(answer["transcript"], question, answer["language"])["score"])

    evaluate(answers[:4], scorer)  # warm caches (question lemmas) like a running worker has
    ours = evaluate(answers, scorer)
    base = evaluate(answers, keyword_baseline)
    print(f"labelled answers: {len(answers)} ({DATA.relative_to(ROOT)}); language models loaded in {load_s:.2f} s")
    print(f"{'set':8} {'n':>3}  {'spearman':>8} {'base':>6}  {'agreement':>9} {'base':>6}  "
          f"{'strong>weak':>11} {'base':>6}")
    for language in ours:
        o, b = ours[language], base[language]
        print(f"{language:8} {int(o['n']):3}  {o['spearman']:8.3f} {b['spearman']:6.3f}  {o['agreement']:9.3f} "
              f"{b['agreement']:6.3f}  {o['strong_over_weak']:11.3f} {b['strong_over_weak']:6.3f}")
    ms, base_ms = ours["all"]["ms_per_answer"], base["all"]["ms_per_answer"]
    print(f"scorer: {ms:.1f} ms per answer (keyword baseline {base_ms:.3f} ms, {ms / max(base_ms, 1e-6):.0f}x)")
    print(f"agreement gain over the baseline: {ours['all']['agreement'] - base['all']['agreement']:+.3f}")
    accuracy = {
        "spearman_en": ours["en"]["spearman"],
        "spearman_zh": ours["zh-CN"]["spearman"],
        "pairwise_agreement_en": ours["en"]["agreement"],
        "pairwise_agreement_zh": ours["zh-CN"]["agreement"],
        "keyword_baseline_agreement": base["all"]["agreement"],
        "labelled_answers": float(len(answers)),
        "ms_per_answer": round(ms, 1),
    }
    print("declaration accuracy:", json.dumps(accuracy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
