"""The whole interview pipeline on a 5-minute interview: real worker processes, real recordings.

Five answers of one minute each (320x240 VP8 + Opus at 15 fps, the piper voice over the packaged face) go
through the candidate upload service and the built-in analyzers (speech-to-text, delivery, video cues,
competency scoring) on `candor worker` processes with the embedded broker, on SQLite.

It reports:
- arrival: answers uploaded one after another as a candidate finishes them (each waits for the previous one's
  analysis, as a real interview's minutes would); the figure is the time from the LAST answer's upload (with the
  interview submitted at once) to the recommendation being ready. Goal: p95 under 30 s.
- batch: all five uploaded at once, time to the recommendation, as a fraction of the interview's length
  (goal: at most 0.25x real time on this 2-core machine), with two worker processes;
- overhead: the same batch with one worker process, against calling the same analyzers on the same files
  directly in this process, one after another (goal: ratio at most 1.2);
- per analyzer: compute seconds per minute of interview from the analysis records; peak memory of the worker.

Run: .venv/bin/python bench/pipeline_bench.py [--answers 5] [--seconds 60] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from candor.app import create_app
from candor.db import migrate
from candor.demo import seed_demo
from candor.demo.media import speak, write_recording
from candor.demo.run import ANSWERS, _consent, _upload
from candor.interviews.models import Analysis, Answer, AnswerState, Interview
from candor.questions.models import InterviewQuestion
from candor.recruiting.loop import submit_interview
from candor.review.models import InterviewRecommendation
from candor.state import get_state


def recordings(folder: Path, count: int, seconds: float) -> list[Path]:
    """``count`` answers of ``seconds`` each: the demo answers read one after another, padded with silence."""
    import numpy as np

    paths = []
    for index in range(count):
        pieces, rate, total = [], 22050, 0.0
        texts = [text for _keyword, text in ANSWERS]
        while total < seconds - 8:
            samples, rate = speak(texts[(index + len(pieces)) % len(texts)])
            pieces.append(samples)
            pieces.append(np.zeros(int(0.6 * rate), dtype=np.int16))
            total += (len(samples) / rate) + 0.6
        joined = np.concatenate(pieces)[: int((seconds - 0.5) * rate)]
        path = folder / f"answer-{index}.webm"
        write_recording(path, joined, rate, seconds=seconds)
        paths.append(path)
    return paths


def start_worker(env: dict[str, str], concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "candor.cli", "worker", "--concurrency", str(concurrency)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def tree_peak_rss_mb(pid: int) -> float:
    """Largest peak resident size (VmHWM) among the worker's processes."""
    peaks, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
        todo += [int(child) for child in children]
    return max(peaks, default=0.0)


def stop(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)


def new_interview(state: Any, answers: int) -> tuple[int, list[int]]:
    with state.db.transaction(immediate=True) as session:
        demo = seed_demo(state, session, questions=answers, answer_seconds=75, think_seconds=5)
        interview = session.get(Interview, demo.interview_id)
        _consent(state, session, interview)
        asked = session.scalars(select(InterviewQuestion.id).where(InterviewQuestion.interview_id == interview.id)
                                .order_by(InterviewQuestion.position)).all()
    return demo.interview_id, list(asked)


def wait_for(check: Any, timeout: float = 900.0) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the pipeline did not finish in time")
        time.sleep(0.05)
    return time.perf_counter() - started


def analysed(state: Any, interview_id: int, count: int) -> bool:
    with state.db.transaction() as session:
        done = session.scalars(select(Answer.id).where(Answer.interview_id == interview_id,
                                                       Answer.state == AnswerState.ANALYSED)).all()
    return len(done) >= count


def recommended(state: Any, interview_id: int) -> bool:
    with state.db.transaction() as session:
        return session.scalar(select(InterviewRecommendation.id)
                              .where(InterviewRecommendation.interview_id == interview_id)) is not None


def submit(state: Any, interview_id: int) -> None:
    with state.db.transaction(immediate=True) as session:
        submit_interview(state, session, session.get(Interview, interview_id), actor="candidate")


def stage_seconds(state: Any, interview_id: int) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    with state.db.transaction() as session:
        rows = session.execute(select(Analysis.analyzer, Analysis.output).join(Answer, Answer.id == Analysis.answer_id)
                               .where(Answer.interview_id == interview_id, Analysis.state == "done")).all()
    for analyzer, output in rows:
        totals[analyzer] += float((output or {}).get("seconds") or 0.0)
    return dict(totals)


def direct(state: Any, paths: list[Path]) -> tuple[float, dict[str, float]]:
    """The same analyzers on the same files, called directly and one after another in this process."""
    from candor.analysis.inputs import question_view
    from candor.analysis.media import VideoSource, decode_audio

    analyzers = state.analyzers
    stt = analyzers[("pocketsphinx_stt", "speech_to_text")]
    per: dict[str, float] = defaultdict(float)
    question = {"id": 0, "text": "Describe a time you solved a customer's problem.", "kind": "behavioural",
                "language": "en", "competencies": [], "answer_seconds": 75, "follow_up_of": None}
    with state.db.transaction() as session:
        pinned = session.scalar(select(InterviewQuestion).limit(1))
        if pinned is not None:
            question = question_view(pinned)
    started = time.perf_counter()
    for path in paths:
        t = time.perf_counter()
        audio = decode_audio(path)
        per["decode_audio"] += time.perf_counter() - t
        t = time.perf_counter()
        result = stt.transcribe(audio, "en")
        per["speech_to_text"] += time.perf_counter() - t
        speech = {"text": result.text, "language": "en", "duration": result.duration,
                  "words": [{"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence}
                            for w in result.words]}
        t = time.perf_counter()
        analyzers[("video_cues", "video_cues")].analyze({"video": VideoSource(path), "language": "en"},
                                                        state.plugins.get("video_cues").settings)
        per["video_cues"] += time.perf_counter() - t
        t = time.perf_counter()
        analyzers[("delivery", "delivery")].analyze({"audio": audio, "speech": speech, "language": "en"},
                                                    state.plugins.get("delivery").settings)
        per["delivery"] += time.perf_counter() - t
        t = time.perf_counter()
        analyzers[("competency_scorer", "competency_scorer")].analyze(
            {"transcript": result.text, "speech": speech, "question": question, "language": "en"},
            state.plugins.get("competency_scorer").settings)
        per["competency_scorer"] += time.perf_counter() - t
    return time.perf_counter() - started, dict(per)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3, help="arrival rounds (last-answer latency samples)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="candor-pipeline-bench-"))
    env = {**os.environ, "CANDOR_DATA_DIR": str(folder / "data"), "CANDOR_LOG_LEVEL": "WARNING",
           "CANDOR_QUEUE_NAME": "pipeline-bench", "CANDOR_FOLLOW_UPS_PER_QUESTION": "0"}
    os.environ.update(env)
    app = create_app()
    state = get_state(app)
    migrate.upgrade(state)
    minutes = args.answers * args.seconds / 60
    print(f"recording {args.answers} answers of {args.seconds:.0f} s ...", flush=True)
    paths = recordings(folder, args.answers, args.seconds)

    print("direct calls (baseline) ...", flush=True)
    direct(state, paths[:1])  # load models once, as a worker that has run before has them
    direct_seconds, direct_per = direct(state, paths)

    results: dict[str, Any] = {}
    for concurrency in (2, 1):
        worker = start_worker(env, concurrency, folder / f"worker-{concurrency}.log")
        try:
            # Warm every worker process's models (a worker that has run before has them loaded).
            warm, asked = new_interview(state, args.answers)
            for question_id, path in list(zip(asked, paths, strict=True))[: concurrency + 1]:
                _upload(state, warm, question_id, path, args.seconds)
            wait_for(lambda warm=warm, n=concurrency + 1: analysed(state, warm, n))
            submit(state, warm)  # closed, so the measured interviews are new ones with only their own answers
            wait_for(lambda warm=warm: recommended(state, warm))
            interview_id, asked = new_interview(state, args.answers)
            started = time.perf_counter()
            for question_id, path in zip(asked, paths, strict=True):
                _upload(state, interview_id, question_id, path, args.seconds)
            submit(state, interview_id)
            wait_for(lambda interview_id=interview_id: recommended(state, interview_id))
            results[f"batch_{concurrency}"] = time.perf_counter() - started
            results[f"stages_{concurrency}"] = stage_seconds(state, interview_id)
            if concurrency == 2:
                latencies = []
                for _round in range(args.rounds):
                    interview_id, asked = new_interview(state, args.answers)
                    for index, (question_id, path) in enumerate(zip(asked, paths, strict=True)):
                        if index == len(paths) - 1:
                            began = time.perf_counter()
                            _upload(state, interview_id, question_id, path, args.seconds)
                            submit(state, interview_id)
                            wait_for(lambda i=interview_id: recommended(state, i))
                            latencies.append(time.perf_counter() - began)
                        else:
                            _upload(state, interview_id, question_id, path, args.seconds)
                            wait_for(lambda i=interview_id, n=index + 1: analysed(state, i, n))
                results["last_answer_latency"] = latencies
                results["peak_rss_mb"] = tree_peak_rss_mb(worker.pid)
        finally:
            stop(worker)

    print(f"\ninterview: {args.answers} answers x {args.seconds:.0f} s = {minutes:.1f} min, 320x240 15 fps VP8+Opus")
    print("\ncompute per analyzer (from the analysis records, 2 workers), seconds per minute of interview:")
    for name, seconds in sorted(results["stages_2"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:<40} {seconds / minutes:7.2f}")
    print("compute per analyzer with 1 worker process (no other analysis running beside it):")
    for name, seconds in sorted(results["stages_1"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:<40} {seconds / minutes:7.2f}")
    print("direct calls, seconds per minute of interview:")
    for name, seconds in sorted(direct_per.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<40} {seconds / minutes:7.2f}")
    print("direct calls again after the platform runs (the machine is shared; both are shown):")
    direct_after, _per = direct(state, paths)
    print(f"  {direct_seconds:.1f} s before, {direct_after:.1f} s after")
    direct_seconds = (direct_seconds + direct_after) / 2
    batch2, batch1 = results["batch_2"], results["batch_1"]
    analysed_1 = sum(results["stages_1"].values())
    print(f"\n1 worker: {analysed_1:.1f} s inside the analyzers, {batch1 - analysed_1:.1f} s of platform work around "
          "them (decoding per analyzer, decryption, redaction, records, queue hand-offs)")
    print(f"\nbatch, 2 worker processes: {batch2:.1f} s for {minutes * 60:.0f} s of interview = "
          f"{batch2 / (minutes * 60):.3f}x real time (goal <= 0.25)")
    print(f"batch, 1 worker process:   {batch1:.1f} s; direct calls in one process: {direct_seconds:.1f} s (mean); "
          f"overhead ratio {batch1 / direct_seconds:.2f} (goal <= 1.2)")
    latencies = sorted(results["last_answer_latency"])
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
    print(f"last answer uploaded -> recommendation ready: median {statistics.median(latencies):.1f} s, "
          f"p95 {p95:.1f} s over {len(latencies)} interviews (goal p95 < 30 s)")
    print(f"peak memory of a worker process: {results['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
