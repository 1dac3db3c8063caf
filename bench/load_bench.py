"""Many candidates at once: N simulated candidates upload their answers concurrently while reviewers browse.

The deployment is the one an operator runs on one machine: gunicorn (2 processes x 16 threads), 2 ``candor worker``
processes at ``worker_cpu_priority = "idle"`` (analysis takes the CPU time requests leave), the recovery sweep at
its production pace, PostgreSQL and Redis (the machine's, a fresh database per run). Each candidate reads the notice,
consents, uploads every answer in 256 KiB pieces (the candidate page's size) and finishes; two reviewers read the
review queue, interview details and pipeline progress all the while.

Candidates go at people's pace by default (``candor.ops.simulate.Pacing``): they open their links within the first
10 s, read the notice for 5-15 s, think 3-8 s before each answer, speak it in real time and upload it over a
4 Mbit/s uplink. ``--burst`` drops every pause: each candidate sends the next request the moment the last one is
answered, which saturates the server and measures its capacity rather than the latency people see.

Recordings are SMALL on purpose (3 s WebM, ~90 KB, so one piece each) to keep the run short: the API and the queue
are measured here, not the analyzers (bench/pipeline_bench.py measures those). Short answers make the paced load
heavier than real interviews, not lighter: each candidate finishes an answer every 10 s or so instead of every
minute or two. With ``--light`` (default) the video analyzers are disabled so the
backlog drains in minutes; speech-to-text, delivery and competency scoring still run on every answer.

It reports, per N (default 50 then 200):
- throughput: answers accepted per second and MB uploaded per second while candidates upload;
- API latency p50/p95/p99 (all requests, candidate requests, reviewer requests) as the simulated people see it,
  goal p95 < 300 ms at N=200, with each endpoint's p50/p95, and the p95 inside the app from the web processes'
  own histogram (``/metrics``): the difference is time waiting for a free thread, and the simulated clients'
  own delays on the same cores (reported too: how late their event loop wakes up, p95);
- backlog drain: seconds from the last upload until every interview waits for review;
- errors (unexpected statuses) and lost answers (accepted but not analysed), goal zero;
and how each figure grows from the first N to the last (the ratio; N grows 4x).

Run: .venv/bin/python bench/load_bench.py [--candidates 50 200] [--questions 2] [--full] [--burst]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from candor.app import create_app  # noqa: E402
from candor.interviews.models import Answer, AnswerState  # noqa: E402
from candor.ops import simulate  # noqa: E402
from candor.state import get_state  # noqa: E402
from candor.testing import REDIS_URL, postgres_available, redis_available  # noqa: E402
from tests.operations.checks import settled  # noqa: E402
from tests.operations.deployment import (  # noqa: E402
    Deployment,
    create_database,
    drop_database,
    gunicorn_available,
    shared_postgres_admin_url,
)


def server_latency(url: str) -> dict[str, float]:
    """The web processes' own request-duration histogram (``/metrics``, summed over processes) for the API: time
    spent answering inside the app, without the wait for a free thread or the simulated clients' own delays."""
    buckets: dict[float, float] = {}
    text = httpx.get(f"{url}/metrics", timeout=30).text
    for family in text_string_to_metric_families(text):
        if family.name != "candor_http_request_duration_seconds":
            continue
        for sample in family.samples:
            endpoint = sample.labels.get("endpoint", "")
            if sample.name.endswith("_bucket") and endpoint.startswith(("interview_api.", "consent.", "review.")):
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    bounds = sorted(buckets)
    total = buckets.get(float("inf"), 0.0)
    if not total:
        return {"count": 0, "p95_ms": float("nan"), "under_300ms": float("nan")}
    # Linear within the first bucket that holds the 95th percentile, as Prometheus' histogram_quantile (the +Inf
    # bucket holds every request, so one always does).
    wanted = 0.95 * total
    bound = next(b for b in bounds if buckets[b] >= wanted)
    index = bounds.index(bound)
    previous, below = (bounds[index - 1], buckets[bounds[index - 1]]) if index else (0.0, 0.0)
    inside = buckets[bound] - below
    p95 = bound if bound == float("inf") else previous + (bound - previous) * (wanted - below) / inside
    return {"count": total, "p95_ms": 1000 * p95, "under_300ms": buckets.get(0.3, 0.0) / total}


def run_once(n: int, questions: int, light: bool, recording: tuple[bytes, float], folder: Path,
             args: argparse.Namespace, pacing: simulate.Pacing | None) -> dict[str, Any]:
    database = create_database(shared_postgres_admin_url())
    # The sweep at its production pace (the test deployment sweeps every second for quick fault drills, which
    # under a long backlog re-sends every waiting unit every few seconds).
    settings = {"CANDOR_SWEEP_INTERVAL_SECONDS": "30", "CANDOR_WORK_STALE_SECONDS": "120",
                "CANDOR_WORKER_CPU_PRIORITY": args.worker_priority}
    if light:
        settings["CANDOR_PLUGINS_DISABLE"] = "video_cues,expression_cues"
    site = Deployment(folder / f"n{n}", database, REDIS_URL.rsplit("/", 1)[0] + "/12",
                      web_processes=args.web_processes, web_threads=args.web_threads, worker_concurrency=1,
                      settings=settings)
    try:
        site.start(workers=2)
        app = create_app(site.app_settings())
        state = get_state(app)
        interviews = simulate.seed_interviews(state, n, questions=questions)
        tokens = [simulate.reviewer_token(state) for _ in range(2)]
        measured, accepted = asyncio.run(simulate.run_load(site.url, interviews, *recording, reviewer_tokens=tokens,
                                                               pacing=pacing))
        uploads_done = time.perf_counter()
        served = server_latency(site.url)
        ids = [seeded.interview_id for seeded in interviews]
        while not settled(state, ids):
            if time.perf_counter() - uploads_done > 3600:
                break
            time.sleep(1.0)
        drain = time.perf_counter() - uploads_done
        answer_ids = [a for answers in accepted.values() for a in answers]
        with state.db.transaction() as session:
            analysed = session.scalar(select(func.count()).select_from(Answer).where(
                Answer.id.in_(answer_ids), Answer.state == AnswerState.ANALYSED)) or 0
        verified = site.cli("audit", "verify", "--db", check=False).stdout.strip()
        state.db.dispose()
        upload_seconds = measured.finished - measured.started
        return {
            "n": n, "answers": len(answer_ids), "expected": n * questions,
            "lost": n * questions - analysed, "errors": len(measured.errors),
            "error_kinds": sorted({f"{label}:{status}" for label, status in measured.errors})[:5],
            "upload_s": upload_seconds, "answers_per_s": len(answer_ids) / upload_seconds,
            "mb_per_s": measured.uploaded_bytes / 1e6 / upload_seconds, "requests": measured.requests,
            "all": measured.summary(), "candidate": measured.summary("candidate."),
            "reviewer": measured.summary("review."), "drain_s": drain, "audit": verified[:60],
            "by_label": {label: measured.summary(label) for label in sorted(measured.latencies)},
            "server": served,
            "loop_lag_p95_ms": 1000 * measured.percentile(measured.loop_lag, 95),
        }
    finally:
        site.stop()
        drop_database(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--questions", type=int, default=2)
    parser.add_argument("--full", action="store_true", help="Keep the video analyzers (slower drain).")
    parser.add_argument("--burst", action="store_true", help="No pauses: candidates as fast as the server answers.")
    parser.add_argument("--worker-priority", choices=["normal", "low", "idle"], default="idle",
                        help="worker_cpu_priority of the workers (normal: equal to the web processes).")
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=16)
    args = parser.parse_args()
    if not (gunicorn_available() and postgres_available() and redis_available()):
        sys.exit("Needs gunicorn (pip install -e '.[deploy]'), PostgreSQL and Redis on 127.0.0.1 (see candor.testing).")
    folder = Path(tempfile.mkdtemp(prefix="candor-load-"))
    recording = simulate.make_recording(folder, 3.0)
    pacing = None if args.burst else simulate.Pacing()
    print(f"recording: {len(recording[0])} bytes, {recording[1]:.1f} s; {args.questions} answers per candidate; "
          f"analyzers: {'all' if args.full else 'light (no video cues)'}; "
          f"workers at {args.worker_priority} CPU priority; web {args.web_processes}x{args.web_threads}; "
          f"candidates: {'burst (no pauses)' if pacing is None else 'at people pace'}")
    results = [run_once(n, args.questions, not args.full, recording, folder, args, pacing)
               for n in args.candidates]
    header = (f"{'N':>5} {'answers':>8} {'lost':>5} {'errors':>6} {'ans/s':>7} {'MB/s':>6} {'p50':>7} {'p95':>7} "
              f"{'p99':>7} {'cand p95':>9} {'rev p95':>8} {'drain s':>8}")
    print(header)
    for r in results:
        print(f"{r['n']:>5} {r['answers']:>8} {r['lost']:>5} {r['errors']:>6} {r['answers_per_s']:>7.1f} "
              f"{r['mb_per_s']:>6.2f} {r['all']['p50_ms']:>6.0f}ms {r['all']['p95_ms']:>6.0f}ms "
              f"{r['all']['p99_ms']:>6.0f}ms {r['candidate']['p95_ms']:>7.0f}ms {r['reviewer']['p95_ms']:>6.0f}ms "
              f"{r['drain_s']:>8.1f}")
        if r["error_kinds"]:
            print(f"      errors: {', '.join(r['error_kinds'])}")
        print(f"      audit: {r['audit']}")
        print(f"      inside the app (/metrics histogram, {r['server']['count']:.0f} API requests): p95 "
              f"{r['server']['p95_ms']:.0f} ms, {100 * r['server']['under_300ms']:.1f}% under 300 ms; the simulated "
              f"clients' event loop woke up late by {r['loop_lag_p95_ms']:.0f} ms at p95")
        print("      " + "; ".join(f"{label} {figures['count']:.0f}x p50 {figures['p50_ms']:.0f} p95 "
                                    f"{figures['p95_ms']:.0f} ms" for label, figures in r["by_label"].items()))
    if len(results) > 1:
        first, last = results[0], results[-1]
        scale = last["n"] / first["n"]
        print(f"\ngrowth from N={first['n']} to N={last['n']} ({scale:.0f}x candidates):")
        for name, a, b in (("throughput answers/s", first["answers_per_s"], last["answers_per_s"]),
                           ("p50 latency", first["all"]["p50_ms"], last["all"]["p50_ms"]),
                           ("p95 latency", first["all"]["p95_ms"], last["all"]["p95_ms"]),
                           ("p99 latency", first["all"]["p99_ms"], last["all"]["p99_ms"]),
                           ("backlog drain", first["drain_s"], last["drain_s"])):
            print(f"  {name:<22} {a:9.1f} -> {b:9.1f}  x{(b / a if a else float('nan')):.2f}")
    goal = results[-1]
    ok = goal["errors"] == 0 and goal["lost"] == 0 and goal["all"]["p95_ms"] < 300
    print(f"\ngoal at N={goal['n']} (zero errors, zero lost, p95 < 300 ms): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
