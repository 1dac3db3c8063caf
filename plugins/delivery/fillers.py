"""Filler words in a transcript, in English and Chinese.

Owns the filler lists and how they are counted. Chinese transcripts are segmented with jieba (already used by
the core for Chinese text) because engines differ in where they put word boundaries.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

ENGLISH = frozenset({"um", "uh", "erm", "er", "hmm", "like"})
CHINESE = frozenset({"嗯", "呃", "那个", "就是"})
#: "like" is a filler only when it is not a verb or a preposition after these ("I like", "would like to").
_LIKE_NOT_FILLER_AFTER = frozenset(
    {
        "i",
        "you",
        "we",
        "they",
        "would",
        "i'd",
        "we'd",
        "you'd",
        "don't",
        "didn't",
        "do",
        "does",
        "to",
        "really",
        "looks",
        "look",
        "looked",
        "feel",
        "felt",
        "just",
        "something",
        "much",
        "more",
        "most",
        "things",
    }
)
_HAN = re.compile(r"[\u3400-\u9fff]")
_TOKEN = re.compile(r"[\w']+|[\u3400-\u9fff]+")


def is_chinese(language: str, words: Sequence[str]) -> bool:
    return language.lower().startswith("zh") or any(_HAN.search(word) for word in words[:20])


def count_fillers(words: Sequence[str], language: str) -> tuple[Counter[str], int]:
    """Filler counts and the number of words they are counted against."""
    if is_chinese(language, words):
        import jieba

        jieba.setLogLevel(60)  # its "Building prefix dict" lines are noise in logs
        tokens = [t for t in jieba.lcut("".join(words)) if _TOKEN.fullmatch(t)]
        return Counter(t for t in tokens if t in CHINESE), len(tokens)
    tokens = [t.lower() for word in words for t in _TOKEN.findall(word)]
    found: Counter[str] = Counter()
    for index, term in enumerate(tokens):
        if term not in ENGLISH:
            continue
        if term == "like" and index and tokens[index - 1] in _LIKE_NOT_FILLER_AFTER:
            continue
        found[term] += 1
    return found, len(tokens)
