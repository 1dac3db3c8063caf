"""Video cues cost: seconds of work per minute of video, against mediapipe called directly on the same frames.

Run: ``.venv/bin/python bench/video_cues_bench.py [seconds]`` (default 60).

Writes a 320x240, 15 frames a second VP8/Opus WebM of the astronaut face (tests/support/faces.py), with the head
turned aside for a stretch, then, in this process:
- baseline: ``VideoSource.frames(sample_fps)`` decoding the same sampled frames and a mediapipe face mesh on each
  (what any face analysis costs at the least);
- the ``video_cues`` analyzer with its default settings (face detection and face mesh on every sampled frame,
  pose on one a second, head pose and summaries).
Prints seconds per minute of video, the analyzer's cost as a multiple of the baseline, how many times faster
than real time each is, and the process's peak RSS after each (peak RSS never goes down: the second figure
includes the first).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(seconds: float = 60.0) -> dict[str, object]:
    import mediapipe as mp
    import numpy as np

    from candor.analysis.media import VideoSource
    from candor_plugins.video_cues import SETTINGS, VideoCuesAnalyzer
    from tests.support import faces

    sample_fps = float(next(s.default for s in SETTINGS if s.name == "sample_fps"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answer.webm"
        started = time.perf_counter()
        faces.looking_away_webm(path, seconds=seconds, away=(seconds * 0.4, seconds * 0.55))
        made = time.perf_counter() - started

        video = VideoSource.from_path(path)
        started = time.perf_counter()
        frames = 0
        with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, max_num_faces=1) as mesh:
            for frame in video.frames(sample_fps):
                mesh.process(np.ascontiguousarray(frame.rgb))
                frames += 1
        baseline = time.perf_counter() - started
        baseline_rss = peak_rss_mb()

        started = time.perf_counter()
        result = VideoCuesAnalyzer().analyze({"video": VideoSource.from_path(path)}, {})
        analyzer = time.perf_counter() - started
        analyzer_rss = peak_rss_mb()

    per_minute = 60.0 / seconds
    figures = {
        "video_seconds": seconds,
        "sample_fps": sample_fps,
        "frames_sampled": frames,
        "writing_test_video_s": round(made, 2),
        "baseline_decode_plus_face_mesh_s_per_min": round(baseline * per_minute, 2),
        "video_cues_s_per_min": round(analyzer * per_minute, 2),
        "video_cues_over_baseline": round(analyzer / baseline, 2),
        "baseline_x_real_time": round(seconds / baseline, 1),
        "video_cues_x_real_time": round(seconds / analyzer, 1),
        "peak_rss_mb_after_baseline": round(baseline_rss, 1),
        "peak_rss_mb_after_video_cues": round(analyzer_rss, 1),
        "flags_found": result["flags"],
        "looking_away_times": result["looking_away_times"],
    }
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
