"""gunicorn settings for serving Candor with several processes (see docs/deploy.md)::

    PROMETHEUS_MULTIPROC_DIR=/run/candor/metrics \\
    gunicorn -c python:candor.ops.gunicorn_conf --bind 0.0.0.0:8000 --workers 4 'candor.app:create_app()'

Each process builds its own app (no preloading: database connections must not cross a fork). Threads per
process serve uploads while others wait on the database. With ``PROMETHEUS_MULTIPROC_DIR`` set, the request
metrics of all processes are summed at ``/metrics``: the folder is emptied at start and a dead process's files
are marked so its live gauges go.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

worker_class = "gthread"
threads = int(os.environ.get("CANDOR_WEB_THREADS", "16"))
timeout = 120  # an upload's last piece joins and checks the recording
graceful_timeout = 30
keepalive = 5
accesslog = None  # the app logs each request itself, without personal data


def on_starting(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in path.glob("*.db"):  # counts of an earlier run would be summed in otherwise
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    # A request makes a dozen database and Redis round trips; after each, its thread needs the GIL back while
    # another thread may be computing, and Python hands it over only every switch interval (5 ms by default).
    # 1 ms keeps those waits from adding up (bench/load_bench.py: p95 at 200 candidates 270-388 ms over five
    # runs against 258-590 ms over three at the default).
    sys.setswitchinterval(float(os.environ.get("CANDOR_WEB_SWITCH_INTERVAL", "0.001")))
