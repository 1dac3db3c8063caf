"""Expression cues: how often the candidate smiled, and raised their eyebrows, read from face-mesh geometry.

This is emotion inference in the sense of the EU AI Act (Art. 5(1)(f) prohibits it in the workplace and in
recruitment) and of most guidance elsewhere: a smile is not happiness, and neither says anything about ability.
So the plugin is off unless an operator names it in ``plugins_enable`` (``candor.plugins.BUILTIN_OFF_BY_DEFAULT``),
it declares the ``emotion_inference`` capability, which the EU policy pack prohibits (the purpose gate refuses
it for any job located in the EU whatever the consent), and it processes face geometry, so elsewhere it still
needs the candidate's separate ``biometric_analysis`` consent.

mediapipe 0.10.21's legacy face mesh gives no blendshapes, so the cues come from landmark distances scaled by
the distance between the outer eye corners: a smile is a wide mouth whose corners sit above the line between
the lips; a brow raise is the brows higher above the eyes than the candidate's own median. It returns ratios
of sampled frames, never pictures or landmarks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from candor import DataCategory, PluginDeclaration, Purpose, Setting, hookimpl
from candor.analysis.media import MediaError
from candor.interfaces import Analyzer

NOT_EMOTION = (
    "A smile or raised eyebrows in a video is not an emotion, a mood or a trait, and says nothing about ability. "
    "Expressions differ between people, cultures and disabilities. Prohibited in the EU for recruitment."
)

# Face-mesh indices: outer eye corners, mouth corners, inner lips (upper, lower), brows and upper eyelids.
EYE_OUTER = (33, 263)
MOUTH_CORNERS = (61, 291)
INNER_LIPS = (13, 14)
BROWS = (105, 334)
EYELIDS = (159, 386)

SETTINGS = (
    Setting("sample_fps", 3.0, "Frames a second looked at."),
    Setting("smile_mouth_width", 0.64, "A mouth at least this wide (in eye-corner distances) may be a smile."),
    Setting("smile_corner_lift", 0.06, "Mouth corners at least this far above the lips' middle (in eye-corner "
            "distances) make a wide mouth a smile."),
    Setting("brow_raise", 1.15, "Brows this many times higher above the eyes than the candidate's median count "
            "as raised."),
)

#: Figures its tests hold it to (tests/video/test_expression_cues.py), on the smiling test face and on the same
#: face with its mouth corners pulled down.
ACCURACY: Mapping[str, float] = {"smiling_ratio_on_smiling_face_min": 0.9, "smiling_ratio_on_straight_mouth_max": 0.1}


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="expression_cues",
        title="Expression cues",
        description="Estimates from the shape of your face in a few frames a second how often you smiled and "
        "raised your eyebrows. It uses the geometry of your face, which is biometric data, only with your "
        "separate consent. " + NOT_EMOTION,
        capabilities=frozenset({"emotion_inference"}),
        data_categories=frozenset({DataCategory.VIDEO, DataCategory.BIOMETRIC, DataCategory.ASSESSMENT}),
        purposes=frozenset({Purpose.BIOMETRIC_ANALYSIS, Purpose.AI_EVALUATION}),
        settings=SETTINGS,
        limits=(
            NOT_EMOTION,
            "Fixed thresholds on landmark distances: mouth shapes, beards, masks, dental work, facial differences, "
            "camera angles and head turns move them (a turned head reads as raised brows). Not measured on real "
            "people of different ages, skin tones or cultures.",
            "Off unless the operator enables it; refused by the purpose gate wherever a policy pack prohibits "
            "emotion inference (the EU).",
        ),
        accuracy=ACCURACY,
    )


def _options(settings: Mapping[str, Any]) -> dict[str, float]:
    values = {s.name: float(settings.get(s.name, s.default)) for s in SETTINGS}
    if not 0.1 <= values["sample_fps"] <= 30:
        raise ValueError(f"expression_cues setting sample_fps is {values['sample_fps']}; use 0.1 to 30 (default 3)")
    return values


def _point(marks: Any, index: int, width: int, height: int) -> np.ndarray:
    return np.array([marks[index].x * width, marks[index].y * height])


class ExpressionCuesAnalyzer:
    """``inputs["video"]``: a ``candor.analysis.media.VideoSource``."""

    name = "expression_cues"
    needs = frozenset({"video"})

    def analyze(self, inputs: Mapping[str, Any], settings: Mapping[str, Any]) -> Mapping[str, Any]:
        import mediapipe as mp

        video = inputs.get("video")
        if video is None:
            raise MediaError("expression cues need the answer's video (inputs['video']), which is missing")
        options = _options(settings)
        width, height = int(video.width), int(video.height)
        smiles: list[bool] = []
        brows: list[float] = []
        sampled = 0
        with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1) as mesh:
            for frame in video.frames(options["sample_fps"]):
                sampled += 1
                found = mesh.process(np.ascontiguousarray(frame.rgb)).multi_face_landmarks
                if not found:
                    continue
                marks = found[0].landmark
                p = {i: _point(marks, i, width, height) for i in (*EYE_OUTER, *MOUTH_CORNERS, *INNER_LIPS, *BROWS,
                                                                     *EYELIDS)}
                scale = float(np.linalg.norm(p[EYE_OUTER[0]] - p[EYE_OUTER[1]]))
                if scale <= 1.0:
                    continue
                mouth = float(np.linalg.norm(p[MOUTH_CORNERS[0]] - p[MOUTH_CORNERS[1]])) / scale
                lips_middle = (p[INNER_LIPS[0]][1] + p[INNER_LIPS[1]][1]) / 2.0
                lift = (lips_middle - (p[MOUTH_CORNERS[0]][1] + p[MOUTH_CORNERS[1]][1]) / 2.0) / scale
                smiles.append(mouth >= options["smile_mouth_width"] and lift >= options["smile_corner_lift"])
                brows.append(float(np.mean([p[lid][1] - p[brow][1] for brow, lid in zip(BROWS, EYELIDS,
                                                                                       strict=True)])) / scale)
        if sampled == 0:
            raise MediaError("The recording's picture has no frames. Record the answer again with the camera on.")
        brow_raised = None
        if len(brows) >= 3:
            heights = np.array(brows)
            brow_raised = round(float((heights >= options["brow_raise"] * np.median(heights)).mean()), 3)
        return {
            "frames_sampled": sampled,
            "frames_with_face": len(smiles),
            "smiling_ratio": round(sum(smiles) / len(smiles), 3) if smiles else None,
            "brow_raise_ratio": brow_raised,
            "flags": [],
            "note": NOT_EMOTION,
            "model_id": f"mediapipe {mp.__version__} face_mesh geometry",
        }


@hookimpl
def candor_register_analyzers(settings: Mapping[str, Any]) -> Sequence[Analyzer]:
    return [ExpressionCuesAnalyzer()]
