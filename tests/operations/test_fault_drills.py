"""Fault drills on a running deployment (gunicorn with two processes, two workers): PostgreSQL restarted
mid-pipeline, Redis restarted (losing every message it held), a worker killed with SIGKILL mid-task, and the
media disk full while answers arrive. Simulated candidates behave as the candidate page does (retry, ask how
much arrived, continue). Afterwards nothing is lost, nothing is done twice, and the audit chain verifies.

PostgreSQL and Redis are private servers on their own ports (the machine's are never restarted); the full disk
is a real tmpfs mount (root only).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from candor.app import create_app
from candor.ops import simulate
from candor.state import get_state
from candor.tasks.models import WorkItem, WorkState

from .checks import assert_every_answer_analysed_once, progress, settled
from .deployment import (
    PrivatePostgres,
    PrivateRedis,
    create_database,
    gunicorn_available,
    wait_for,
)

CANDIDATES = 4
QUESTIONS = 2
#: A unit that was running when the database went away cannot record its failure; it is re-run when its lease
#: ends. The drills shorten the lease (default 15 minutes) so that this happens within the test.
LEASE_SECONDS = "20"


class Load:
    """The candidates' run in a thread, so that the test can break things meanwhile."""

    def __init__(self, site: Any, interviews: list[simulate.SeededInterview], recording: tuple[bytes, float]):
        self.result: tuple[simulate.Measurements, dict[int, list[int]]] | None = None
        self.failure: BaseException | None = None

        def run() -> None:
            try:
                self.result = asyncio.run(simulate.run_load(site.url, interviews, *recording, patience=180.0))
            except BaseException as exc:  # reported by join()
                self.failure = exc

        self.thread = threading.Thread(target=run, name="candidates")
        self.thread.start()

    def join(self) -> tuple[simulate.Measurements, dict[int, list[int]]]:
        self.thread.join(timeout=600)
        if self.failure is not None:
            raise self.failure
        assert self.result is not None, "the candidates did not finish"
        return self.result


def _running(state: Any) -> list[tuple[int, str]]:
    with state.db.transaction() as session:
        return list(session.execute(select(WorkItem.id, WorkItem.claimed_by)
                                    .where(WorkItem.state == WorkState.RUNNING)).all())


def _claimed_by(state: Any, pid: int) -> dict[int, int]:
    """The units a worker (or one of its pool processes) is running, with their attempts so far."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = {pid, *(int(p) for p in children.read_text().split())} if children.exists() else {pid}
    with state.db.transaction() as session:
        rows = session.execute(select(WorkItem.id, WorkItem.claimed_by, WorkItem.attempts)
                               .where(WorkItem.state == WorkState.RUNNING)).all()
    return {unit: attempts for unit, holder, attempts in rows if holder and int(holder.rsplit(":", 1)[1]) in pids}


def _states(state: Any, units: Iterable[int]) -> dict[int, tuple[str, int]]:
    """Each unit's state and attempts."""
    with state.db.transaction() as session:
        rows = session.execute(select(WorkItem.id, WorkItem.state, WorkItem.attempts)
                               .where(WorkItem.id.in_(list(units)))).all()
    return {unit: (state_, attempts) for unit, state_, attempts in rows}


def _requirements(postgres: bool = False, redis: bool = False) -> None:
    if not gunicorn_available():
        pytest.skip("gunicorn is not installed (pip install -e '.[deploy]')")
    if postgres and not PrivatePostgres.available():
        pytest.skip("initdb/postgres (Debian postgresql) are not installed")
    if redis and not PrivateRedis.available():
        pytest.skip("redis-server is not installed")


@pytest.fixture
def private_postgres() -> Any:
    _requirements(postgres=True)
    server = PrivatePostgres().init().start()
    yield server
    server.destroy()


@pytest.fixture
def private_redis(tmp_path: Path) -> Any:
    _requirements(redis=True)
    folder = tmp_path / "redis"
    folder.mkdir()
    server = PrivateRedis(folder).start()
    yield server
    server.stop()


def _site(deployment_factory: Any, database_url: str, broker_url: str, **options: Any) -> tuple[Any, Any, Any]:
    site = deployment_factory(database_url, broker_url, settings={"CANDOR_WORK_LEASE_SECONDS": LEASE_SECONDS},
                              **options).start(workers=2)
    app = create_app(site.app_settings())
    return site, app, get_state(app)


def _finish(site: Any, state: Any, *loads: Load) -> tuple[simulate.Measurements, dict[str, int]]:
    measured, accepted = loads[0].join()
    for load in loads[1:]:
        more, more_accepted = load.join()
        measured.errors += more.errors
        accepted.update(more_accepted)
    assert sum(len(a) for a in accepted.values()) == CANDIDATES * QUESTIONS * len(loads), measured.errors
    ids = list(accepted)
    wait_for(lambda: settled(state, ids), 600, "every interview to reach the review queue",
             lambda: progress(state) + "\n" + site.logs())
    figures = assert_every_answer_analysed_once(state, accepted)
    verified = site.cli("audit", "verify", "--db")
    assert verified.stdout.startswith("OK"), verified.stdout + verified.stderr
    return measured, figures


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_postgresql_restarted_mid_pipeline(deployment_factory, private_postgres, recording) -> None:
    from candor.testing import REDIS_URL, redis_available

    if not redis_available():
        pytest.skip("Redis does not answer")
    database = create_database(private_postgres.admin_url)
    site, app, state = _site(deployment_factory, database, REDIS_URL.rsplit("/", 1)[0] + "/11")
    try:
        interviews = simulate.seed_interviews(state, 2 * CANDIDATES, questions=QUESTIONS)
        first = Load(site, interviews[:CANDIDATES], recording)
        wait_for(lambda: _running(state), 120, "the pipeline to start", site.logs)
        state.db.engine.dispose()
        private_postgres.stop()  # sessions cut mid-analysis
        second = Load(site, interviews[CANDIDATES:], recording)  # these candidates arrive during the outage
        time.sleep(4)
        private_postgres.start()
        measured, _figures = _finish(site, state, first, second)
        assert measured.errors, "the outage went unnoticed: the drill did not exercise anything"
    finally:
        state.db.dispose()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_redis_restarted_losing_its_messages(deployment_factory, fresh_database, private_redis, recording) -> None:
    site, app, state = _site(deployment_factory, fresh_database, private_redis.url)
    try:
        interviews = simulate.seed_interviews(state, CANDIDATES, questions=QUESTIONS)
        load = Load(site, interviews, recording)
        wait_for(lambda: _running(state), 120, "the pipeline to start", site.logs)
        private_redis.restart(down_seconds=3)  # no persistence: every queued message is gone
        measured, _figures = _finish(site, state, load)
        assert measured.errors == [], measured.errors  # uploads do not need the broker
    finally:
        state.db.dispose()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_worker_killed_with_sigkill_mid_task(deployment_factory, fresh_database, shared_services,
                                             recording) -> None:
    site, app, state = _site(deployment_factory, fresh_database, shared_services[1])
    try:
        interviews = simulate.seed_interviews(state, CANDIDATES, questions=QUESTIONS)
        load = Load(site, interviews, recording)
        interrupted: dict[int, int] = {}  # unit id -> its attempts when the worker running it was killed
        for _ in range(3):
            victim = next(worker for worker in site.workers if worker.alive())
            claimed = wait_for(lambda v=victim: _claimed_by(state, v.pid), 180, "a worker to run a unit", site.logs)
            victim.kill()  # SIGKILL to the whole worker, its pool children included
            after = _states(state, claimed)
            # A unit may finish in the moment between reading the claims and the kill: that one was not cut off.
            interrupted = {unit: attempts for unit, attempts in claimed.items()
                           if after[unit] != (WorkState.DONE, attempts)}
            site.start_worker()
            if interrupted:
                break
        assert interrupted, "every claimed unit finished before its worker was killed, three times"
        _finish(site, state, load)
        rerun = _states(state, interrupted)
        assert all(state_ == WorkState.DONE and attempts > interrupted[unit]
                   for unit, (state_, attempts) in rerun.items()), (interrupted, rerun)
    finally:
        state.db.dispose()


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def _server_errors(url: str) -> float:
    import httpx

    total = 0.0
    for family in text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=10).text):
        if family.name == "candor_http_requests":
            total += sum(s.value for s in family.samples
                         if s.name.endswith("_total") and s.labels["status"] == "5xx")
    return total


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_media_disk_full_while_answers_arrive(deployment_factory, fresh_database, shared_services, recording,
                                             tmp_path: Path) -> None:
    media = tmp_path / "media-volume"
    if not _mount_tmpfs(media, "600k"):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    site = None
    try:
        config = f'[plugin_settings.local_storage]\nfolder = "{media}"\n'
        site = deployment_factory(fresh_database, shared_services[1], config=config,
                                  settings={"CANDOR_WORK_LEASE_SECONDS": LEASE_SECONDS}).start(workers=2)
        app = create_app({**site.app_settings(), "plugin_settings": {"local_storage": {"folder": str(media)}}})
        state = get_state(app)
        try:
            interviews = simulate.seed_interviews(state, CANDIDATES, questions=QUESTIONS)
            load = Load(site, interviews, recording)
            wait_for(lambda: _server_errors(site.url) > 0, 180, "the disk to fill up (an upload refused)",
                     site.logs)
            subprocess.run(["mount", "-o", "remount,size=64m", str(media)], check=True)  # the operator adds space
            measured, _figures = _finish(site, state, load)
            assert any(label == "candidate.answer_piece" for label, _status in measured.errors)
            leftovers = [p.name for p in media.rglob(".part-*")]
            assert leftovers == [], f"half-written files left behind: {leftovers}"
        finally:
            state.db.dispose()
    finally:
        if site is not None:
            site.stop()  # before the volume goes away under it
        with contextlib.suppress(Exception):
            subprocess.run(["umount", "-l", str(media)], check=False)
