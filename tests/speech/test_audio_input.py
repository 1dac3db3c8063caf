"""Reading answer audio as chunks, and the transcript shape every engine returns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from candor.analysis.speech import (
    AudioFormatError,
    SpeechResult,
    Word,
    language_matches,
    pcm_chunks,
)

from .media import tone, write_wav

pytestmark = pytest.mark.filterwarnings("error")


def test_every_source_gives_the_same_samples_in_fixed_chunks(tmp_path: Path) -> None:
    samples = tone(200.0, 1.3)
    pcm = samples.astype("<i2").tobytes()
    wav = write_wav(tmp_path / "answer.wav", samples)
    raw = tmp_path / "answer.pcm"
    raw.write_bytes(pcm)
    pieces = [pcm[i : i + 777 * 2] for i in range(0, len(pcm), 777 * 2)]  # sizes that do not divide the chunk
    for source in (wav, str(raw), pcm, iter(pieces)):
        chunks = list(pcm_chunks(source, 3200))
        assert b"".join(chunks) == pcm
        assert {len(c) for c in chunks[:-1]} == {3200}


def test_a_wav_of_another_format_says_what_it_is_and_how_to_convert(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "answer.wav", tone(200.0, 0.2), rate=22050)
    with pytest.raises(AudioFormatError, match=r"22050 Hz, 1 channel.*16000 Hz mono 16-bit.*ffmpeg"):
        list(pcm_chunks(wav))
    (tmp_path / "notes.wav").write_text("not audio")
    with pytest.raises(AudioFormatError, match="is not a WAV file"):
        list(pcm_chunks(tmp_path / "notes.wav"))
    with pytest.raises(AudioFormatError, match="no audio file"):
        list(pcm_chunks(tmp_path / "missing.wav"))


def test_a_truncated_stream_is_refused_rather_than_misread() -> None:
    with pytest.raises(AudioFormatError, match="middle of a 16-bit sample"):
        list(pcm_chunks(iter([b"\x00\x01\x02"]), 3200))
    with pytest.raises(AudioFormatError, match="whole number of 16-bit samples"):
        list(pcm_chunks(b"\x00\x01\x02"))


def test_a_result_round_trips_and_its_summary_holds_no_words() -> None:
    result = SpeechResult(
        text="we shipped it",
        words=(Word("we", 0.1, 0.3, 0.9), Word("shipped", 0.3, 0.7, 0.5), Word("it", 0.7, 0.8, 1.0)),
        language="en",
        engine="pocketsphinx",
        model_id="m",
        duration=1.0,
    )
    assert SpeechResult.from_dict(result.to_dict()) == result
    summary = result.summary()
    assert summary["words"] == 3 and summary["mean_confidence"] == pytest.approx(0.8, abs=1e-3)
    assert "shipped" not in repr(summary)


@pytest.mark.parametrize(
    ("wanted", "offered", "matches"),
    [
        ("zh-CN", "zh", True),
        ("en_US", "en-us", True),
        ("ko", "ko-KR", True),
        ("zh", "en", False),
    ],
)
def test_languages_match_on_their_primary_subtag(wanted: str, offered: str, matches: bool) -> None:
    assert language_matches(wanted, offered) is matches


def test_chunks_of_odd_size_are_refused() -> None:
    with pytest.raises(ValueError, match="multiple of 2"):
        list(pcm_chunks(np.zeros(4, np.int16).tobytes(), 3))
