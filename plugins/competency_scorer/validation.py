"""Measuring the scorer against labelled answers: Spearman's rank correlation and pairwise agreement.

Owns reading a labelled file (``tests/scoring/data/labelled_answers.yaml`` is the project's) and the two
figures the declaration reports. Labels are ``strong`` / ``adequate`` / ``weak`` or a number 0-4.
Pairwise agreement is the share of pairs with different labels (in one language) that the scores put in the
labels' order; a tie counts half. It is what a reviewer relies on: a better answer scores higher.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from statistics import fmean
from typing import Any

import yaml

LABELS = {"weak": 1.0, "adequate": 2.0, "strong": 3.0}


def load_labelled(path: str | Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    answers = data["answers"] if isinstance(data, Mapping) else data
    for answer in answers:
        label = answer["label"]
        answer["value"] = float(label) if isinstance(label, int | float) else LABELS[str(label)]
    return answers


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    rx, ry = ranks(x), ranks(y)
    mx, my = fmean(rx), fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return cov / var if var else 0.0


def pairwise_agreement(labels: Sequence[float], scores: Sequence[float]) -> float:
    agree, pairs = 0.0, 0
    for i, j in combinations(range(len(labels)), 2):
        if labels[i] == labels[j]:
            continue
        pairs += 1
        if scores[i] == scores[j]:
            agree += 0.5
        elif (scores[i] > scores[j]) == (labels[i] > labels[j]):
            agree += 1
    return agree / pairs if pairs else 0.0


def evaluate(
    answers: Sequence[Mapping[str, Any]], scorer: Callable[[Mapping[str, Any]], float]
) -> dict[str, dict[str, float]]:
    """Figures per language and overall: ``spearman``, ``agreement``, ``strong_over_weak``, ``n``, ``ms``."""
    scored = []
    started = time.perf_counter()
    for answer in answers:
        scored.append((answer, float(scorer(answer))))
    elapsed = time.perf_counter() - started
    result: dict[str, dict[str, float]] = {}
    languages = sorted({str(a["language"]) for a, _ in scored})
    for language in [*languages, "all"]:
        subset = [(a, s) for a, s in scored if language in {"all", a["language"]}]
        labels = [float(a["value"]) for a, _ in subset]
        scores = [s for _, s in subset]
        extremes = [(a, s) for a, s in subset if a["value"] in {LABELS["strong"], LABELS["weak"]}]
        result[language] = {
            "n": len(subset),
            "spearman": round(spearman(labels, scores), 3),
            "agreement": round(pairwise_agreement(labels, scores), 3),
            "strong_over_weak": round(
                pairwise_agreement([float(a["value"]) for a, _ in extremes], [s for _, s in extremes]), 3
            ),
        }
    result["all"]["ms_per_answer"] = round(1000 * elapsed / max(1, len(scored)), 2)
    return result
