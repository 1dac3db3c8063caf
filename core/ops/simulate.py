"""Simulated candidates and reviewers that use a running platform over HTTP exactly as people do.

Used by the load benchmark (``bench/load_bench.py``), the multi-process deployment and fault-drill tests
(``tests/operations``), and by operators who want a smoke test of a new deployment. A candidate reads the notice,
consents, records each question (one WebM made once with ``candor.demo.media`` and sent for every answer, each
copy encrypted separately by the server), uploads it in pieces as the candidate page does (256 KiB by default)
and finishes the interview. When a request fails it behaves like the page: it waits, asks how much of the
recording arrived and continues from there, so a restarted database or web process costs time, not answers.
Reviewers read the review queue, interview details and pipeline progress while candidates upload.

Every request's latency and status is recorded by endpoint label (never by URL: URLs carry ids). This module
creates interviews and reviewer tokens directly in the database (``seed_interviews``, ``reviewer_token``);
everything else goes through HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from candor.state import CandorState

#: The candidate page's preferred piece size (``PREFERRED_CHUNK`` in ``interviews/static/interview.js``).
PAGE_CHUNK_BYTES = 256 * 1024
MIME_TYPE = "video/webm;codecs=vp8,opus"
SPOKEN = ("I listened to the customer, checked the billing records and refunded the double charge the same day. "
          "As a result complaints fell by thirty percent.")


@dataclass(frozen=True)
class Pacing:
    """How fast a person goes through the interview. ``None`` in its place means no pauses at all (a burst: every
    candidate sends their next request the moment the last one answered, which saturates any server).

    People read the notice, think before answering and record in real time (an answer cannot be uploaded before
    it has been spoken); the page then uploads the recording at the speed of the phone's uplink. Times are drawn
    uniformly from each range so that candidates who start together drift apart, as they do in life.
    """

    start_within: float = 10.0  # seconds over which candidates open their links
    reading: tuple[float, float] = (5.0, 15.0)  # the notice and consent
    thinking: tuple[float, float] = (3.0, 8.0)  # before each answer
    uplink_bytes_per_second: float = 500_000.0  # about 4 Mbit/s, a mobile connection
    seed: int = 7

    def rng(self, who: int) -> random.Random:
        return random.Random(self.seed * 1_000_003 + who)  # noqa: S311 - simulated timing, not a secret


async def _pause(rng: random.Random | None, span: tuple[float, float]) -> None:
    if rng is not None:
        await asyncio.sleep(rng.uniform(*span))


@dataclass(frozen=True)
class SeededInterview:
    interview_id: int
    candidate_id: int
    token: str


def seed_interviews(state: CandorState, count: int, *, questions: int = 2, answer_seconds: int = 60,
                    batch: int = 50) -> list[SeededInterview]:
    """``count`` open interviews of the demo job, each with its candidate link token.

    The first is the demo's own interview (``candor.demo.seed_demo``, which also makes the job and approves its
    questions); the others are applicants taken in through the normal intake, questions pinned.
    """
    from candor.demo import seed_demo
    from candor.interviews.links import issue_link_token
    from candor.interviews.models import Interview
    from candor.interviews.states import InterviewState
    from candor.recruiting.intake import intake_applicant

    seeded: list[SeededInterview] = []
    with state.db.transaction() as session:
        demo = seed_demo(state, session, questions=questions, answer_seconds=answer_seconds, think_seconds=0)
        interview = session.get(Interview, demo.interview_id)
        seeded.append(SeededInterview(demo.interview_id, interview.candidate_id, demo.token))
        job_id = demo.job_id
    run = secrets.token_hex(4)
    while len(seeded) < count:
        with state.db.transaction() as session:
            for _ in range(min(batch, count - len(seeded))):
                number = len(seeded)
                interview = intake_applicant(
                    state, session, job_id=job_id, external_ref=f"sim-{run}-{number}",
                    full_name=f"Simulated Candidate {number}", email=f"sim-{run}-{number}@example.invalid",
                    source="manual")
                if interview.state == InterviewState.CREATED:
                    interview.move_to(InterviewState.INVITED, actor="system:simulation", reason="link issued")
                token = issue_link_token(state.app_secret, interview)
                session.flush()
                seeded.append(SeededInterview(interview.id, interview.candidate_id, token))
    return seeded


def reviewer_token(state: CandorState, *, email: str | None = None) -> str:
    """An API token of a new reviewer account, scoped to what browsing needs."""
    from candor.auth.models import Role, User
    from candor.auth.passwords import hash_password
    from candor.auth.tokens import create_token

    with state.db.transaction() as session:
        user = User(email=email or f"reviewer-{secrets.token_hex(4)}@example.invalid", role=Role.REVIEWER,
                    password_hash=hash_password(secrets.token_urlsafe(24)))
        session.add(user)
        session.flush()
        plaintext, _token = create_token(session, user, "load simulation",
                                         ["interviews:review", "candidates:read"], days=1)
    return plaintext


def make_recording(folder: Path, seconds: float = 3.0) -> tuple[bytes, float]:
    """A short answer as the candidate page records it (WebM, VP8 + Opus, 320x240): the piper voice over the
    packaged face. Returns its bytes and length in seconds."""
    from candor.demo.media import speak, write_recording

    samples, rate = speak(SPOKEN)
    samples = samples[: int(rate * max(0.5, seconds - 0.3))]
    path = folder / "simulated-answer.webm"
    length = write_recording(path, samples, rate, seconds=seconds)
    return path.read_bytes(), length


# --- measuring ------------------------------------------------------------------------------------------------


@dataclass
class Measurements:
    """Latency and status of every request, by endpoint label; errors are unexpected statuses or failures."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (label, status or exception type)
    requests: int = 0
    answers_accepted: int = 0  # the last piece answered 200 with the answer uploaded
    uploaded_bytes: int = 0
    interviews_completed: int = 0
    loop_lag: list[float] = field(default_factory=list)  # how late this process's own event loop woke up
    started: float = field(default_factory=time.perf_counter)
    finished: float = 0.0

    def note(self, label: str, seconds: float) -> None:
        self.requests += 1
        self.latencies.setdefault(label, []).append(seconds)

    def all_latencies(self, prefix: str = "") -> list[float]:
        return [s for label, values in self.latencies.items() if label.startswith(prefix) for s in values]

    @staticmethod
    def percentile(values: Sequence[float], q: float) -> float:
        if not values:
            return 0.0
        ordered = sorted(values)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]

    def summary(self, prefix: str = "") -> dict[str, float]:
        values = self.all_latencies(prefix)
        return {"count": len(values), "p50_ms": 1000 * self.percentile(values, 50),
                "p95_ms": 1000 * self.percentile(values, 95), "p99_ms": 1000 * self.percentile(values, 99),
                "mean_ms": 1000 * (statistics.fmean(values) if values else 0.0)}


class _Session:
    """One person's HTTP calls: timing, status checks and the retry-and-resume behaviour of the page."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], measurements: Measurements,
                 *, patience: float) -> None:
        self.client = client
        self.headers = headers
        self.m = measurements
        self.patience = patience

    async def call(self, label: str, method: str, url: str, *, expect: Sequence[int] = (200,),
                   retry: bool = True, **kwargs: Any) -> httpx.Response:
        deadline = time.monotonic() + self.patience
        pause = 0.2
        headers = {**self.headers, **kwargs.pop("extra", {})}
        while True:
            started = time.perf_counter()
            problem = ""
            try:
                response = await self.client.request(method, url, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            else:
                self.m.note(label, time.perf_counter() - started)
                if response.status_code in expect:
                    return response
                problem = str(response.status_code)
                if response.status_code < 500 and response.status_code != 429:
                    self.m.errors.append((label, problem))
                    return response  # the caller decides (e.g. 409: continue where the server is)
            self.m.errors.append((label, problem))
            if not retry or time.monotonic() > deadline:
                raise RuntimeError(f"{label}: giving up after {problem}")
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 1.5)


async def take_interview(client: httpx.AsyncClient, seeded: SeededInterview, recording: bytes, seconds: float,
                         measurements: Measurements, *, chunk: int = PAGE_CHUNK_BYTES, complete: bool = True,
                         patience: float = 120.0, pacing: Pacing | None = None) -> list[int]:
    """One candidate's whole interview over HTTP; returns the ids of the answers the server accepted."""
    rng = pacing.rng(seeded.interview_id) if pacing else None
    if pacing:
        await _pause(rng, (0.0, pacing.start_within))
    person = _Session(client, {"Authorization": f"Candidate {seeded.token}"}, measurements, patience=patience)
    await person.call("candidate.interview", "GET", "/api/v1/candidate/interview")
    notice = (await person.call("candidate.notice", "GET", "/api/v1/candidate/notice")).json()
    if pacing:
        await _pause(rng, pacing.reading)
    decisions = {p["purpose"]: True for p in notice["purposes"]}
    await person.call("candidate.consent", "POST", "/api/v1/candidate/consent", expect=(201,),
                      json={"notice_hash": notice["hash"], "language": "en", "decisions": decisions})
    accepted: list[int] = []
    waited_since = None
    while True:
        view = (await person.call("candidate.interview", "GET", "/api/v1/candidate/interview")).json()
        question = view["next_question_id"]
        if question is None:
            if not view["follow_up_pending"]:
                break
            waited_since = waited_since or time.monotonic()
            if time.monotonic() - waited_since > 60:  # the page also stops waiting for a follow-up
                break
            await asyncio.sleep(1.0)
            continue
        waited_since = None
        if pacing:
            await _pause(rng, pacing.thinking)
            await asyncio.sleep(seconds)  # speaking the answer
        answer_id = await _answer(person, question, recording, seconds, chunk,
                                  pacing.uplink_bytes_per_second if pacing else None)
        if answer_id is not None:
            accepted.append(answer_id)
            measurements.answers_accepted += 1
            measurements.uploaded_bytes += len(recording)
    if complete:
        await person.call("candidate.complete", "POST", "/api/v1/candidate/complete")
        measurements.interviews_completed += 1
    return accepted


async def _answer(person: _Session, question_id: int, data: bytes, seconds: float, chunk: int,
                  uplink: float | None = None) -> int | None:
    created = await person.call("candidate.answer_create", "POST", f"/api/v1/candidate/questions/{question_id}/answers",
                                expect=(201,), json={"mime_type": MIME_TYPE, "total_bytes": len(data),
                                                     "recorded_seconds": seconds})
    if created.status_code != 201:
        return None
    answer = created.json()["answer"]
    offset = 0
    while offset < len(data):
        piece = data[offset : offset + chunk]
        if uplink:
            await asyncio.sleep(len(piece) / uplink)  # the piece travelling over the candidate's connection
        reply = await person.call(
            "candidate.answer_piece", "PUT", f"/api/v1/candidate/answers/{answer['id']}/content", content=piece,
            extra={"Content-Type": "application/octet-stream",
                   "Content-Range": f"bytes {offset}-{offset + len(piece) - 1}/{len(data)}"})
        if reply.status_code == 200:
            answer = reply.json()["answer"]
            offset = answer["received_bytes"] if answer["state"] == "uploading" else len(data)
            continue
        # Out of step (a piece stored before its answer was lost, or sent twice): ask the server where it is.
        current = (await person.call("candidate.answer_status", "GET",
                                     f"/api/v1/candidate/answers/{answer['id']}")).json()["answer"]
        if current["state"] != "uploading":
            answer = current
            break
        offset = current["received_bytes"]
    return int(answer["id"]) if answer["state"] in ("uploaded", "processing", "analysed") else None


async def browse(client: httpx.AsyncClient, token: str, measurements: Measurements, stop: asyncio.Event,
                 *, interview_ids: Sequence[int] = (), pause: float = 0.2) -> None:
    """A reviewer reading the review queue, interview details and pipeline progress until ``stop`` is set."""
    person = _Session(client, {"Authorization": f"Bearer {token}"}, measurements, patience=30.0)
    turn = 0
    while not stop.is_set():
        queue = (await person.call("review.queue", "GET", "/api/v1/review/queue")).json().get("interviews", [])
        for item in queue[:2]:
            await person.call("review.detail", "GET", f"/api/v1/review/interviews/{item['id']}")
        if interview_ids:
            chosen = interview_ids[turn % len(interview_ids)]
            await person.call("review.progress", "GET", f"/api/v1/interviews/{chosen}/progress")
        turn += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)


async def _watch_loop(measurements: Measurements, stop: asyncio.Event, tick: float = 0.01) -> None:
    """Record how late a short sleep wakes up: the simulated clients' own delay, part of every latency they
    measure when they share the server's cores (on a busy machine the event loop waits for the CPU too)."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(tick)
        measurements.loop_lag.append(max(0.0, time.perf_counter() - started - tick))


async def run_load(base_url: str, interviews: Sequence[SeededInterview], recording: bytes, seconds: float, *,
                   reviewer_tokens: Sequence[str] = (), chunk: int = PAGE_CHUNK_BYTES,
                   concurrency: int | None = None, patience: float = 120.0, timeout: float = 60.0,
                   pacing: Pacing | None = None) -> tuple[Measurements, dict[int, list[int]]]:
    """Every candidate takes their interview at once (at most ``concurrency`` at a time) while reviewers browse;
    with ``pacing`` they go at people's speed, without it as fast as the server answers.

    :returns: the measurements and, per interview id, the answer ids the server accepted.
    """
    measurements = Measurements()
    limits = httpx.Limits(max_connections=(concurrency or len(interviews)) + len(reviewer_tokens) + 4,
                          max_keepalive_connections=64)
    accepted: dict[int, list[int]] = {}
    gate = asyncio.Semaphore(concurrency or len(interviews))
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits) as client:
        stop = asyncio.Event()
        ids = [seeded.interview_id for seeded in interviews]
        readers = [asyncio.create_task(browse(client, token, measurements, stop, interview_ids=ids))
                   for token in reviewer_tokens]
        readers.append(asyncio.create_task(_watch_loop(measurements, stop)))

        async def candidate(seeded: SeededInterview) -> None:
            async with gate:
                try:
                    accepted[seeded.interview_id] = await take_interview(
                        client, seeded, recording, seconds, measurements, chunk=chunk, patience=patience,
                        pacing=pacing)
                except RuntimeError as exc:
                    measurements.errors.append(("candidate.gave_up", str(exc)[:80]))

        await asyncio.gather(*(candidate(seeded) for seeded in interviews))
        measurements.finished = time.perf_counter()
        stop.set()
        await asyncio.gather(*readers, return_exceptions=True)
    return measurements, accepted
