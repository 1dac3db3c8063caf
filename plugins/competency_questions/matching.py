"""Matching text to the competency library: requirement phrases in a job, experience terms in a resume.

English text is lower-cased, split into words, stripped of filler words and stemmed (Snowball), so "leading
teams" matches the phrase "lead a team". Chinese text is segmented with jieba, whose dictionary is extended
with the library's phrases so that a phrase is one token and "管理" never matches inside "管理员". A phrase
matches where its tokens appear in order, side by side. It holds no state beyond cached tokenizers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
import snowballstemmer

from candor.questions.library import CompetencyLibrary

jieba.setLogLevel(logging.WARNING)  # its start-up chatter says nothing an operator needs

_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")
_FILLER = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "and",
        "or",
        "with",
        "for",
        "in",
        "on",
        "our",
        "your",
        "their",
        "my",
        "his",
        "her",
        "its",
        "at",
        "as",
        "by",
        "be",
        "is",
        "are",
    ]
)
_STEMMER = snowballstemmer.stemmer("english")
TITLE_WEIGHT = 2


@dataclass
class Match:
    """A competency found in a text: how strongly, and by which phrases (library wording, never the text)."""

    competency: str
    score: int = 0
    phrases: list[str] = field(default_factory=list)


def english_tokens(text: str) -> list[str]:
    words = _WORD.findall(text.lower().replace("-", " ").replace("/", " "))
    return _STEMMER.stemWords([word for word in words if word not in _FILLER])


@lru_cache(maxsize=8)
def _chinese_tokenizer(phrases: tuple[str, ...]) -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    for phrase in phrases:
        tokenizer.add_word(phrase, freq=2000)
    return tokenizer


def chinese_tokenizer(library: CompetencyLibrary) -> jieba.Tokenizer:
    phrases = {p for c in library.competencies.values() for p in c.phrases.get("zh", [])}
    phrases |= {t for e in library.experiences.values() for t in e.terms.get("zh", [])}
    return _chinese_tokenizer(tuple(sorted(phrases)))


def tokens(text: str, language: str, library: CompetencyLibrary) -> list[str]:
    if language == "zh":
        # Latin words inside Chinese text (Python, PMP, SQL) still get the English treatment.
        out: list[str] = []
        for token in chinese_tokenizer(library).lcut(text):
            token = token.strip().lower()
            if not token or not re.search(r"\w", token):
                continue
            out.extend(english_tokens(token) if token.isascii() else [token])
        return out
    return english_tokens(text)


def find(phrase_tokens: Sequence[str], text_tokens: Sequence[str], gap: int = 2) -> int:
    """How many times the phrase occurs in the text: its tokens in order, at most ``gap`` other tokens between
    neighbours, so that "lead a team" also finds "lead the front desk team"."""
    if not phrase_tokens:
        return 0
    count = 0
    for start, token in enumerate(text_tokens):
        if token != phrase_tokens[0]:
            continue
        position = start
        for wanted in phrase_tokens[1:]:
            window = text_tokens[position + 1 : position + 2 + gap]
            if wanted not in window:
                break
            position += 1 + list(window).index(wanted)
        else:
            count += 1
    return count


def match_competencies(library: CompetencyLibrary, title: str, body: str, language: str) -> list[Match]:
    """Competencies the job asks for, strongest first; a phrase in the title counts double."""
    title_tokens = tokens(title, language, library)
    body_tokens = tokens(body, language, library)
    found: list[Match] = []
    for competency in library.competencies.values():
        match = Match(competency.id)
        title_tokens_c, body_tokens_c = title_tokens, body_tokens
        for excluded in competency.exclude.get(language, []):
            excluded_tokens = tokens(excluded, language, library)
            title_tokens_c = _blank(excluded_tokens, title_tokens_c)
            body_tokens_c = _blank(excluded_tokens, body_tokens_c)
        for phrase in competency.phrases.get(language, []):
            phrase_tokens = tokens(phrase, language, library)
            hits = TITLE_WEIGHT * find(phrase_tokens, title_tokens_c) + find(phrase_tokens, body_tokens_c)
            if hits:
                match.score += hits
                match.phrases.append(phrase)
        if match.score:
            found.append(match)
    order = {cid: i for i, cid in enumerate(library.competencies)}
    return sorted(found, key=lambda m: (-m.score, order[m.competency]))


def _blank(phrase_tokens: Sequence[str], text_tokens: Sequence[str]) -> list[str]:
    """The text with every exact occurrence of the phrase blanked out."""
    out = list(text_tokens)
    size = len(phrase_tokens)
    for i in range(len(out) - size + 1):
        if out[i : i + size] == list(phrase_tokens):
            out[i : i + size] = [""] * size
    return out


def find_terms(terms: Iterable[str], text: str, language: str, library: CompetencyLibrary) -> list[str]:
    """Which of ``terms`` (library wording) occur in ``text``."""
    text_tokens = tokens(text, language, library)
    return [term for term in terms if find(tokens(term, language, library), text_tokens)]
