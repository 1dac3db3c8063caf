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
        victim = site.workers[0]

        def claimed_by_victim() -> list[int]:
            children = Path(f"/proc/{victim.pid}/task/{victim.pid}/children")
            pids = {victim.pid, *(int(p) for p in children.read_text().split())} if children.exists() else set()
            return [item for item, holder in _running(state) if holder and int(holder.rsplit(":", 1)[1]) in pids]

        killed = wait_for(claimed_by_victim, 180, "the first worker to run a unit", site.logs)
        victim.kill()  # SIGKILL to the whole worker, its pool children included
        site.start_worker()
        _finish(site, state, load)
        with state.db.transaction() as session:
            rerun = session.scalars(select(WorkItem).where(WorkItem.id.in_(killed))).all()
        assert all(item.state == WorkState.DONE and item.attempts >= 2 for item in rerun)
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
