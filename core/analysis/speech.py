"""The shape every speech-to-text engine returns, and reading answer audio as a stream of PCM chunks.

Owns ``Word`` and ``SpeechResult`` (text with per-word times and confidences, the language, the engine and its
model) and ``pcm_chunks``, which turns a WAV file, a raw PCM file, bytes or an iterable of byte chunks into
fixed-size chunks of 16 kHz mono signed 16-bit audio without ever holding the whole answer in memory.

A ``SpeechResult`` holds what the candidate said: it is personal data. Keep it in the encrypted transcript
store (``candor.analysis.transcripts``), never in logs, analysis outputs or error messages.
"""

from __future__ import annotations

import wave
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2  # bytes: signed 16-bit little-endian
#: 0.25 s of audio: small enough to keep memory flat, large enough that per-call overhead does not matter.
CHUNK_BYTES = SAMPLE_RATE * SAMPLE_WIDTH // 4

AudioSource = str | Path | bytes | bytearray | memoryview | Iterable[bytes]


class AudioFormatError(ValueError):
    """The audio is not what the speech engines read; the message says what it is and what to do."""


class SpeechModelMissing(RuntimeError):
    """No usable speech model for a language; the message says which setting to fill in and how."""


@dataclass(frozen=True)
class Word:
    """One recognised word: seconds from the start of the answer, and the engine's confidence in 0..1."""

    text: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class SpeechResult:
    """A transcript with word times. ``duration`` is the length of the audio read, in seconds."""

    text: str
    words: tuple[Word, ...]
    language: str
    engine: str
    model_id: str
    duration: float = 0.0
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["words"] = [asdict(word) for word in self.words]
        data["details"] = dict(self.details)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpeechResult:
        words = tuple(
            Word(str(w["text"]), float(w["start"]), float(w["end"]), float(w["confidence"]))
            for w in data.get("words", ())
        )
        return cls(
            text=str(data.get("text", "")),
            words=words,
            language=str(data.get("language", "")),
            engine=str(data.get("engine", "")),
            model_id=str(data.get("model_id", "")),
            duration=float(data.get("duration", 0.0)),
            details=dict(data.get("details", {})),
        )

    def summary(self) -> dict[str, Any]:
        """Figures about the transcript that say nothing of its content; safe for analysis records."""
        confidences = [w.confidence for w in self.words]
        return {
            "engine": self.engine,
            "language": self.language,
            "words": len(self.words),
            "duration_s": round(self.duration, 3),
            "mean_confidence": round(sum(confidences) / len(confidences), 3) if confidences else None,
        }


def language_matches(wanted: str, offered: str) -> bool:
    """``zh-CN`` matches ``zh`` and ``zh-cn``; comparison ignores case and ``_`` versus ``-``."""
    wanted, offered = wanted.lower().replace("_", "-"), offered.lower().replace("_", "-")
    return wanted == offered or wanted.split("-")[0] == offered.split("-")[0]


def pcm_chunks(source: AudioSource, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """Yield the audio as chunks of ``chunk_bytes`` (the last may be shorter), reading lazily.

    ``source`` is a path to a WAV file (16 kHz, mono, 16-bit) or to a raw ``.pcm``/``.raw`` file of such
    samples, the samples as bytes, or an iterable of byte chunks of any size (e.g. decrypted media as it is
    read). Raises ``AudioFormatError`` when a WAV file has another format.
    """
    if chunk_bytes <= 0 or chunk_bytes % SAMPLE_WIDTH:
        raise ValueError(f"chunk_bytes must be a positive multiple of {SAMPLE_WIDTH}, got {chunk_bytes}")
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source).cast("B")
        if len(view) % SAMPLE_WIDTH:
            raise AudioFormatError(
                f"{len(view)} bytes is not a whole number of 16-bit samples; "
                "pass 16 kHz mono signed 16-bit little-endian PCM"
            )
        for offset in range(0, len(view), chunk_bytes):
            yield bytes(view[offset : offset + chunk_bytes])
        return
    if isinstance(source, (str, Path)):
        yield from _file_chunks(Path(source), chunk_bytes)
        return
    yield from _rechunk(source, chunk_bytes)


def _file_chunks(path: Path, chunk_bytes: int) -> Iterator[bytes]:
    if not path.is_file():
        raise AudioFormatError(f"no audio file at {path}")
    if path.suffix.lower() in {".pcm", ".raw"}:
        with path.open("rb") as raw:
            yield from _rechunk(iter(lambda: raw.read(chunk_bytes), b""), chunk_bytes)
        return
    try:
        reader = wave.open(str(path), "rb")  # noqa: SIM115 - closed by the ``with`` below, once it opened
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(
            f"{path.name} is not a WAV file ({exc}); decode it to 16 kHz mono 16-bit WAV "
            "first, e.g. ffmpeg -i IN -ar 16000 -ac 1 -sample_fmt s16 OUT.wav"
        ) from None
    with reader:
        found = (reader.getframerate(), reader.getnchannels(), reader.getsampwidth())
        if found != (SAMPLE_RATE, 1, SAMPLE_WIDTH):
            raise AudioFormatError(
                f"{path.name} is {found[0]} Hz, {found[1]} channel(s), {8 * found[2]}-bit; the speech "
                "engines read 16000 Hz mono 16-bit: resample it first, e.g. ffmpeg -i IN -ar 16000 -ac 1 "
                "-sample_fmt s16 OUT.wav"
            )
        frames = chunk_bytes // SAMPLE_WIDTH
        while block := reader.readframes(frames):
            yield block


def _rechunk(pieces: Iterable[bytes], chunk_bytes: int) -> Iterator[bytes]:
    pending = bytearray()
    for piece in pieces:
        pending += piece
        while len(pending) >= chunk_bytes:
            yield bytes(pending[:chunk_bytes])
            del pending[:chunk_bytes]
    if len(pending) % SAMPLE_WIDTH:
        raise AudioFormatError("the audio stream ended in the middle of a 16-bit sample; it is truncated")
    if pending:
        yield bytes(pending)


class Recognizer(Protocol):
    """What ``SpeechToTextAnalyzer`` wraps: an engine that turns audio in one language into a transcript."""

    def transcribe(self, audio: AudioSource, language: str) -> SpeechResult: ...


class SpeechToTextAnalyzer:
    """A speech engine as an ``Analyzer`` (``needs`` audio) and a ``SpeechToText`` (``transcribe``).

    ``analyze`` returns only figures about the transcript (word count, duration, mean confidence): the
    analysis record is not encrypted, so the words themselves go to the transcript store via ``transcribe``.
    """

    name = "speech_to_text"
    needs = frozenset({"audio"})

    def __init__(self, recognizer: Recognizer) -> None:
        self.recognizer = recognizer

    def transcribe(self, audio: AudioSource, language: str) -> SpeechResult:
        return self.recognizer.transcribe(audio, language)

    def analyze(self, inputs: Mapping[str, Any], settings: Mapping[str, Any]) -> Mapping[str, Any]:
        if inputs.get("audio") is None:
            raise AudioFormatError(
                "speech_to_text needs the answer's audio (inputs['audio']), which is missing"
            )
        result = self.transcribe(inputs["audio"], str(inputs.get("language") or "en"))
        return {**result.summary(), "model_id": result.model_id}
