"""A real worker process is killed with SIGKILL while the receiver holds a delivery open; after a restart
every event is accepted exactly once by the receiver (it deduplicates the re-sent one by ``webhook-id``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from candor.outbox import OutboxEvent, OutboxState, emit

from .helpers import SECRET


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "candor.cli", "worker"], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_sigkill_mid_delivery_then_every_event_accepted_exactly_once(candor_settings, state, receiver,
                                                                    tmp_path: Path) -> None:
    config = tmp_path / "candor.toml"
    config.write_text(
        "outbox_backoff_base_seconds = 0.05\noutbox_backoff_cap_seconds = 0.5\n"
        f'[plugin_settings.webhooks]\nurl = "{receiver.url}"\nsecrets = "{SECRET}"\nregion = "EU"\n'
        "timeout = 30.0\n")
    env = {**os.environ, "CANDOR_CONFIG": str(config), "CANDOR_DATA_DIR": str(candor_settings["data_dir"]),
           "CANDOR_DATABASE_URL": candor_settings["database_url"],
           "CANDOR_QUEUE_NAME": candor_settings["queue_name"], "CANDOR_SWEEP_INTERVAL_SECONDS": "1",
           "CANDOR_WORKER_CONCURRENCY": "2", "CANDOR_LOG_LEVEL": "WARNING"}
    log = tmp_path / "worker.log"

    receiver.delay = 30.0  # hold the first deliveries open: the worker is inside push_event when it dies
    with state.db.transaction() as session:
        ids = [i for n in range(3) for i in emit(session, "data.erased", "candidate:5", {"seq": n})]
        ids += [i for n in range(4) for i in emit(session, "data.erased", f"candidate:{10 + n}", {"seq": 0})]

    first = _worker(env, log)
    try:
        _wait(lambda: receiver.requests >= 1, 60, "a delivery to reach the receiver", log)
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the whole worker, children included, as in a power cut
        first.wait()
    held_open = len(receiver.accepted)
    assert held_open >= 1  # the receiver stored at least one event whose acknowledgement never arrived
    receiver.delay = 0.0

    def delivered() -> bool:
        with state.db.transaction() as session:
            states = session.scalars(select(OutboxEvent.state).where(OutboxEvent.id.in_(ids))).all()
        return all(s == OutboxState.DELIVERED for s in states)

    second = _worker(env, log)
    try:
        _wait(delivered, 120, "every event to be delivered after the restart", log)
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(second.pid, signal.SIGKILL)

    with state.db.transaction() as session:
        keys = session.scalars(select(OutboxEvent.idempotency_key).where(OutboxEvent.id.in_(ids))).all()
    assert sorted(receiver.accepted) == sorted(keys)  # each event accepted exactly once
    assert receiver.duplicates >= 1  # the interrupted ones were sent again and recognised
    assert receiver.rejected == 0
    seqs = [receiver.accepted[k]["data"]["seq"] for k in receiver.order
            if receiver.accepted[k]["data"]["subject"] == "candidate:5"]
    assert seqs == [0, 1, 2]
