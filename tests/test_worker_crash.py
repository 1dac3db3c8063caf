"""A real worker process is killed with SIGKILL in the middle of a unit of work; after a restart every unit
completes exactly once. On the embedded broker and, when it answers, on Redis; on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from candor.app import create_app
from candor.state import get_state
from candor.tasks import WorkState, enqueue
from candor.tasks.models import WorkItem
from candor.testing import REDIS_URL, redis_available

PROBE = textwrap.dedent('''
    """Work that blocks until the test releases it, so the test can kill the worker mid-task."""
    import os
    import pathlib
    import time

    from candor import PluginDeclaration, hookimpl


    @hookimpl
    def candor_declare():
        return PluginDeclaration(name="crash_probe", title="Crash probe", capabilities=frozenset({"background_work"}))


    @hookimpl
    def candor_register_work_handlers(settings):
        return {"crash_probe.slow": slow, "crash_probe.quick": quick}


    def slow(context):
        folder = pathlib.Path(context.payload["folder"])
        (folder / f"started-{context.item_id}-{context.attempt}-{os.getpid()}").touch()
        while not (folder / "release").exists():
            time.sleep(0.05)
        return {"attempt": context.attempt}


    def quick(context):
        folder = pathlib.Path(context.payload["folder"])
        (folder / f"ran-{context.item_id}-{context.attempt}").touch()
        return {"n": context.payload["n"]}
''')


@pytest.fixture(params=["embedded", "redis"])
def broker_url(request) -> str:
    if request.param == "embedded":
        return ""
    if not redis_available():
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def setup(tmp_path: Path, candor_settings, broker_url, monkeypatch):
    plugin_dir = tmp_path / "plugin"
    plugin_dir.mkdir()
    (plugin_dir / "crash_probe.py").write_text(PROBE)
    monkeypatch.syspath_prepend(str(plugin_dir))
    settings = {**candor_settings, "broker_url": broker_url, "plugin_modules": ["crash_probe"],
                "sweep_interval_seconds": 1, "worker_concurrency": 2}
    env = {
        **os.environ,
        "PYTHONPATH": str(plugin_dir),
        "CANDOR_DATA_DIR": str(settings["data_dir"]),
        "CANDOR_DATABASE_URL": settings["database_url"],
        "CANDOR_BROKER_URL": broker_url,
        "CANDOR_QUEUE_NAME": settings["queue_name"],
        "CANDOR_PLUGIN_MODULES": "crash_probe",
        "CANDOR_SWEEP_INTERVAL_SECONDS": "1",
        "CANDOR_WORKER_CONCURRENCY": "2",
        "CANDOR_LOG_LEVEL": "WARNING",
    }
    app = create_app(settings)
    yield app, env, tmp_path
    get_state(app).db.dispose()


def _start_worker(env, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "candor.cli", "worker"], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _items(app) -> dict[int, WorkItem]:
    with get_state(app).db.transaction() as session:
        return {item.id: item for item in session.query(WorkItem).all()}


def _wait_for(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_kill_minus_nine_mid_task_loses_nothing(setup):
    app, env, tmp = setup
    state = get_state(app)
    folder = tmp / "marks"
    folder.mkdir()
    log = tmp / "worker.log"

    with state.db.transaction() as session:
        slow_id = enqueue(session, "crash_probe.slow", {"folder": str(folder)}).id
        quick_ids = [enqueue(session, "crash_probe.quick", {"folder": str(folder), "n": n}).id for n in range(3)]

    first = _start_worker(env, log)
    try:
        _wait_for(lambda: _items(app)[slow_id].state == WorkState.RUNNING, 60, "the slow unit to start", log)
        _wait_for(lambda: all(_items(app)[i].state == WorkState.DONE for i in quick_ids), 60,
                  "the quick units", log)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker, children included, as in a power cut
        first.wait()
    assert _items(app)[slow_id].state == WorkState.RUNNING  # the database still says it was running

    # Work arrives while no worker runs; the broker (or the sweep) must deliver it later.
    with state.db.transaction() as session:
        late_ids = [enqueue(session, "crash_probe.quick", {"folder": str(folder), "n": n}).id for n in (10, 11)]
    (folder / "release").touch()

    second = _start_worker(env, log)
    try:
        everything = [slow_id, *quick_ids, *late_ids]
        _wait_for(lambda: all(_items(app)[i].state == WorkState.DONE for i in everything), 90,
                  "every unit after the restart", log)
    finally:
        second.send_signal(signal.SIGTERM)  # to the main process, as an operator or systemd stops it
        try:
            second.wait(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(second.pid, signal.SIGKILL)  # whatever is left of the group

    items = _items(app)
    assert items[slow_id].attempts == 2
    assert items[slow_id].result == {"attempt": 2}
    started = sorted(p.name.split("-")[2] for p in folder.glob(f"started-{slow_id}-*"))
    assert started == ["1", "2"]  # it ran, was killed, and ran again
    for item_id in quick_ids + late_ids:
        assert items[item_id].attempts == 1, "a unit ran twice"
        assert [p.name for p in folder.glob(f"ran-{item_id}-*")] == [f"ran-{item_id}-1"]
