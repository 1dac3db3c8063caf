"""Delivery figures on audio built by the test: tones of known pitch and loudness, speech with pauses of known
length, silence, and transcripts with known fillers."""

from __future__ import annotations

import numpy as np
import pytest

from candor.analysis.speech import SpeechResult, Word
from candor_plugins.delivery import DeliveryAnalyzer, measure, signal
from candor_plugins.pocketsphinx_stt.recognizer import PocketsphinxRecognizer

from .media import RATE, english, silence, to_pcm, tone, trim

SETTINGS: dict[str, float] = {}


@pytest.mark.parametrize("hz", [95.0, 120.0, 220.0, 310.0])
def test_pitch_of_a_voice_like_tone_is_found_within_one_percent(hz: float) -> None:
    track = signal.read_track(to_pcm(tone(hz, 1.0)))
    assert np.nanmedian(track.f0) == pytest.approx(hz, rel=0.01)


def test_a_steady_tone_has_no_pitch_variability_and_a_glide_has_much() -> None:
    steady = measure(to_pcm(tone(150.0, 2.0)), None, "en", SETTINGS)
    glide = measure(to_pcm(tone(np.geomspace(100.0, 250.0, 2 * RATE), 2.0)), None, "en", SETTINGS)
    assert steady["pitch_variability_semitones"] < 0.2
    # A glide over 15.9 semitones, uniform in semitones, has a standard deviation of 15.9 / sqrt(12) = 4.6.
    assert glide["pitch_variability_semitones"] == pytest.approx(4.6, abs=0.4)


def test_loudness_mean_and_variability_in_dbfs() -> None:
    audio = np.concatenate([tone(180.0, 1.0, dbfs=-20.0), tone(180.0, 1.0, dbfs=-30.0)])
    result = measure(to_pcm(audio), None, "en", SETTINGS)
    assert result["loudness_dbfs_mean"] == pytest.approx(-25.0, abs=0.3)
    assert result["loudness_dbfs_sd"] == pytest.approx(5.0, abs=0.3)
    assert result["flags"] == []


@pytest.mark.parametrize(
    "audio",
    [silence(3.0), np.random.default_rng(7).normal(0, 10, 3 * RATE)],
    ids=["digital silence", "quiet room noise"],
)
def test_silence_is_flagged_no_speech(audio: np.ndarray) -> None:
    result = DeliveryAnalyzer().analyze(
        {"audio": to_pcm(audio), "language": "en", "speech": {"text": "", "words": [], "language": "en"}},
        SETTINGS,
    )
    assert result["flags"] == ["no_speech"]
    assert result["speech_s"] < 0.5 and result["speaking_rate_wpm"] is None and result["long_pauses"] == []


def test_known_pauses_are_found_with_their_times() -> None:
    parts = [
        trim(english("I designed the payment service.")),
        silence(2.5),
        trim(english("Then we tested it with real traffic.")),
        silence(0.8),
        trim(english("It worked.")),
    ]
    audio = np.concatenate([silence(0.5), *parts, silence(0.5)])
    result = measure(to_pcm(audio), None, "en", SETTINGS)

    first_end = 0.5 + len(parts[0]) / RATE
    assert len(result["long_pauses"]) == 1
    pause = result["long_pauses"][0]
    assert pause["start"] == pytest.approx(first_end, abs=0.06)
    assert pause["seconds"] == pytest.approx(2.5, abs=0.1)
    assert "long_pauses" in result["flags"]
    # The 0.8 s pause is counted too; pauses inside the sentences are short and few.
    assert 2 <= result["pause_count"] <= 4
    speech_span = sum(len(p) for p in parts) / RATE
    assert result["pause_ratio"] == pytest.approx(3.3 / speech_span, abs=0.08)


def test_fillers_are_counted_per_hundred_words_in_english_and_chinese() -> None:
    def words(text: str, language: str) -> SpeechResult:
        tokens = text.split()
        return SpeechResult(
            text,
            tuple(Word(t, i * 0.4, i * 0.4 + 0.3, 0.9) for i, t in enumerate(tokens)),
            language,
            "test",
            "",
        )

    audio = to_pcm(tone(150.0, 4.0))
    english_result = measure(
        audio, words("um I think uh it was like shipped on time and I like Python", "en"), "en", {}
    )
    assert english_result["fillers"] == {"like": 1, "uh": 1, "um": 1}  # "I like Python" is not a filler
    assert english_result["fillers_per_100_words"] == pytest.approx(300 / 14, abs=0.01)
    chinese = measure(audio, words("嗯 我 觉得 那个 项目 就是 很 成功", "zh-CN"), "zh-CN", {})
    assert chinese["fillers"] == {"嗯": 1, "就是": 1, "那个": 1}
    assert chinese["filler_count"] == 3
    # 14 words from 0.0 to 5.5 s: 152.7 words a minute.
    assert english_result["speaking_rate_wpm"] == pytest.approx(14 / (5.5 / 60), abs=0.1)


def test_speaking_rate_from_a_real_transcript_follows_the_speed_of_speech() -> None:
    text = "We moved the reports to a nightly job and cut the page load from ten seconds to one."
    recognizer = PocketsphinxRecognizer()
    rates, seconds = {}, {}
    for slowness in (1.0, 1.8):
        said = trim(english(text, slowness))
        seconds[slowness] = len(said) / RATE
        pcm = to_pcm(np.concatenate([silence(0.3), said, silence(0.3)]))
        result = DeliveryAnalyzer().analyze(
            {"audio": pcm, "language": "en", "speech": recognizer.transcribe(pcm, "en").to_dict()}, {}
        )
        rates[slowness] = result["speaking_rate_wpm"]
    # 18 words; the synthetic voice speaks briskly (about 4.4 s at normal speed, about 245 words a minute).
    spoken = 18 * 60 / seconds[1.0]
    assert 0.8 * spoken <= rates[1.0] <= 1.2 * spoken, (rates, seconds)
    # The slowed speech lasts longer by a known factor (pauses between words stretch less than the words), and
    # the measured rate falls by that factor, give or take a word recognised more or less.
    assert rates[1.8] / rates[1.0] == pytest.approx(seconds[1.0] / seconds[1.8], abs=0.1), (rates, seconds)


def test_the_declaration_says_it_is_not_about_personality_or_emotion() -> None:
    from candor_plugins.delivery import candor_declare

    declaration = candor_declare()
    assert "not measures of personality, emotion" in declaration.description
    assert "biometric" not in {c.value for c in declaration.data_categories}
