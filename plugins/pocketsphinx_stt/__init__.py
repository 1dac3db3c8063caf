"""Offline English speech-to-text with pocketsphinx and the US English model in its wheel: the default engine.

Offers a ``speech_to_text`` analyzer (transcripts with per-word times and confidences) and a doctor check that
the model loads. The accuracy it declares is measured by ``bench/speech_bench.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.analysis.speech import SpeechModelMissing, SpeechToTextAnalyzer
from candor.interfaces import Analyzer, CheckResult, CheckStatus, DoctorCheck
from candor_plugins.pocketsphinx_stt.recognizer import PocketsphinxRecognizer, model_dir, model_id

# Measured by bench/speech_bench.py (8 answers synthesized by piper, 34 s; 2-core machine).
ACCURACY = {"wer_en_synthesized": 0.259, "real_time_factor": 0.126}


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="pocketsphinx_stt",
        title="English speech-to-text (pocketsphinx, offline)",
        description="Turns your spoken English answers into text on this server, with the time of each word, "
        "so that reviewers can read and check what you said. Nothing is sent elsewhere.",
        capabilities=frozenset({"speech_to_text"}),
        data_categories=frozenset({DataCategory.AUDIO, DataCategory.TRANSCRIPT}),
        purposes=frozenset({Purpose.AI_EVALUATION}),
        settings=(
            Setting(
                "max_utterance_seconds",
                30.0,
                "Speech without a pause longer than this is cut into pieces (keeps memory bounded).",
            ),
            Setting("vad_mode", 2, "How strictly the voice detector separates speech from noise, 0 to 3."),
        ),
        limits=(
            "English only (US English model); other languages need the vosk_stt plugin and a model.",
            "A small, older acoustic model: roughly one word in four is wrong on clear speech, more with "
            "accents, noise or poor microphones. Transcripts are evidence to check, not a record to trust.",
            "Words outside its 130k-word dictionary (names, new technical terms) come out as similar words.",
        ),
        accuracy=ACCURACY,
    )


def _recognizer(settings: Mapping[str, Any]) -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(
        max_utterance_seconds=float(settings.get("max_utterance_seconds", 30.0)),
        vad_mode=int(settings.get("vad_mode", 2)),
    )


@hookimpl
def candor_register_analyzers(settings: Mapping[str, Any]) -> Sequence[Analyzer]:
    return [SpeechToTextAnalyzer(_recognizer(settings))]


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    def check_model(app: Any) -> CheckResult:
        try:
            PocketsphinxRecognizer().load()
        except SpeechModelMissing as exc:
            return CheckResult(
                CheckStatus.FAILED, str(exc), "Reinstall pocketsphinx: pip install pocketsphinx"
            )
        return CheckResult(CheckStatus.OK, f"{model_id()} loads from {model_dir()}")

    return [DoctorCheck("pocketsphinx_model", check_model)]
