"""The redaction service: find personal data in English or Chinese text and replace it with its type.

Owns ``Redactor`` (what callers use), the resolution of overlapping findings, and ``redactor_for(app)``, which
adds the recognizers plugins offer through ``candor_register_pii_recognizers`` and keeps one redactor per app.
Text is analysed in chunks of whole lines (spaCy is faster on paragraphs than on one huge document).
It never logs, stores or puts in an error message the text it is given: findings carry types and offsets only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig

from candor.plugins import PluginError
from candor.redaction.engine import build_analyzer
from candor.redaction.recognizers import ENTITY_PRIORITY, LANGUAGES

CHUNK_CHARS = 4000
DEFAULT_THRESHOLD = 0.4
_EXTENSION_KEY = "candor.redactor"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its type and where it is in the original text (``text[start:end]``)."""

    entity_type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redaction:
    text: str  # the redacted text: each finding replaced by <ENTITY_TYPE>
    findings: tuple[Finding, ...]

    @property
    def entity_types(self) -> frozenset[str]:
        return frozenset(finding.entity_type for finding in self.findings)


class Redactor:
    """Finds and replaces personal data. Build it once and reuse it; it is safe to share between threads."""

    def __init__(
        self,
        *,
        ner: bool = True,
        extra_recognizers: Mapping[str, Sequence[EntityRecognizer]] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        """
        :param ner: use the English named-entity model (people, places); False is patterns only, ~5x faster.
        :param extra_recognizers: more recognizers per language ('en', 'zh'), e.g. from plugins.
        :param threshold: findings scoring below it are ignored.
        """
        extra = extra_recognizers or {}
        self.ner = ner
        self.threshold = threshold
        self._analyzers: dict[str, AnalyzerEngine] = {
            language: build_analyzer(language, ner=ner, extra=extra.get(language, ()))
            for language in LANGUAGES
        }
        self._anonymizer = AnonymizerEngine()

    def analyze(self, text: str, language: str = "en") -> list[Finding]:
        """Personal data found in ``text``, without overlaps, in order of position."""
        analyzer = self._analyzer(language)
        raw: list[RecognizerResult] = []
        for offset, chunk in _chunks(text):
            for result in analyzer.analyze(chunk, language=language, score_threshold=self.threshold):
                raw.append(
                    RecognizerResult(
                        result.entity_type, result.start + offset, result.end + offset, result.score
                    )
                )
        return _resolve_overlaps(raw)

    def redact(self, text: str, language: str = "en") -> Redaction:
        findings = self.analyze(text, language)
        results = [RecognizerResult(f.entity_type, f.start, f.end, f.score) for f in findings]
        anonymized = self._anonymizer.anonymize(
            text=text,
            analyzer_results=results,  # type: ignore[arg-type]
            operators={"DEFAULT": OperatorConfig("replace")},
        )
        return Redaction(anonymized.text, tuple(findings))

    def _analyzer(self, language: str) -> AnalyzerEngine:
        try:
            return self._analyzers[language]
        except KeyError:
            raise ValueError(
                f"language {language!r} is not supported; use one of {', '.join(LANGUAGES)}"
            ) from None


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Pieces of about CHUNK_CHARS made of whole lines, with their offsets (entities do not span lines)."""
    start = 0
    while start < len(text):
        end = min(start + CHUNK_CHARS, len(text))
        if end < len(text):
            newline = text.rfind("\n", start, end)
            end = newline + 1 if newline > start else end
        yield start, text[start:end]
        start = end


def _resolve_overlaps(results: Sequence[RecognizerResult]) -> list[Finding]:
    """Merge overlapping findings into one span, typed by the strongest (score, then ENTITY_PRIORITY)."""
    rank = {name: index for index, name in enumerate(ENTITY_PRIORITY)}

    def strength(result: RecognizerResult) -> tuple[float, int, int]:
        return (result.score, -rank.get(result.entity_type, len(rank)), result.end - result.start)

    merged: list[tuple[int, int, RecognizerResult]] = []
    for result in sorted(results, key=lambda r: (r.start, -r.end)):
        if merged and result.start < merged[-1][1]:
            start, end, best = merged[-1]
            merged[-1] = (start, max(end, result.end), max(best, result, key=strength))
        else:
            merged.append((result.start, result.end, result))
    return [Finding(best.entity_type, start, end, round(best.score, 3)) for start, end, best in merged]


def redactor_for(app: Flask, *, ner: bool = True) -> Redactor:
    """The app's redactor, with the recognizers of its enabled plugins; built on first use, then reused."""
    from candor.state import get_state

    cache: dict[bool, Redactor] = app.extensions.setdefault(_EXTENSION_KEY, {})
    if ner not in cache:
        registry = get_state(app).plugins
        extra: dict[str, list[EntityRecognizer]] = {}
        for language in LANGUAGES:
            offered = registry.call_each("candor_register_pii_recognizers", language=language)
            extra[language] = [
                _checked(plugin, language, item) for plugin, items in offered for item in items
            ]
        cache[ner] = Redactor(ner=ner, extra_recognizers=extra)
    return cache[ner]


def _checked(plugin: str, language: str, recognizer: Any) -> EntityRecognizer:
    if not isinstance(recognizer, EntityRecognizer):
        raise PluginError(
            f"Plugin {plugin!r} offered {type(recognizer).__name__} as a PII recognizer; expected a presidio "
            "EntityRecognizer (e.g. a PatternRecognizer)."
        )
    if recognizer.supported_language != language:
        raise PluginError(
            f"Plugin {plugin!r} offered recognizer {recognizer.name!r} for language "
            f"{recognizer.supported_language!r} when asked for {language!r}; "
            f"set supported_language={language!r}."
        )
    return recognizer
