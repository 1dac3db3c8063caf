"""Test videos with real faces, made on the spot from the astronaut photograph that ships in scikit-image.

``skimage.data.astronaut()`` is a real face under a public-domain licence, so tests need no downloaded media.
The pictures here are head-and-shoulders crops of it (320x240 at x=62, y=0, where face detection finds it
reliably), moved by a few pixels from frame to frame so that no analyzer sees a still image.

- ``face_frames`` / ``face_webm``: one face, slight movement;
- ``two_faces_webm``: two faces side by side (a proctoring case);
- ``no_face_webm``: a moving gradient with noise, no face;
- ``looking_away_webm``: the face turned to one side (``turned_picture``) during a known interval;
- ``straight_mouth_webm``: the smiling face with its mouth corners pulled down (for expression cues);
- ``face_y4m``: the one-face video as a Y4M file for Chromium's ``--use-file-for-fake-video-capture``.

The WebM files are what a browser's MediaRecorder produces: VP8 video and an Opus audio track (a quiet tone),
at 320x240 and 15 frames a second by default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 320, 240
CROP_X, CROP_Y = 62, 0
AUDIO_RATE = 48_000

#: Where the face sits in the 320x240 crop (pixels), as face detection finds it: used to build the other videos.
FACE_BOX = (112, 74, 217, 178)  # x0, y0, x1, y1
NOSE_X = 162


@cache
def astronaut() -> np.ndarray:
    """The 512x512 RGB astronaut photograph (scikit-image ships it)."""
    from skimage.data import astronaut as load

    return np.ascontiguousarray(load())


def _wobble(index: int, fps: float) -> tuple[int, int]:
    """A slow sway of a few pixels, as a seated person moves; never negative, so crops stay inside the photo."""
    t = index / fps
    return int(round(4 + 4 * np.sin(2 * np.pi * 0.4 * t))), int(round(2 + 2 * np.sin(2 * np.pi * 0.27 * t)))


def face_picture(index: int = 0, fps: float = 15.0) -> np.ndarray:
    """Frame ``index`` of the one-face video: the 320x240 head-and-shoulders crop, shifted slightly."""
    dx, dy = _wobble(index, fps)
    x, y = CROP_X - 4 + dx, CROP_Y + dy
    return np.ascontiguousarray(astronaut()[y : y + HEIGHT, x : x + WIDTH])


def two_faces_picture(index: int = 0, fps: float = 15.0) -> np.ndarray:
    """Two faces side by side: two 160-wide crops around the face, the second mirrored so they differ."""
    picture = face_picture(index, fps)
    left = (FACE_BOX[0] + FACE_BOX[2]) // 2 - 80
    half = picture[:, left : left + 160]
    return np.ascontiguousarray(np.concatenate([half, half[:, ::-1]], axis=1))


def no_face_picture(index: int = 0, fps: float = 15.0) -> np.ndarray:
    """A moving colour gradient with sensor-like noise: a wall, an empty chair's worth of picture."""
    rng = np.random.default_rng(index)
    xs = np.linspace(0.0, 1.0, WIDTH)[None, :]
    ys = np.linspace(0.0, 1.0, HEIGHT)[:, None]
    shift = index / fps * 0.1
    base = np.stack(
        [120 + 60 * np.sin(2 * np.pi * (xs + shift)) + 0 * ys, 110 + 50 * ys + 0 * xs, 90 + 40 * xs * ys], axis=-1
    )
    noise = rng.normal(0.0, 6.0, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def turned_picture(index: int = 0, fps: float = 15.0, degrees: float = 55.0) -> np.ndarray:
    """The face as if turned to the side by ``degrees`` (positive: towards the picture's right).

    The head is taken for a vertical cylinder (radius 50 px, about the face's half-width, centred on the nose)
    and rotated: each column moves to where a point on that cylinder would be seen after the turn. The nose
    moves further than the eye and mouth corners, as in a real turn; face-mesh head pose then reads a yaw of
    roughly 30-40 degrees for the default 55 (a flat photo on a cylinder turns less than a real head).
    """
    import cv2

    picture = face_picture(index, fps)
    dx, _ = _wobble(index, fps)
    centre, radius = float(NOSE_X + 4 - dx), 50.0
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    offset = np.clip((xs - centre) / radius, -1.0, 1.0)
    # For each output column, the source column: rotate back by the angle.
    source = centre + radius * np.sin(np.arcsin(offset) - np.radians(degrees))
    source = np.where(np.abs(xs - centre) < radius, source, xs).astype(np.float32)
    return cv2.remap(picture, source, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


MOUTH_CORNERS = ((139, 137), (184, 139))  # x, y in the 320x240 crop before the sway


def straight_mouth_picture(index: int = 0, fps: float = 15.0, pull: float = 12.0) -> np.ndarray:
    """The face with the corners of its (smiling) mouth pulled down by ``pull`` pixels: a straight mouth."""
    import cv2

    picture = face_picture(index, fps)
    dx, dy = _wobble(index, fps)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    shift = np.zeros_like(xs)
    for x, y in MOUTH_CORNERS:
        cx, cy = x + 4 - dx, y - dy
        shift += pull * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * 9.0**2))
    return cv2.remap(picture, xs, ys - shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def face_frames(seconds: float, fps: float = 15.0) -> Iterator[np.ndarray]:
    for index in range(int(round(seconds * fps))):
        yield face_picture(index, fps)


def write_webm(
    path: str | Path,
    picture: Callable[[int, float], np.ndarray],
    seconds: float,
    fps: int = 15,
    *,
    audio_hz: float | None = 220.0,
) -> Path:
    """Encode ``picture(index, fps)`` for each frame as VP8 WebM with an Opus track (a quiet tone, or silence
    when ``audio_hz`` is None), as a browser's MediaRecorder would."""
    import av

    path = Path(path)
    frames = int(round(seconds * fps))
    with av.open(str(path), mode="w", format="webm") as container:
        video = container.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.bit_rate = 500_000
        audio = container.add_stream("libopus", rate=AUDIO_RATE)
        audio.layout = "mono"
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(picture(index, float(fps)), format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        chunk = 960  # 20 ms, Opus's usual frame
        total = int(round(seconds * AUDIO_RATE)) // chunk * chunk
        t = np.arange(total) / AUDIO_RATE
        wave = np.zeros(total) if audio_hz is None else 0.05 * np.sin(2 * np.pi * audio_hz * t)
        samples = (wave * 32767).astype("<i2")
        for start in range(0, total, chunk):
            piece = av.AudioFrame.from_ndarray(samples[None, start : start + chunk], format="s16", layout="mono")
            piece.sample_rate = AUDIO_RATE
            piece.pts = start
            container.mux(audio.encode(piece))
        container.mux(audio.encode(None))
    return path


def face_webm(path: str | Path, seconds: float = 4.0, fps: int = 15) -> Path:
    return write_webm(path, face_picture, seconds, fps)


def two_faces_webm(path: str | Path, seconds: float = 4.0, fps: int = 15) -> Path:
    return write_webm(path, two_faces_picture, seconds, fps)


def no_face_webm(path: str | Path, seconds: float = 4.0, fps: int = 15) -> Path:
    return write_webm(path, no_face_picture, seconds, fps)


def straight_mouth_webm(path: str | Path, seconds: float = 4.0, fps: int = 15) -> Path:
    return write_webm(path, straight_mouth_picture, seconds, fps)


def looking_away_webm(
    path: str | Path, seconds: float = 9.0, away: tuple[float, float] = (4.0, 7.0), fps: int = 15
) -> Path:
    """The face looking at the camera, turned aside from ``away[0]`` to ``away[1]`` seconds, then back."""

    def picture(index: int, rate: float) -> np.ndarray:
        t = index / rate
        return turned_picture(index, rate) if away[0] <= t < away[1] else face_picture(index, rate)

    return write_webm(path, picture, seconds, fps)


Y4M_HEADER = b"YUV4MPEG2 W320 H240 F30:1 Ip A1:1 C420jpeg\n"


def face_y4m(path: str | Path, seconds: float = 5.0) -> Path:
    """The one-face video at 30 frames a second as Y4M (4:2:0), for Chromium's fake camera
    (``--use-file-for-fake-video-capture=PATH``), which loops it."""
    import cv2

    path = Path(path)
    with path.open("wb") as out:
        out.write(Y4M_HEADER)
        for rgb in face_frames(seconds, fps=30.0):
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path
