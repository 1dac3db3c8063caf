"""pocketsphinx on English speech synthesized by the test: words, times, accuracy, silence, memory, doctor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jiwer
import numpy as np
import pytest

from candor.analysis.speech import AudioFormatError, SpeechModelMissing
from candor.health.checks import run_checks
from candor_plugins.pocketsphinx_stt.recognizer import PocketsphinxRecognizer

from .media import RATE, english, silence, to_pcm, trim, write_wav

FIRST = "I led a team of four engineers and we shipped the billing system on time."
SECOND = "Next year I would like to work on larger distributed systems."
#: The bound the tests hold the engine to; bench/speech_bench.py measures the actual figure (about 0.2-0.3).
WER_BOUND = 0.45


@pytest.fixture(scope="module")
def recognizer() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer()


def test_english_speech_becomes_words_with_times_and_confidences(
    recognizer: PocketsphinxRecognizer, tmp_path: Path
) -> None:
    first, second = trim(english(FIRST)), trim(english(SECOND))
    audio = np.concatenate([silence(0.3), first, silence(1.5), second, silence(0.3)])
    result = recognizer.transcribe(write_wav(tmp_path / "answer.wav", audio), "en-US")

    reference = f"{FIRST} {SECOND}".lower().replace(".", "")
    error = jiwer.wer(reference, result.text)
    assert error < WER_BOUND, f"WER {error:.2f}: {result.text!r}"
    assert result.engine == "pocketsphinx" and result.model_id.startswith("pocketsphinx-")
    assert result.duration == pytest.approx(len(audio) / RATE, abs=0.01)
    starts = [w.start for w in result.words]
    assert starts == sorted(starts)
    assert all(
        0 <= w.start < w.end <= result.duration + 0.05 and 0 <= w.confidence <= 1 for w in result.words
    )
    # The pause is where it was put: no word inside it, the second sentence's words after it.
    pause_start, pause_end = 0.3 + len(first) / RATE, 0.3 + (len(first) + 1.5 * RATE) / RATE
    assert not [w for w in result.words if pause_start + 0.1 < w.start < pause_end - 0.1]
    after = [w for w in result.words if w.start >= pause_end - 0.1]
    assert jiwer.wer(SECOND.lower().rstrip("."), " ".join(w.text for w in after)) < WER_BOUND


def test_silence_gives_no_words(recognizer: PocketsphinxRecognizer) -> None:
    result = recognizer.transcribe(to_pcm(silence(2.0)), "en")
    assert result.words == () and result.text == "" and result.duration == pytest.approx(2.0)


def test_another_language_is_refused_with_what_to_do(recognizer: PocketsphinxRecognizer) -> None:
    with pytest.raises(SpeechModelMissing, match="only an English model.*'zh-CN'.*vosk_stt"):
        recognizer.transcribe(to_pcm(silence(0.5)), "zh-CN")


def test_audio_at_another_rate_is_refused(recognizer: PocketsphinxRecognizer, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "answer.wav", silence(0.5), rate=44100)
    with pytest.raises(AudioFormatError, match="44100 Hz"):
        recognizer.transcribe(wav, "en")


MEMORY_PROBE = """
import json, resource, sys, tracemalloc
from candor_plugins.pocketsphinx_stt.recognizer import PocketsphinxRecognizer
clip = open(sys.argv[1], "rb").read()
repeats = int(sys.argv[2])
def stream():  # as decrypted media arrives: 64 KiB at a time
    for _ in range(repeats):
        for offset in range(0, len(clip), 65536):
            yield clip[offset:offset + 65536]
recognizer = PocketsphinxRecognizer()
recognizer.transcribe(clip, "en")  # warm up: model and first utterance buffers
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
result = recognizer.transcribe(stream(), "en")
python_peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"words": len(result.words), "seconds": result.duration, "growth_kb": after - before,
                  "python_peak_kb": python_peak // 1024}))
"""


def test_memory_does_not_grow_with_the_length_of_the_answer(tmp_path: Path) -> None:
    clip = tmp_path / "clip.pcm"
    # Mostly silence, which costs the decoder little, so that the answer is long (3 min, 5.8 MB of samples)
    # while the test stays quick: holding the audio in memory anywhere would show.
    clip.write_bytes(to_pcm(np.concatenate([trim(english(FIRST)), silence(20.0)])))

    def probe(repeats: int) -> dict[str, float]:
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, str(clip), str(repeats)],
            check=True,
            capture_output=True,
            text=True,
            timeout=240,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    short, long = probe(1), probe(8)
    assert long["seconds"] > 7 * short["seconds"]
    assert long["words"] > 6 * short["words"]
    # Eight times the audio, decoded utterance by utterance: neither Python objects nor the decoder's own
    # memory grow by anything near the 5 MB of extra samples.
    assert long["python_peak_kb"] < 512, (short, long)
    assert long["growth_kb"] - short["growth_kb"] < 2_048, (short, long)


def test_doctor_reports_the_model_loads(candor_app) -> None:
    outcome = next(o for o in run_checks(candor_app) if o.name == "pocketsphinx_model")
    assert outcome.result.status == "ok" and "en-us" in outcome.result.detail
