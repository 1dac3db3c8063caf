"""Geometry on mediapipe landmarks: head pose from six face-mesh points, shoulder line from pose landmarks,
and the bookkeeping that turns per-frame values into figures relative to the candidate's own baseline.

Pure numpy and OpenCV: no mediapipe here, so the arithmetic can be read and tested on its own. Nothing in this
module keeps landmarks beyond the call that receives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

#: Face-mesh indices of the six points: nose tip, chin, outer corners of the eyes (subject's right, left),
#: mouth corners (right, left). The subject's right eye is on the picture's left.
POSE_LANDMARKS = (1, 152, 33, 263, 61, 291)

#: A generic face in millimetres in the camera's axes (x right, y down, z away from the camera), nose tip at the
#: origin. Average proportions only: absolute angles are biased (pitch by ~20-30 degrees on a frontal face), so
#: callers compare a frame's pose with the same person's baseline and never report the absolute figure.
FACE_MODEL = np.array(
    [
        [0.0, 0.0, 0.0],
        [0.0, 63.6, 12.5],
        [-43.3, -32.7, 26.0],
        [43.3, -32.7, 26.0],
        [-28.9, 28.9, 24.1],
        [28.9, 28.9, 24.1],
    ]
)


@dataclass(frozen=True)
class HeadPose:
    """Degrees: yaw (turning side to side), pitch (nodding), roll (tilting); absolute values are biased."""

    yaw: float
    pitch: float
    roll: float


def head_pose(points: np.ndarray, width: int, height: int) -> HeadPose | None:
    """Pose of the face whose ``POSE_LANDMARKS`` are at ``points`` (6x2 pixels), or None when it cannot be solved.

    A pinhole camera with the focal length equal to the picture's width stands in for a webcam's (about 53
    degrees across); SQPNP because the iterative solver sometimes returns the pose flipped by 180 degrees.
    """
    camera = np.array([[width, 0.0, width / 2.0], [0.0, width, height / 2.0], [0.0, 0.0, 1.0]])
    ok, rotation_vector, _ = cv2.solvePnP(
        FACE_MODEL, np.asarray(points, dtype=np.float64), camera, None, flags=cv2.SOLVEPNP_SQPNP
    )
    if not ok:
        return None
    rotation, _ = cv2.Rodrigues(rotation_vector)
    pitch, yaw, roll = cv2.RQDecomp3x3(rotation)[0]
    return HeadPose(yaw=float(yaw), pitch=float(pitch), roll=float(roll))


@dataclass(frozen=True)
class Shoulders:
    """The shoulder line in the picture, from pose landmarks 11 and 12, with the nose (0) above it.

    ``tilt`` is the line's angle in degrees; ``width`` its length as a share of the picture's width;
    ``neck`` the height of the nose above the line's midpoint in shoulder widths (smaller when slouching).
    """

    tilt: float
    width: float
    neck: float


def shoulders(landmarks: Sequence[tuple[float, float, float]], aspect: float, min_visibility: float
              ) -> Shoulders | None:
    """``landmarks``: (x, y, visibility) in normalised picture coordinates; ``aspect`` = width / height."""
    nose, left, right = landmarks[0], landmarks[11], landmarks[12]
    if min(left[2], right[2]) < min_visibility:
        return None
    dx = (left[0] - right[0]) * aspect
    dy = left[1] - right[1]
    span = float(np.hypot(dx, dy))
    if span <= 1e-6:
        return None
    tilt = float(np.degrees(np.arctan2(dy, abs(dx))))
    if dx < 0:  # the person faces away, or the landmarks are swapped: the tilt's sign means nothing then
        tilt = -tilt
    mid_y = (left[1] + right[1]) / 2.0
    neck = float((mid_y - nose[1]) / span) if nose[2] >= min_visibility else float("nan")
    return Shoulders(tilt=tilt, width=span / aspect, neck=neck)


def intervals(times: Sequence[float], hits: Sequence[bool], step: float, end: float) -> list[dict[str, float]]:
    """Merge consecutive sampled frames where ``hits`` is true into ``{"start", "end"}`` intervals (seconds).

    Each hit stands for the time until the next sample (``step``), capped at ``end``.
    """
    found: list[dict[str, float]] = []
    start: float | None = None
    last = 0.0
    for t, hit in zip(times, hits, strict=True):
        if hit and start is None:
            start = t
        if hit:
            last = t
        if not hit and start is not None:
            found.append({"start": round(start, 2), "end": round(min(last + step, end), 2)})
            start = None
    if start is not None:
        found.append({"start": round(start, 2), "end": round(min(last + step, end), 2)})
    return found


def ratio(count: int, total: int) -> float | None:
    return round(count / total, 3) if total else None


def spread(values: np.ndarray) -> dict[str, float] | None:
    """Median absolute and 90th-percentile absolute deviation of values already relative to a baseline."""
    if values.size == 0:
        return None
    magnitude = np.abs(values)
    return {"median_abs": round(float(np.median(magnitude)), 1),
            "p90_abs": round(float(np.percentile(magnitude, 90)), 1)}
