"""Decoding 16 kHz speech with pocketsphinx and the US English model its wheel ships.

Owns the decode loop: a voice-activity endpointer cuts the stream into utterances and each is decoded and
released before the next, so memory depends on the longest utterance (capped) and not on the answer's length.
It never logs or returns anything but the ``SpeechResult`` the caller asked for.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from candor.analysis.speech import (
    SAMPLE_RATE,
    SAMPLE_WIDTH,
    AudioSource,
    SpeechModelMissing,
    SpeechResult,
    Word,
    language_matches,
    pcm_chunks,
)

ENGINE = "pocketsphinx"
FRAMES_PER_SECOND = 100  # pocketsphinx's default frame rate (-frate)
#: Words the decoder emits for silence and noise, not for speech.
NON_WORDS = re.compile(r"^(<s>|</s>|<sil>|\[\w+\]|\+\+.*\+\+)$")
ALTERNATE_PRONUNCIATION = re.compile(r"\(\d+\)$")  # "on(2)" is the word "on" in its second pronunciation


def model_dir() -> Path:
    """The acoustic model folder pocketsphinx uses by default (inside its wheel)."""
    from pocketsphinx import Config

    return Path(Config()["hmm"])


def model_id() -> str:
    from importlib.metadata import version

    return f"pocketsphinx-{version('pocketsphinx')}/en-us"


class PocketsphinxRecognizer:
    """Transcribes US English. One decoder per recognizer, used by one thread at a time."""

    languages = ("en",)

    def __init__(self, max_utterance_seconds: float = 30.0, vad_mode: int = 2) -> None:
        self.max_utterance_bytes = int(max_utterance_seconds * SAMPLE_RATE) * SAMPLE_WIDTH
        self.vad_mode = vad_mode
        self._decoder: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        """Load the decoder (about 0.3 s) the first time it is needed."""
        if self._decoder is None:
            try:
                from pocketsphinx import Decoder, set_loglevel
            except ImportError as exc:
                raise SpeechModelMissing(
                    f"pocketsphinx is not installed ({exc}); run: pip install pocketsphinx"
                ) from None
            set_loglevel("FATAL")  # its INFO lines would go to stderr for every utterance
            if not (model_dir() / "mdef").is_file():
                raise SpeechModelMissing(
                    f"the pocketsphinx en-us model is missing from {model_dir()}; "
                    "reinstall it: pip install --force-reinstall pocketsphinx"
                )
            self._decoder = Decoder(samprate=SAMPLE_RATE)
        return self._decoder

    def transcribe(self, audio: AudioSource, language: str = "en") -> SpeechResult:
        if not language_matches(language, "en"):
            raise SpeechModelMissing(
                f"pocketsphinx has only an English model, and this job's language is "
                f"{language!r}; configure the vosk_stt plugin with a model for it"
            )
        from pocketsphinx import Endpointer

        with self._lock:
            decoder = self.load()
            endpointer = Endpointer(vad_mode=self.vad_mode, sample_rate=SAMPLE_RATE)
            words: list[Word] = []
            total_bytes = 0
            utterance_start: float | None = None
            utterance_bytes = 0
            for frame in pcm_chunks(audio, endpointer.frame_bytes):
                total_bytes += len(frame)
                was_in_speech = endpointer.in_speech
                if len(frame) < endpointer.frame_bytes:
                    speech = endpointer.end_stream(frame) if was_in_speech else None
                else:
                    speech = endpointer.process(frame)
                if speech is None:
                    continue
                if utterance_start is None:
                    decoder.start_utt()
                    utterance_start, utterance_bytes = endpointer.speech_start, 0
                decoder.process_raw(speech)
                utterance_bytes += len(speech)
                # Long speech without a pause is cut so that the search never grows without bound.
                if not endpointer.in_speech or utterance_bytes >= self.max_utterance_bytes:
                    words.extend(_finish(decoder, utterance_start))
                    utterance_start = (
                        None
                        if not endpointer.in_speech
                        else utterance_start + utterance_bytes / (SAMPLE_RATE * SAMPLE_WIDTH)
                    )
                    if utterance_start is not None:
                        decoder.start_utt()
                        utterance_bytes = 0
            if utterance_start is not None:
                words.extend(_finish(decoder, utterance_start))
        return SpeechResult(
            text=" ".join(w.text for w in words),
            words=tuple(words),
            language="en",
            engine=ENGINE,
            model_id=model_id(),
            duration=total_bytes / (SAMPLE_RATE * SAMPLE_WIDTH),
        )


def _finish(decoder: Any, offset: float) -> list[Word]:
    decoder.end_utt()
    words = []
    # An utterance the search found nothing in (a cough, a click cut off at the end of a recording) has no
    # segmentation at all: pocketsphinx returns None rather than an empty one.
    for segment in decoder.seg() or ():
        if NON_WORDS.match(segment.word):
            continue
        words.append(
            Word(
                text=ALTERNATE_PRONUNCIATION.sub("", segment.word),
                start=round(offset + segment.start_frame / FRAMES_PER_SECOND, 3),
                end=round(offset + (segment.end_frame + 1) / FRAMES_PER_SECOND, 3),  # end_frame is inclusive
                confidence=round(min(max(float(segment.prob), 0.0), 1.0), 4),
            )
        )
    return words
