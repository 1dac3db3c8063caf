"""Delivery of a spoken answer: pace, pauses, filler words, loudness and pitch movement.

Describes how an answer was delivered, from the audio and the transcript's word times. It does not measure,
and must never be presented as measuring, personality, emotion, honesty or ability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.analysis.speech import AudioFormatError, SpeechResult
from candor.interfaces import Analyzer
from candor_plugins.delivery import signal
from candor_plugins.delivery.fillers import count_fillers

MODEL_ID = "delivery-1 (energy frames, autocorrelation pitch)"
NOT_PERSONALITY = (
    "These figures describe delivery only. They are not measures of personality, emotion, "
    "honesty or ability, and nervousness, accent, disability or a poor microphone change them."
)


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="delivery",
        title="Delivery of spoken answers",
        description="Measures how fast you spoke, how long you paused, how often you used filler words "
        "(such as 'um' or '嗯'), and how much your loudness and pitch varied. " + NOT_PERSONALITY,
        capabilities=frozenset({"delivery_analysis"}),
        data_categories=frozenset({DataCategory.AUDIO, DataCategory.TRANSCRIPT, DataCategory.ASSESSMENT}),
        purposes=frozenset({Purpose.AI_EVALUATION}),
        settings=(
            Setting("min_pause_seconds", 0.3, "Silence between speech at least this long counts as a pause."),
            Setting("long_pause_seconds", 2.0, "Pauses at least this long are listed with their times."),
            Setting("min_speech_seconds", 0.5, "Less speech than this in an answer is flagged 'no_speech'."),
            Setting("floor_dbfs", -50.0, "Quieter frames are never speech."),
        ),
        limits=(
            NOT_PERSONALITY,
            "Speaking rate and fillers depend on the speech-to-text transcript: words it misses or invents "
            "change them. 'like' is counted as a filler except after words such as 'I' or 'would'.",
            "Pauses are found from loudness: background noise as loud as speech hides pauses.",
            "Pitch comes from a simple autocorrelation; only its variability is reported, never the pitch "
            "itself. Loudness depends on the microphone and its distance.",
        ),
        # Tolerances its tests hold it to on constructed audio (tests/speech/test_delivery.py).
        accuracy={"pause_length_tolerance_s": 0.1, "pitch_tolerance_pct_on_tones": 1.0},
    )


class DeliveryAnalyzer:
    """``inputs``: ``audio`` (see ``candor.analysis.speech.pcm_chunks``), ``language``, and ``speech`` (a
    ``SpeechResult`` or its dict, for the word times) when a transcript exists."""

    name = "delivery"
    needs = frozenset({"audio", "transcript"})

    def analyze(self, inputs: Mapping[str, Any], settings: Mapping[str, Any]) -> Mapping[str, Any]:
        if inputs.get("audio") is None:
            raise AudioFormatError("delivery needs the answer's audio (inputs['audio']), which is missing")
        speech = inputs.get("speech")
        if isinstance(speech, Mapping):
            speech = SpeechResult.from_dict(speech)
        language = str(inputs.get("language") or (speech.language if speech else "") or "en")
        return measure(inputs["audio"], speech, language, settings)


def measure(
    audio: Any, speech: SpeechResult | None, language: str, settings: Mapping[str, Any]
) -> dict[str, Any]:
    track = signal.read_track(audio)
    mask = signal.speech_mask(track, floor_dbfs=float(settings.get("floor_dbfs", -50.0)))
    speech_seconds = float(mask.sum()) * signal.FRAME_SECONDS
    span = signal.speech_span(mask)
    pauses = signal.find_pauses(mask, float(settings.get("min_pause_seconds", 0.3)))
    long_after = float(settings.get("long_pause_seconds", 2.0))
    long_pauses = [p for p in pauses if p.seconds >= long_after]
    loud = track.dbfs[mask]
    flags = []
    if speech_seconds < float(settings.get("min_speech_seconds", 0.5)):
        flags.append("no_speech")
    elif speech is not None and not speech.words:
        flags.append("no_words_recognised")
    if long_pauses:
        flags.append("long_pauses")
    if track.samples and track.clipped / track.samples > 0.001:
        flags.append("clipped_audio")

    result: dict[str, Any] = {
        "duration_s": round(track.duration, 3),
        "speech_s": round(speech_seconds, 3),
        "pause_count": len(pauses),
        "pause_ratio": round(sum(p.seconds for p in pauses) / span, 3) if span else None,
        "long_pauses": [
            {"start": p.start, "end": p.end, "seconds": round(p.seconds, 3)} for p in long_pauses
        ],
        "loudness_dbfs_mean": round(float(loud.mean()), 2) if len(loud) else None,
        "loudness_dbfs_sd": round(float(loud.std()), 2) if len(loud) else None,
        "pitch_variability_semitones": _rounded(signal.pitch_variability(track, mask)),
        "speaking_rate_wpm": None,
        "fillers": {},
        "filler_count": None,
        "fillers_per_100_words": None,
        "flags": flags,
        "note": NOT_PERSONALITY,
        "model_id": MODEL_ID,
    }
    if speech is not None and speech.words:
        words = speech.words
        talking = words[-1].end - words[0].start
        found, counted = count_fillers([w.text for w in words], language)
        result.update(
            speaking_rate_wpm=round(len(words) / (talking / 60.0), 1) if talking > 0 else None,
            fillers=dict(sorted(found.items())),
            filler_count=sum(found.values()),
            fillers_per_100_words=round(100.0 * sum(found.values()) / counted, 2) if counted else None,
        )
    return result


def _rounded(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(value, 3)


@hookimpl
def candor_register_analyzers(settings: Mapping[str, Any]) -> Sequence[Analyzer]:
    return [DeliveryAnalyzer()]
