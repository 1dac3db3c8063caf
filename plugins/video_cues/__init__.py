"""Video cues of a recorded answer: is a face there, is more than one, is the head turned away, how is the
posture, is the picture too dark.

The analyzer reads frames sampled at ``sample_fps`` from ``inputs["video"]`` (a
``candor.analysis.media.VideoSource``) and runs mediapipe 0.10.21's legacy solutions on them, with the models
inside the wheel: face detection (counting faces), face mesh (six landmarks for head pose through
``cv2.solvePnP`` with SQPNP) and pose with ``model_complexity=1`` (shoulders; the other complexities try to
download their model). Head pose and posture are reported relative to the candidate's own usual pose in the
same answer (the median over the frames), never as absolute angles, which a generic face model biases.

It returns summary figures, intervals in seconds and flags (``no_face``, ``multiple_faces``,
``looking_away_often``, ``low_light``). Flags are things for a person to look at, never scores: a second face
may be a family member walking by, looking away may be thinking. It must never return pictures or landmarks.

Face geometry is biometric data: the declaration's ``face_analysis`` capability makes the purpose gate require
the candidate's separate ``biometric_analysis`` consent before any frame reaches this code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.analysis.media import MediaError
from candor.interfaces import Analyzer
from candor_plugins.video_cues.geometry import (
    POSE_LANDMARKS,
    HeadPose,
    Shoulders,
    head_pose,
    intervals,
    ratio,
    shoulders,
    spread,
)

FOR_A_PERSON = (
    "These cues are for a person to check against the recording. They are not measures of ability, honesty, "
    "attention or personality, and they never decide anything on their own."
)

SETTINGS = (
    Setting("sample_fps", 3.0, "Frames a second looked at (more is slower and hardly more accurate)."),
    Setting("posture_fps", 1.0, "Frames a second the posture model looks at (it is the slowest model)."),
    Setting("min_face_presence", 0.5, "A face in fewer than this share of frames is flagged 'no_face'."),
    Setting("multiple_faces_min_seconds", 1.0, "More than one face for at least this long is flagged."),
    Setting("away_yaw_degrees", 20.0, "A head turned further than this from the candidate's usual pose counts "
            "as looking away."),
    Setting("away_pitch_degrees", 20.0, "A head tilted up or down further than this from the usual pose counts "
            "as looking away."),
    Setting("looking_away_flag_ratio", 0.25, "Looking away in at least this share of frames with a face is "
            "flagged 'looking_away_often'."),
    Setting("low_light_brightness", 40.0, "A median brightness (0-255) below this is flagged 'low_light'."),
    Setting("detection_confidence", 0.5, "Face detection's minimum confidence (0-1)."),
)

#: Figures its tests hold it to on the test videos (tests/video/test_video_cues.py).
ACCURACY: Mapping[str, float] = {
    "face_presence_on_one_face_video_min": 0.95,
    "multiple_faces_frames_on_two_face_video_min": 0.9,
    "face_frames_on_no_face_video_max": 0.0,
    "looking_away_interval_error_s_max": 0.7,
    "yaw_change_on_turned_face_deg_min": 20.0,
}


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="video_cues",
        title="Video cues",
        description="Looks at a few frames a second of your video answer to note whether your face is visible, "
        "whether another face appears, how often your head turns away from your usual position, whether your "
        "shoulders are visible and how your posture changes, and whether the picture is too dark. It uses the "
        "geometry of your face, which is biometric data, only with your separate consent, and keeps only "
        "summary figures and times, not pictures. " + FOR_A_PERSON,
        capabilities=frozenset({"face_analysis"}),
        data_categories=frozenset({DataCategory.VIDEO, DataCategory.BIOMETRIC, DataCategory.ASSESSMENT}),
        purposes=frozenset({Purpose.BIOMETRIC_ANALYSIS, Purpose.AI_EVALUATION}),
        settings=SETTINGS,
        limits=(
            FOR_A_PERSON,
            "Face detection works less well in poor or uneven light, with a strong backlight, at steep camera "
            "angles, with the face partly out of the picture or covered (hands, masks), and sometimes with "
            "glasses that reflect the screen.",
            "Face detection and landmark models are known to perform unevenly across skin tones, ages and "
            "genders; this installation has not measured that on real people. A 'no_face' flag on a visible "
            "candidate is a failure of the model, not of the candidate.",
            "Head pose is measured against the candidate's own usual pose in the same answer, so a camera placed "
            "to the side is not 'looking away'; someone who looks away more than half of the time shifts that "
            "baseline. Looking at notes, a second screen or thinking all count as looking away.",
            "A second face may be a photo, a poster or someone passing by; check the recording at the times given.",
            "Posture comes from the shoulders only and is relative to the candidate's own usual posture; camera "
            "height and distance change it, and it says nothing about confidence or interest.",
            "Tested on synthetic videos made from one real photograph (tests/video), not on a population.",
        ),
        accuracy=ACCURACY,
    )


@dataclass(frozen=True)
class Options:
    sample_fps: float
    posture_fps: float
    min_face_presence: float
    multiple_faces_min_seconds: float
    away_yaw: float
    away_pitch: float
    looking_away_flag_ratio: float
    low_light_brightness: float
    detection_confidence: float

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Options:
        defaults = {s.name: s.default for s in SETTINGS}
        value = {name: float(settings.get(name, default)) for name, default in defaults.items()}
        if not 0.1 <= value["sample_fps"] <= 30:
            raise ValueError(f"video_cues setting sample_fps is {value['sample_fps']}; use 0.1 to 30 (default 3)")
        if not 0 <= value["posture_fps"] <= value["sample_fps"]:
            raise ValueError(f"video_cues setting posture_fps is {value['posture_fps']}; use 0 (no posture) up to "
                             f"sample_fps ({value['sample_fps']})")
        for name in ("min_face_presence", "looking_away_flag_ratio", "detection_confidence"):
            if not 0 <= value[name] <= 1:
                raise ValueError(f"video_cues setting {name} is {value[name]}; use a share between 0 and 1")
        return cls(value["sample_fps"], value["posture_fps"], value["min_face_presence"],
                   value["multiple_faces_min_seconds"], value["away_yaw_degrees"], value["away_pitch_degrees"],
                   value["looking_away_flag_ratio"], value["low_light_brightness"], value["detection_confidence"])


@dataclass(frozen=True)
class Observation:
    """What one sampled frame showed; kept only until the summary is made."""

    t: float
    faces: int
    brightness: float
    pose: HeadPose | None
    posture_looked: bool
    shoulders: Shoulders | None


def model_id() -> str:
    import mediapipe

    return f"mediapipe {mediapipe.__version__} face_detection+face_mesh+pose(1); solvePnP SQPNP"


@contextmanager
def mediapipe_graphs(options: Options) -> Iterator[tuple[Any, Any, Any]]:
    """Face detection, face mesh and pose graphs for one analysis (each is cheap to create and not meant to be
    shared between threads); closed afterwards."""
    import mediapipe as mp

    solutions = mp.solutions
    detection = solutions.face_detection.FaceDetection(
        model_selection=0, min_detection_confidence=options.detection_confidence)
    mesh = solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1, refine_landmarks=False,
                                        min_detection_confidence=options.detection_confidence)
    pose = solutions.pose.Pose(static_image_mode=False, model_complexity=1) if options.posture_fps else None
    try:
        yield detection, mesh, pose
    finally:
        for graph in (detection, mesh, pose):
            if graph is not None:
                graph.close()


def observe(video: Any, options: Options) -> tuple[list[Observation], float]:
    """Run the models over the sampled frames; returns the observations and the last frame's time."""
    found: list[Observation] = []
    width, height = int(video.width), int(video.height)
    posture_step = 1.0 / options.posture_fps if options.posture_fps else None
    next_posture = 0.0
    with mediapipe_graphs(options) as (detection, mesh, pose_graph):
        for frame in video.frames(options.sample_fps):
            rgb = np.ascontiguousarray(frame.rgb)
            # The mean of the channels on every fourth pixel is close enough to luma for a darkness flag.
            brightness = float(rgb[::4, ::4].mean())
            detected = detection.process(rgb).detections or []
            pose: HeadPose | None = None
            if detected:
                meshes = mesh.process(rgb).multi_face_landmarks
                if meshes:
                    marks = meshes[0].landmark
                    points = np.array([[marks[i].x * width, marks[i].y * height] for i in POSE_LANDMARKS])
                    pose = head_pose(points, width, height)
            looked = False
            line: Shoulders | None = None
            if pose_graph is not None and posture_step is not None and frame.t + 1e-6 >= next_posture:
                looked = True
                next_posture = frame.t + posture_step
                result = pose_graph.process(rgb).pose_landmarks
                if result is not None:
                    marks = [(m.x, m.y, m.visibility) for m in result.landmark]
                    line = shoulders(marks, width / height, min_visibility=0.5)
            found.append(Observation(frame.t, len(detected), brightness, pose, looked, line))
    end = found[-1].t + 1.0 / options.sample_fps if found else 0.0
    return found, end


def summarise(observations: Sequence[Observation], end: float, options: Options) -> dict[str, Any]:
    step = 1.0 / options.sample_fps
    times = [o.t for o in observations]
    total = len(observations)
    with_face = sum(1 for o in observations if o.faces >= 1)
    several = [o.faces >= 2 for o in observations]
    several_times = intervals(times, several, step, end)
    several_seconds = sum(i["end"] - i["start"] for i in several_times)

    posed = [o for o in observations if o.pose is not None]
    head: dict[str, Any] | None = None
    away_hits = [False] * total
    away_ratio: float | None = None
    if len(posed) >= 3:
        yaw = np.array([o.pose.yaw for o in posed if o.pose])
        pitch = np.array([o.pose.pitch for o in posed if o.pose])
        roll = np.array([o.pose.roll for o in posed if o.pose])
        yaw, pitch, roll = yaw - np.median(yaw), pitch - np.median(pitch), roll - np.median(roll)
        away = (np.abs(yaw) > options.away_yaw) | (np.abs(pitch) > options.away_pitch)
        away_at = {o.t for o, hit in zip(posed, away, strict=True) if hit}
        away_hits = [o.t in away_at for o in observations]
        away_ratio = ratio(int(away.sum()), len(posed))
        head = {
            "relative_to": "the candidate's median pose in this answer",
            "frames": len(posed),
            "yaw_deg": spread(yaw),
            "pitch_deg": spread(pitch),
            "roll_deg": spread(roll),
        }

    posture = _posture([o for o in observations if o.posture_looked])
    brightness = float(np.median([o.brightness for o in observations])) if observations else None
    presence = ratio(with_face, total)

    flags: list[str] = []
    if presence is None or presence < options.min_face_presence:
        flags.append("no_face")
    if several_times and several_seconds >= options.multiple_faces_min_seconds:
        flags.append("multiple_faces")
    if away_ratio is not None and away_ratio >= options.looking_away_flag_ratio:
        flags.append("looking_away_often")
    if brightness is not None and brightness < options.low_light_brightness:
        flags.append("low_light")

    return {
        "duration_s": round(end, 2),
        "sample_fps": options.sample_fps,
        "frames_sampled": total,
        "face_presence_ratio": presence,
        "multiple_faces_ratio": ratio(sum(several), total),
        "multiple_faces_times": several_times,
        "looking_away_ratio": away_ratio,
        "looking_away_times": intervals(times, away_hits, step, end) if head else [],
        "head_pose": head,
        "posture": posture,
        "brightness_median": round(brightness, 1) if brightness is not None else None,
        "flags": flags,
        "note": FOR_A_PERSON,
        "model_id": model_id(),
    }


def _posture(looked: Sequence[Observation]) -> dict[str, Any] | None:
    """Shoulder figures relative to the candidate's own median: tilt change, leaning (the shoulder line grows
    or shrinks by a fifth, towards or away from the camera) and slouching (the nose sinks towards the shoulders
    by a fifth of its usual height above them)."""
    if not looked:
        return None
    lines = [o.shoulders for o in looked if o.shoulders is not None]
    figures: dict[str, Any] = {
        "relative_to": "the candidate's median posture in this answer",
        "frames": len(looked),
        "shoulders_visible_ratio": ratio(len(lines), len(looked)),
        "shoulder_tilt_deg": None,
        "leaning_ratio": None,
        "slouching_ratio": None,
    }
    if len(lines) < 3:
        return figures
    tilt = np.array([s.tilt for s in lines])
    width = np.array([s.width for s in lines])
    neck = np.array([s.neck for s in lines])
    figures["shoulder_tilt_deg"] = spread(tilt - np.median(tilt))
    figures["leaning_ratio"] = ratio(int((np.abs(width / np.median(width) - 1.0) > 0.2).sum()), len(lines))
    usable = neck[~np.isnan(neck)]
    if usable.size >= 3 and np.median(usable) > 0:
        figures["slouching_ratio"] = ratio(int((usable < 0.8 * np.median(usable)).sum()), usable.size)
    return figures


class VideoCuesAnalyzer:
    """``inputs["video"]``: a ``VideoSource`` (``frames(fps)``, ``width``, ``height``)."""

    name = "video_cues"
    needs = frozenset({"video"})

    def analyze(self, inputs: Mapping[str, Any], settings: Mapping[str, Any]) -> Mapping[str, Any]:
        video = inputs.get("video")
        if video is None:
            raise MediaError("video cues need the answer's video (inputs['video']), which is missing")
        options = Options.from_settings(settings)
        observations, end = observe(video, options)
        if not observations:
            raise MediaError("The recording's picture has no frames. Record the answer again with the camera on.")
        return summarise(observations, end, options)


@hookimpl
def candor_register_analyzers(settings: Mapping[str, Any]) -> Sequence[Analyzer]:
    return [VideoCuesAnalyzer()]
