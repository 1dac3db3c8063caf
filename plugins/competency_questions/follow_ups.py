"""Deciding whether an answer deserves a follow-up question, and which.

Rules, in the order they are tried: the answer is far shorter than the question expects; it speaks of "we"
but never of what the candidate did; it names no result; it mentions a word worth probing (a conflict, a
failure, a number without its meaning). Each rule fires at most once per question, so a candidate is never
asked the same thing twice; the core caps how many follow-ups a question gets. The follow-up text comes from
this module, never from the transcript, so no personal data is copied into a question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Words per second of a fluent spoken answer (about 130 words a minute; about 4 Chinese characters a second).
RATE = {"en": 2.2, "zh": 4.0}

_RESULT = {
    "en": re.compile(
        r"\b(result|results|resulted|outcome|as a result|so that|in the end|finally|increased|reduced|"
        r"improved|achieved|delivered|launched|saved|grew|won|cut|raised|succeeded|shipped|"
        r"finished|completed|solved|fixed|led to)\b|\d+\s*%",
        re.I,
    ),
    "zh": re.compile(
        r"结果|最终|最后|提升|提高|降低|增加|减少|完成|达成|实现|上线|成功|解决了|节省|增长|赢得|交付|\d+\s*%|百分之"
    ),
}
_WE = {"en": re.compile(r"\b(we|our|us|the team)\b", re.I), "zh": re.compile(r"我们|咱们|团队")}
_I = {"en": re.compile(r"\b(i|my|me|myself|i'm|i've|i'd)\b", re.I), "zh": re.compile(r"我(?!们)")}

PROBES: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "en": [
        (
            re.compile(r"\b(conflict|disagree\w*|argu\w+|tension)\b", re.I),
            "You mentioned a disagreement. What exactly did you say or do to resolve it, and how did it end?",
        ),
        (
            re.compile(r"\b(fail\w*|mistake\w*|wrong|missed)\b", re.I),
            "You mentioned that something went wrong. What did you learn, "
            "and what do you do differently now?",
        ),
        (
            re.compile(r"\b(pressure|deadline\w*|urgent)\b", re.I),
            "You mentioned time pressure. How did you decide what to do first?",
        ),
    ],
    "zh": [
        (
            re.compile(r"冲突|分歧|争执|矛盾"),
            "你提到了分歧。你具体说了什么、做了什么来解决它？最后结果如何？",
        ),
        (re.compile(r"失败|错误|失误|没做好"), "你提到有事情没有做好。你从中学到了什么？现在会怎样做？"),
        (re.compile(r"压力|截止|紧急|来不及"), "你提到了时间压力。你是如何决定先做什么的？"),
    ],
}

TEXTS = {
    "too_short": {
        "en": "Could you tell me more? Take me through the situation step by step: what was at stake, "
        "what you did, and what happened.",
        "zh": "能再详细一些吗？请一步步讲讲：当时的情况是什么，你做了什么，结果怎样。",
    },
    "no_personal_action": {
        "en": "You described what the team did. What did you do yourself?",
        "zh": "你讲了团队做了什么。你本人具体做了什么？",
    },
    "no_result": {
        "en": "How did it end? What was the result, and how did you know?",
        "zh": "最后结果怎样？你是如何判断效果的？",
    },
}


@dataclass(frozen=True)
class FollowUp:
    rule: str
    text: str


def length(transcript: str, language: str) -> int:
    """Words in English, characters in Chinese (spaces and punctuation aside)."""
    if language == "zh":
        return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z0-9]+", transcript))
    return len(re.findall(r"[A-Za-z0-9']+", transcript))


def choose(
    question: Mapping[str, Any], transcript: str, language: str, short_ratio: float
) -> FollowUp | None:
    """The first rule that fires and has not fired for this question yet, or None."""
    asked: Sequence[str] = question.get("follow_up_rules", ())
    language = language if language in RATE else "en"
    expected = question.get("expected_length") or RATE[language] * float(
        question.get("answer_seconds") or 120
    )
    checks = [
        ("too_short", length(transcript, language) < expected * short_ratio),
        (
            "no_personal_action",
            bool(_WE[language].search(transcript)) and not _I[language].search(transcript),
        ),
        ("no_result", not _RESULT[language].search(transcript)),
    ]
    for rule, fires in checks:
        if fires and rule not in asked:
            return FollowUp(rule, TEXTS[rule][language])
    for index, (pattern, text) in enumerate(PROBES[language]):
        rule = f"probe_{index}"
        if rule not in asked and pattern.search(transcript):
            return FollowUp(rule, text)
    return None
