"""The platform as deployed on one machine with several processes: gunicorn with two web processes, two
``candor worker`` processes, PostgreSQL and Redis. Candidates take their interviews over HTTP while a reviewer
browses; what must be single stays single (audit chain, periodic jobs, each analysis, the outbox order), and
``/metrics`` sums the requests of both web processes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from candor.app import create_app
from candor.ops import simulate
from candor.state import get_state

from .checks import (
    assert_every_answer_analysed_once,
    assert_outbox_in_order,
    assert_periodic_jobs_once,
    progress,
    settled,
)
from .conftest import webhook_config
from .deployment import children_of, wait_for

CANDIDATES = 6


def _server_counts(url: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=10).text):
        if family.name == "candor_http_requests":
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    endpoint = sample.labels["endpoint"]
                    counts[endpoint] = counts.get(endpoint, 0) + sample.value
    return counts


def _group_nice(pid: int) -> int:
    """The nice value of the process's session scheduling group (``/autogroup-12 nice 19``)."""
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_several_web_and_worker_processes_keep_what_must_be_single(
        deployment_factory, fresh_database, shared_services, receiver, recording) -> None:
    site = deployment_factory(fresh_database, shared_services[1], config=webhook_config(receiver),
                              web_processes=2, worker_concurrency=1,
                              settings={"CANDOR_WORKER_CPU_PRIORITY": "idle"}).start(workers=2)
    assert len(site.web_pids()) == 2
    # Each worker leads a session of its own here (as under a service manager), so it lowers its session's
    # scheduling group, which its pool joins; the web keeps its priority (units' threads: test_work_queue).
    wait_for(lambda: all(children_of(worker.pid) for worker in site.workers), 60, "the workers' pools", site.logs)
    if Path("/proc/self/autogroup").exists():  # kernels built without session groups have nothing to lower
        for worker in site.workers:
            for pid in (worker.pid, *children_of(worker.pid)):
                assert _group_nice(pid) == 19, pid
        assert {_group_nice(pid) for pid in site.web_pids()} == {0}
    assert {os.sched_getscheduler(pid) for pid in site.web_pids()} == {os.SCHED_OTHER}
    app = create_app(site.app_settings())
    state = get_state(app)
    try:
        interviews = simulate.seed_interviews(state, CANDIDATES, questions=2)
        token = simulate.reviewer_token(state)
        data, seconds = recording
        measured, accepted = asyncio.run(simulate.run_load(site.url, interviews, data, seconds,
                                                           reviewer_tokens=[token]))
        assert measured.errors == [], measured.errors
        assert sum(len(a) for a in accepted.values()) == CANDIDATES * 2

        ids = [seeded.interview_id for seeded in interviews]
        wait_for(lambda: settled(state, ids), 600, "every interview to reach the review queue",
                 lambda: progress(state) + "\n" + site.logs())
        wait_for(lambda: len(receiver.order) >= 2 * CANDIDATES, 120, "the outbox to deliver", site.logs)

        assert_every_answer_analysed_once(state, accepted)
        assert assert_outbox_in_order(state, receiver, ids) == 2 * CANDIDATES  # completed, then result ready
        assert_periodic_jobs_once(state)
        verified = site.cli("audit", "verify", "--db")
        assert verified.stdout.startswith("OK"), verified.stdout

        # Both web processes' request counts are summed: the server counted what the candidates sent.
        served = _server_counts(site.url)
        candidate_calls = sum(v for k, v in served.items()
                              if k.startswith(("interview_api.", "consent.")) and k != "interview_api.progress")
        sent = sum(len(v) for k, v in measured.latencies.items() if k.startswith("candidate."))
        assert candidate_calls == sent
        assert served.get("review.queue", 0) == len(measured.latencies["review.queue"])
    finally:
        get_state(app).db.dispose()
