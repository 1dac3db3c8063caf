"""Decoding 16 kHz speech with vosk (Kaldi) and model folders the operator names, one per language.

Owns finding the model for a language from the settings, loading it once per process, and the streaming decode
loop: vosk's own endpointing finishes each utterance as a pause arrives, so memory does not grow with the
answer's length. Nothing here logs what was said.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
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

ENGINE = "vosk"
INSTALL_HINT = (
    "Download a model from https://alphacephei.com/vosk/models (e.g. vosk-model-small-en-us-0.15 or "
    "vosk-model-cn-0.22), unpack it and set plugin_settings.vosk_stt.model_dir to its folder, or to "
    '{"<language>": "<folder>"} for several languages'
)
#: Files every vosk/Kaldi model folder has; checked before loading so a wrong folder gets a clear message.
MODEL_MARKERS = ("am/final.mdl", "conf/mfcc.conf")

#: Tokens some models emit for noise or unknown words ("[unk]", "[62]"): not words the candidate said.
MARKER_TOKEN = re.compile(r"^\[[^\]]*\]$")

_models: dict[Path, Any] = {}
_models_lock = threading.Lock()


def configured_dirs(model_dir: Any) -> dict[str, Path]:
    """The ``model_dir`` setting as {language: folder}; a single folder serves every language (``*``)."""
    if not model_dir:
        return {}
    if isinstance(model_dir, (str, Path)):
        return {"*": Path(model_dir).expanduser()}
    if isinstance(model_dir, Mapping):
        return {
            str(language): Path(str(folder)).expanduser() for language, folder in model_dir.items() if folder
        }
    raise SpeechModelMissing(
        f"vosk_stt model_dir must be a folder or a mapping of language to folder, "
        f"not {type(model_dir).__name__}"
    )


def model_dir_for(model_dir: Any, language: str) -> Path:
    dirs = configured_dirs(model_dir)
    for offered, folder in dirs.items():
        if offered != "*" and language_matches(language, offered):
            return folder
    if "*" in dirs:
        return dirs["*"]
    configured = ", ".join(sorted(dirs)) or "none"
    raise SpeechModelMissing(
        f"no vosk model is configured for language {language!r} (configured: {configured}). {INSTALL_HINT}"
    )


def problem_with(folder: Path) -> str | None:
    """Why ``folder`` is not a usable model folder, or ``None``."""
    if not folder.is_dir():
        return f"vosk model folder {folder} does not exist"
    missing = [marker for marker in MODEL_MARKERS if not (folder / marker).is_file()]
    if missing:
        return f"{folder} is not a vosk model folder (missing {', '.join(missing)})"
    return None


def load_model(folder: Path) -> Any:
    """The loaded model for ``folder``, shared by the process (a model takes seconds and hundreds of MB)."""
    folder = folder.resolve()
    with _models_lock:
        if folder not in _models:
            problem = problem_with(folder)
            if problem:
                raise SpeechModelMissing(f"{problem}. {INSTALL_HINT}")
            import vosk

            vosk.SetLogLevel(-1)  # Kaldi's log lines go to stderr otherwise
            try:
                _models[folder] = vosk.Model(str(folder))
            except Exception as exc:
                raise SpeechModelMissing(
                    f"vosk could not load the model in {folder} ({exc}). {INSTALL_HINT}"
                ) from None
        return _models[folder]


def model_id(folder: Path) -> str:
    """A stable name for a model: its folder name (vosk model folders are named after the release)."""
    return (
        f"vosk/{folder.resolve().name}" if folder.name != "model" else f"vosk/{folder.resolve().parent.name}"
    )


class VoskRecognizer:
    """Transcribes any language a model was configured for."""

    def __init__(self, model_dir: Any, chunk_seconds: float = 0.25) -> None:
        self.model_dir = model_dir
        self.chunk_bytes = int(chunk_seconds * SAMPLE_RATE) * SAMPLE_WIDTH

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(configured_dirs(self.model_dir))

    def transcribe(self, audio: AudioSource, language: str) -> SpeechResult:
        import vosk

        folder = model_dir_for(self.model_dir, language)
        recognizer = vosk.KaldiRecognizer(load_model(folder), SAMPLE_RATE)
        recognizer.SetWords(True)
        words: list[Word] = []
        total_bytes = 0
        for chunk in pcm_chunks(audio, self.chunk_bytes):
            total_bytes += len(chunk)
            if recognizer.AcceptWaveform(chunk):
                words.extend(_words(recognizer.Result()))
        words.extend(_words(recognizer.FinalResult()))
        return SpeechResult(
            text=" ".join(w.text for w in words),
            words=tuple(words),
            language=language,
            engine=ENGINE,
            model_id=model_id(folder),
            duration=total_bytes / (SAMPLE_RATE * SAMPLE_WIDTH),
        )


def _words(result_json: str) -> list[Word]:
    result = json.loads(result_json)
    return [
        Word(
            text=str(item["word"]),
            start=round(float(item["start"]), 3),
            end=round(float(item["end"]), 3),
            confidence=round(float(item.get("conf", 0.0)), 4),
        )
        for item in result.get("result", [])
        if not MARKER_TOKEN.match(str(item["word"]))
    ]
