"""Scoring one answer against the competencies its question is linked to.

The scale, per competency (``score`` 0.0-4.0 with one decimal; ``level`` the nearest anchor):

* **0 - no evidence**: nothing in the answer bears on the competency (empty, off-topic).
* **1 - claims only**: general statements, habits or hypotheticals ("I always...", "I would..."), no example.
* **2 - partial**: a real example, but few indicators shown, the candidate's own part unclear ("we") or no
  result.
* **3 - solid**: a specific example with the candidate's own actions, several indicators and a result.
* **4 - strong**: as 3, with most indicators shown and a measurable result.

How the number is reached (each part in 0..1, weights sum to 4):

* ``INDICATOR_WEIGHT`` x indicator coverage: each indicator counts by the best sentence showing it, 1.0 when
  told as something that happened, 0.6 when told in the present, 0.25 when only claimed ("I always listen").
  A sentence shows an indicator when it holds at least half the indicator's weight in words of the same
  group (``lexicon.yaml``); the indicator's first word (its verb) weighs 1.5x, generic words little, negated
  words ("did not listen") nothing.
* ``ACTION_WEIGHT`` x own actions: verbs whose subject is "I" / 我 in sentences that are not claims, three or
  more for full marks; "we" counts at ``WE_SHARE`` of "I".
* ``STAR_WEIGHT`` x the share of situation, task, action and result found.
* ``MEASURABLE_WEIGHT`` when a result sentence carries a number.
* ``SPECIFIC_WEIGHT`` x the share of sentences that tell what happened.

The sum is then multiplied by a relevance factor (an answer about something else cannot score) and capped for
very short answers. The answer's ``score`` (0..1) is the mean competency score divided by 4.

Confidence (0..1) says how much the numbers can be trusted, not how good the answer is: it falls with short
answers, with low speech-recognition confidence and with low relevance, and is 0 for an empty answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from candor_plugins.competency_scorer import lexicon as lx
from candor_plugins.competency_scorer import text as tx

INDICATOR_WEIGHT = 1.6
ACTION_WEIGHT = 0.8
STAR_WEIGHT = 0.8
MEASURABLE_WEIGHT = 0.4
SPECIFIC_WEIGHT = 0.4
WE_SHARE = 0.4
FULL_ACTIONS = 3
HEAD_FACTOR = 1.5
MATCH_SHARE = 0.5
#: Words (English) or characters (Chinese) for full length confidence; below SHORT_* the answer is flagged.
FULL_LENGTH = {"en": 90, "zh": 160}
SHORT = {"en": 25, "zh": 45}
#: Relevance below this flags the answer off topic.
OFF_TOPIC = 0.2
LOW_ASR_CONFIDENCE = 0.6
#: Evidence sentences listed per indicator at most (the analyzer's setting may keep fewer).
MAX_EVIDENCE = 10
LEVELS = ("no evidence", "claims only", "partial", "solid", "strong")
NO_MEASURABLE_RESULT = "no measurable result stated"


@dataclass
class _Item:
    key: str
    groups: frozenset[str]
    weight: float


def score_answer(
    transcript: str | None,
    question: Mapping[str, Any] | None,
    language: str,
    words: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Score a redacted transcript; the result names indicators and offsets, never the candidate's words."""
    text = transcript or ""
    question = question or {}
    code = tx.language_code(language, text)
    competencies = [c for c in question.get("competencies") or () if isinstance(c, Mapping)]
    if code not in {"en", "zh"}:
        return _empty(competencies, code, ["unsupported_language"])
    if not text.strip():
        return _empty(competencies, code, ["empty"])
    reading = tx.read(text, code)
    if not reading.sentences or reading.words == 0:
        return _empty(competencies, code, ["empty"])
    timings = align_words(text, words or ())
    star = _star(reading)
    relevance = _relevance(reading, text, question, competencies)
    i_actions = sum(s.i_actions for s in reading.sentences)
    we_actions = sum(s.we_actions for s in reading.sentences)
    action = min(1.0, (i_actions + WE_SHARE * we_actions) / FULL_ACTIONS)
    specific = sum(s.words for s in reading.sentences if s.specific) / reading.words
    star_share = sum(star[p] for p in ("situation", "task", "action", "result")) / 4
    measurable = 1.0 if star["measurable"] else 0.0
    base = ACTION_WEIGHT * action + STAR_WEIGHT * star_share + MEASURABLE_WEIGHT * measurable
    base += SPECIFIC_WEIGHT * specific
    factor = _relevance_factor(relevance)
    cap = 4.0 if reading.words >= SHORT[code] else 1.5

    results = []
    for competency in competencies:
        indicators = [str(i) for i in competency.get("indicators") or ()]
        met, missing, evidence, coverage = _indicators(reading, indicators, code, timings)
        raw = INDICATOR_WEIGHT * coverage + base if indicators else base * 4.0 / (4.0 - INDICATOR_WEIGHT)
        score = round(min(cap, raw * factor), 1)
        level = int(min(4, max(0, round(score))))
        results.append({
            "id": str(competency.get("id", "")),
            "name": str(competency.get("name", competency.get("id", ""))),
            "score": score,
            "level": level,
            "level_label": LEVELS[level],
            "indicators_met": met,
            "indicators_missing": missing,
            "evidence": evidence,
        })
    if results:
        answer_score = fmean(r["score"] for r in results) / 4.0
    else:
        answer_score = min(cap, base * 4.0 / (4.0 - INDICATOR_WEIGHT) * factor) / 4.0

    asr = _asr_confidence(words)
    flags = []
    if reading.words < SHORT[code]:
        flags.append("too_short")
    if relevance < OFF_TOPIC:
        flags.append("off_topic")
    if asr is not None and asr < LOW_ASR_CONFIDENCE:
        flags.append("low_asr_confidence")
    if not any(s.specific for s in reading.sentences):
        flags.append("no_specific_example")
    if we_actions and not i_actions:
        flags.append("we_not_i")
    if not competencies:
        flags.append("no_competencies")
    length = min(1.0, reading.words / FULL_LENGTH[code])
    asr_factor = 1.0 if asr is None else max(0.0, min(1.0, (asr - 0.3) / 0.5))
    confidence = length * asr_factor * (0.4 + 0.6 * relevance) * (1.0 if competencies else 0.7)

    notes = []
    if not star["measurable"]:
        notes.append(NO_MEASURABLE_RESULT)
    if we_actions and not i_actions:
        notes.append("actions described only as 'we'")
    return {
        "scale": "0-4 per competency (0 no evidence, 1 claims only, 2 partial, 3 solid, 4 strong); "
                 "score 0-1 per answer",
        "language": code,
        "competencies": results,
        "star": {
            "situation": star["situation"],
            "task": star["task"],
            "action": star["action"],
            "result": star["result"],
            "measurable_result": star["measurable"],
            "notes": notes,
            "spans": _star_spans(reading, timings),
        },
        "first_person": {"i_actions": i_actions, "we_actions": we_actions},
        "relevance": round(relevance, 3),
        "confidence": round(confidence, 3),
        "score": round(answer_score, 3),
        "words": reading.words,
        "sentences": len(reading.sentences),
        "asr_confidence": None if asr is None else round(asr, 3),
        "flags": flags,
    }


def _empty(competencies: Sequence[Mapping[str, Any]], code: str, flags: list[str]) -> dict[str, Any]:
    return {
        "scale": "0-4 per competency (0 no evidence, 1 claims only, 2 partial, 3 solid, 4 strong); "
                 "score 0-1 per answer",
        "language": code,
        "competencies": [
            {"id": str(c.get("id", "")), "name": str(c.get("name", c.get("id", ""))), "score": 0.0, "level": 0,
             "level_label": LEVELS[0], "indicators_met": [],
             "indicators_missing": [{"index": i, "indicator": str(ind)}
                                    for i, ind in enumerate(c.get("indicators") or ())],
             "evidence": []}
            for c in competencies
        ],
        "star": {"situation": False, "task": False, "action": False, "result": False, "measurable_result": False,
                 "notes": [NO_MEASURABLE_RESULT], "spans": []},
        "first_person": {"i_actions": 0, "we_actions": 0},
        "relevance": 0.0,
        "confidence": 0.0,
        "score": 0.0,
        "words": 0,
        "sentences": 0,
        "asr_confidence": None,
        "flags": flags,
    }


def _relevance_factor(relevance: float) -> float:
    """1 from relevance 0.5 up; down to 0.15 for an answer about something else."""
    return 0.15 + 0.85 * min(1.0, relevance / 0.5)


# --- indicators ---------------------------------------------------------------------------------------------


def _items(indicator: str, code: str) -> list[_Item]:
    lexicon = lx.lexicons()[code]
    if code == "en":
        lemmas = list(tx.lemmas_en(indicator))
        keys: list[str] = []
        i = 0
        while i < len(lemmas):
            pair = " ".join(lemmas[i:i + 2])
            if i + 1 < len(lemmas) and lexicon.groups_of(pair):
                keys.append(pair)  # "follow up", "break down": one idea
                i += 2
            else:
                keys.append(lemmas[i])
                i += 1
    else:
        keys = [t for t in tx.terms_zh(indicator) if len(t) > 1 or lexicon.groups_of(t)]
    items = [_Item(k, frozenset(lexicon.groups_of(k)), lexicon.weight_of(k)) for k in keys]
    if items:
        items[0].weight *= HEAD_FACTOR
    return items


def _sentence_terms(sentence: tx.Sentence, code: str) -> tuple[set[str], set[str]]:
    """Words present (not negated) in a sentence and their groups."""
    lexicon = lx.lexicons()[code]
    words: set[str] = set()
    if code == "en":
        lemmas = [lemma for lemma, negated in sentence.lemmas if not negated]
        for size in (1, 2, 3):
            for i in range(len(lemmas) - size + 1):
                words.add(" ".join(lemmas[i:i + size]))
    else:
        for word in lexicon.by_word:
            start = sentence.text.find(word)
            while start != -1:
                if not tx.zh_negated(sentence.text, start):
                    words.add(word)
                    break
                start = sentence.text.find(word, start + 1)
    groups = {g for w in words for g in lexicon.groups_of(w)}
    return words, groups


def _covered(item: _Item, sentence: tx.Sentence, words: set[str], groups: set[str], code: str) -> bool:
    if item.groups & groups or item.key in words:
        return True
    if code == "zh":
        at = sentence.text.find(item.key)
        return at != -1 and not tx.zh_negated(sentence.text, at)
    return False


def _indicators(
    reading: tx.Reading, indicators: Sequence[str], code: str, timings: list[tuple[int, int, float, float]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], float]:
    terms = [_sentence_terms(s, code) for s in reading.sentences]
    met, missing, evidence, strengths = [], [], [], []
    for index, indicator in enumerate(indicators):
        items = _items(indicator, code)
        total = sum(i.weight for i in items)
        best = 0.0
        found: list[tuple[tx.Sentence, float]] = []
        for sentence, (words, groups) in zip(reading.sentences, terms, strict=True):
            covered = sum(i.weight for i in items if _covered(i, sentence, words, groups, code))
            if total and covered >= MATCH_SHARE * total:
                found.append((sentence, sentence.strength))
                best = max(best, sentence.strength)
        strengths.append(best)
        entry = {"index": index, "indicator": indicator}
        if found:
            shown = best >= 0.6
            met.append({**entry, "strength": "shown" if shown else "claimed", "sentences": len(found)})
            # The strongest sentences first; the analyzer keeps its setting's number of them per indicator.
            for sentence, strength in sorted(found, key=lambda f: (-f[1], f[0].index))[:MAX_EVIDENCE]:
                evidence.append({
                    "indicator_index": index,
                    "indicator": indicator,
                    "strength": "shown" if strength >= 0.6 else "claimed",
                    **_span(sentence.char_start, sentence.char_end, timings),
                })
            if not shown:
                missing.append({**entry, "why": "only claimed, not shown in an example"})
        else:
            missing.append(entry)
    coverage = fmean(strengths) if strengths else 0.0
    return met, missing, evidence, coverage


# --- STAR, relevance, confidence ----------------------------------------------------------------------------


def _star(reading: tx.Reading) -> dict[str, bool]:
    sentences = reading.sentences
    early = sentences[: max(2, (len(sentences) + 1) // 2)]
    return {
        "situation": any(s.situation for s in early),
        "task": any(s.task for s in sentences),
        "action": any(s.i_actions or s.we_actions for s in sentences),
        "result": any(s.result for s in sentences),
        "measurable": any(s.measurable for s in sentences),
    }


def _star_spans(reading: tx.Reading, timings: list[tuple[int, int, float, float]]) -> list[dict[str, Any]]:
    spans = []
    for part in ("situation", "task", "result"):
        sentence = next((s for s in reading.sentences if getattr(s, part)), None)
        if sentence is not None:
            spans.append({"part": part, **_span(sentence.char_start, sentence.char_end, timings)})
    return spans


def _relevance(
    reading: tx.Reading, text: str, question: Mapping[str, Any], competencies: Sequence[Mapping[str, Any]]
) -> float:
    """Share of the question's and competencies' words (or words of the same group) the answer uses."""
    sources = [str(question.get("text") or "")]
    for competency in competencies:
        sources.append(str(competency.get("name") or ""))
        sources.extend(str(i) for i in competency.get("indicators") or ())
    lexicon = lx.lexicons()[reading.language]
    keys: set[str] = set()
    for source in sources:
        if reading.language == "en":
            keys.update(tx.lemmas_en(source))
        else:
            keys.update(t for t in tx.terms_zh(source) if len(t) > 1)
    if not keys:
        return 1.0 if reading.words else 0.0  # nothing to compare with: do not call it off topic
    masked = tx.mask_placeholders(text)
    covered = 0
    for key in keys:
        groups = set(lexicon.groups_of(key))
        if reading.contains(key) or groups & reading.concepts or (reading.language == "zh" and key in masked):
            covered += 1
    return min(1.0, covered / max(3.0, 0.35 * len(keys)))


def _asr_confidence(words: Sequence[Mapping[str, Any]] | None) -> float | None:
    values = [float(w["confidence"]) for w in words or () if isinstance(w.get("confidence"), int | float)]
    return fmean(values) if values else None


# --- word times ---------------------------------------------------------------------------------------------


def align_words(text: str, words: Sequence[Mapping[str, Any]]) -> list[tuple[int, int, float, float]]:
    """Place each recognised word in the transcript: ``(char_start, char_end, start_s, end_s)`` in order.

    The transcript is the words joined, then redacted; a word that cannot be found near where the previous one
    ended (a name the redaction merged into ``<PERSON>``) is skipped rather than guessed.
    """
    placed = []
    cursor = 0
    lowered = text.lower()
    for word in words:
        token = str(word.get("text", "")).strip().lower()
        if not token:
            continue
        at = lowered.find(token, cursor, cursor + len(token) + 40)
        if at == -1:
            continue
        try:
            start, end = float(word["start"]), float(word["end"])
        except (KeyError, TypeError, ValueError):
            continue
        placed.append((at, at + len(token), start, end))
        cursor = at + len(token)
    return placed


def _span(char_start: int, char_end: int, timings: list[tuple[int, int, float, float]]) -> dict[str, Any]:
    inside = [t for t in timings if t[0] < char_end and t[1] > char_start]
    return {
        "char_start": char_start,
        "char_end": char_end,
        "start": round(min(t[2] for t in inside), 2) if inside else None,
        "end": round(max(t[3] for t in inside), 2) if inside else None,
    }


def quotes(transcript: str, evidence: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The evidence as text for the review screen: each span's quote cut from the redacted transcript.

    Only for people allowed to read the transcript; the quotes are the candidate's words and must not be
    stored in an analysis record. Spans outside the transcript (it changed since) are left out.
    """
    result = []
    for item in evidence:
        start, end = int(item.get("char_start", -1)), int(item.get("char_end", -1))
        if not 0 <= start < end <= len(transcript):
            continue
        quote = re.sub(r"\s+", " ", transcript[start:end]).strip()
        result.append({**{k: v for k, v in item.items()}, "quote": quote})
    return result
