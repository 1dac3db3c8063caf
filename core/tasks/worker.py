"""Starting a Celery worker for this app, with the recovery sweep that makes crashes lose nothing.

The sweep runs in the worker's main process: once when it is ready (treating everything queued as possibly
lost by the broker) and then every ``sweep_interval_seconds``. Each round also signs an audit checkpoint when
one is due and enforces retention when the last run is more than an hour old.

On a machine shared with the web processes, ``worker_cpu_priority`` lowers the CPU priority of each unit's
handler (``candor.tasks.priority``), so that analysing answers never slows the requests people are waiting for.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from celery.signals import worker_process_init, worker_ready, worker_shutdown
from flask import Flask

from candor.attendance.pull import pull_if_due
from candor.audit.signing import checkpoint_if_due
from candor.retention.engine import run_if_due
from candor.state import get_state
from candor.tasks.priority import lower_session_group
from candor.tasks.work import sweep

log = logging.getLogger(__name__)


def start_worker(app: Flask, *, concurrency: int | None = None, pool: str = "prefork") -> None:
    state = get_state(app)
    stop = threading.Event()
    priority = state.settings.worker_cpu_priority
    log.info("units of work run at CPU priority %s; their commits at normal", priority)
    group = lower_session_group(priority)  # before forking the pool, which joins the same group
    if group is not None:
        log.info("this worker's session scheduling group lowered: %s", group)

    def after_fork(**_: object) -> None:
        # Connections opened by the parent must not be shared with the forked child.
        state.db.engine.dispose(close=False)

    def sweeper() -> None:
        first = True
        while not stop.is_set():
            try:
                with app.app_context():
                    sweep(state, stale_after=0 if first else None)
                    checkpoint_if_due(state)  # periodic signed audit checkpoint; a no-op unless one is due
                    run_if_due(state)  # retention purge; cheap unless an hour passed since the last run
                    pull_if_due(state)  # queues a check-in pull every attendance_pull_minutes
                first = False
            except Exception as exc:  # the database may be restarting; try again next round
                log.warning("recovery sweep failed (%s); retrying in %ss", type(exc).__name__,
                            state.settings.sweep_interval_seconds)
            stop.wait(state.settings.sweep_interval_seconds)

    def on_ready(**_: object) -> None:
        threading.Thread(target=sweeper, name="candor-sweeper", daemon=True).start()

    worker_process_init.connect(after_fork, weak=False)
    worker_ready.connect(on_ready, weak=False)
    worker_shutdown.connect(lambda **_: stop.set(), weak=False)

    workers = concurrency or state.settings.worker_concurrency
    state.celery.worker_main([
        "worker",
        f"--concurrency={workers}",
        f"--pool={pool}",
        f"--loglevel={state.settings.log_level}",
        f"--queues={state.settings.queue_name}",
        f"--hostname=candor-{os.getpid()}@{socket.gethostname()}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ])
