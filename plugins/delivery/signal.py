"""Frame-by-frame measures of the audio itself: loudness, where speech is, pauses, and pitch movement.

Owns reading the answer in 30 ms frames (streamed, so memory grows by two floats per frame, not by the
audio) and turning them into loudness in dBFS, a speech/non-speech decision, pauses between speech, and the
variability of the fundamental frequency. Pitch comes from a normalised autocorrelation per frame in numpy:
librosa's pyin is more exact but pulls numba and takes seconds per answer; variability in semitones is
robust to the autocorrelation's small errors. Absolute pitch is deliberately not reported: it says more
about a person's sex and age than about delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from candor.analysis.speech import SAMPLE_RATE, SAMPLE_WIDTH, AudioSource, pcm_chunks

FRAME = 480  # samples: 30 ms at 16 kHz
FRAME_SECONDS = FRAME / SAMPLE_RATE
SILENT_DBFS = -120.0  # what digital silence is reported as (log of zero)
MIN_F0, MAX_F0 = 70.0, 400.0  # Hz: the range of adult speaking voices
VOICING = 0.6  # normalised autocorrelation peak above which a frame counts as voiced
_FFT = 1024  # >= 2 * FRAME, so the circular autocorrelation equals the linear one


@dataclass(frozen=True)
class Pause:
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SignalTrack:
    """Per-frame loudness (dBFS) and pitch (Hz, NaN when unvoiced), and the count of clipped samples."""

    dbfs: np.ndarray
    f0: np.ndarray
    clipped: int
    samples: int

    @property
    def duration(self) -> float:
        return self.samples / SAMPLE_RATE


def read_track(audio: AudioSource, chunk_frames: int = 100) -> SignalTrack:
    """Read the audio once, keeping only per-frame figures."""
    dbfs_parts, f0_parts = [], []
    clipped = samples = 0
    carry = np.zeros(0, dtype=np.int16)
    for chunk in pcm_chunks(audio, FRAME * SAMPLE_WIDTH * chunk_frames):
        data = np.concatenate([carry, np.frombuffer(chunk, dtype="<i2")])
        whole = len(data) // FRAME * FRAME
        carry = data[whole:]
        if whole:
            frames = data[:whole].reshape(-1, FRAME)
            dbfs, f0 = _frame_measures(frames)
            dbfs_parts.append(dbfs)
            f0_parts.append(f0)
            clipped += int(np.count_nonzero(np.abs(frames.astype(np.int32)) >= 32767))
            samples += whole
    samples += len(carry)  # a last partial frame counts toward the duration only
    empty = np.zeros(0)
    return SignalTrack(
        np.concatenate(dbfs_parts) if dbfs_parts else empty,
        np.concatenate(f0_parts) if f0_parts else empty,
        clipped,
        samples,
    )


def _frame_measures(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = frames.astype(np.float64) / 32768.0
    rms = np.sqrt(np.mean(x * x, axis=1))
    with np.errstate(divide="ignore"):
        dbfs = np.where(rms > 0, 20.0 * np.log10(rms), SILENT_DBFS)
    centred = x - x.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=_FFT, axis=1)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), n=_FFT, axis=1)[:, :FRAME]
    energy = acf[:, :1]
    # Dividing by the rectangular window's own autocorrelation removes the fall-off with lag (Boersma 1993).
    window_acf = (FRAME - np.arange(FRAME)) / FRAME
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised = np.where(energy > 1e-10, acf / energy / window_acf, 0.0)
    low, high = int(SAMPLE_RATE / MAX_F0), int(SAMPLE_RATE / MIN_F0)
    band = normalised[:, low : high + 1]
    f0 = np.full(len(frames), np.nan)
    for index, row in enumerate(band):
        peak = float(row.max())
        if peak < VOICING:
            continue
        # The first lag close to the best one: a multiple of the period scores nearly as high (octave errors).
        lag = int(np.argmax(row >= 0.9 * peak))
        while lag + 1 < len(row) and row[lag + 1] > row[lag]:
            lag += 1
        shift = 0.0
        if 0 < lag < len(row) - 1:  # parabolic interpolation between lags for sub-sample precision
            a, b, c = row[lag - 1], row[lag], row[lag + 1]
            denominator = a - 2 * b + c
            shift = 0.5 * (a - c) / denominator if denominator else 0.0
        f0[index] = SAMPLE_RATE / (low + lag + shift)
    return dbfs, f0


def speech_mask(track: SignalTrack, floor_dbfs: float = -50.0, below_peak_db: float = 35.0) -> np.ndarray:
    """Frames loud enough to be speech: above an absolute floor and within ``below_peak_db`` of the loud
    frames (95th percentile), so that a quiet room and a loud microphone are judged alike."""
    if not len(track.dbfs):
        return np.zeros(0, dtype=bool)
    threshold = max(floor_dbfs, float(np.percentile(track.dbfs, 95)) - below_peak_db)
    return track.dbfs > threshold


def find_pauses(mask: np.ndarray, min_seconds: float) -> list[Pause]:
    """Runs of non-speech frames of at least ``min_seconds`` between the first and the last speech frame."""
    speech = np.flatnonzero(mask)
    if not len(speech):
        return []
    inner = mask[speech[0] : speech[-1] + 1]
    edges = np.diff(np.concatenate([[1], inner.astype(np.int8), [1]]))
    starts, ends = np.flatnonzero(edges == -1), np.flatnonzero(edges == 1)
    pauses = []
    for start, end in zip(starts, ends, strict=True):
        if (end - start) * FRAME_SECONDS >= min_seconds:
            pauses.append(
                Pause(
                    round((speech[0] + start) * FRAME_SECONDS, 3), round((speech[0] + end) * FRAME_SECONDS, 3)
                )
            )
    return pauses


def speech_span(mask: np.ndarray) -> float:
    """Seconds from the first to the end of the last speech frame."""
    speech = np.flatnonzero(mask)
    return float((speech[-1] + 1 - speech[0]) * FRAME_SECONDS) if len(speech) else 0.0


def pitch_variability(track: SignalTrack, mask: np.ndarray) -> float | None:
    """Standard deviation of pitch in semitones around the speaker's own median, over voiced speech frames."""
    voiced = track.f0[mask & ~np.isnan(track.f0)]
    if len(voiced) < 10:  # under 0.3 s of voiced speech says nothing about variability
        return None
    semitones = 12.0 * np.log2(voiced / np.median(voiced))
    return float(np.std(semitones))
