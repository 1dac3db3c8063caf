"""Event emitted to receiver-acknowledged latency through the outbox, with a real worker process.

A local receiver (a real HTTP server verifying every request with the reference ``standardwebhooks``
library) acknowledges each delivery; the clock starts when the transaction that emits the event commits and
stops when the receiver has verified and stored it. Events go to distinct candidates, one every
``--interval`` seconds, so the figure is the steady-state path: commit, broker, claim, gate-free push, record.
The embedded broker polls its folder every ``broker_poll_seconds`` (default 0.2 s), which bounds the wake-up
delay; ``--poll`` sets it for the worker.

Run: .venv/bin/python bench/outbox_latency.py [--events 200] [--interval 0.05] [--poll 0.2]
     [--database-url URL]
Goal (issue 8): p95 under 2 s.
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
from pathlib import Path

from candor.app import create_app
from candor.db import migrate
from candor.outbox import OutboxEvent, emit
from candor.state import get_state

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from outbox.receiver import Receiver  # noqa: E402  (the tests' receiver, reused)

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 - the specification's published test secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--poll", type=float, default=None, help="broker poll seconds (default: the setting's)")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    receiver = Receiver(SECRET).start()
    folder = Path(tempfile.mkdtemp(prefix="candor-outbox-bench-"))
    config = folder / "candor.toml"
    if args.poll is None:
        from candor.config import Settings

        args.poll = Settings.model_fields["broker_poll_seconds"].default
    config.write_text(f'broker_poll_seconds = {args.poll}\n[plugin_settings.webhooks]\n'
                      f'url = "{receiver.url}"\nsecrets = "{SECRET}"\nregion = "EU"\n')
    env = {**os.environ, "CANDOR_CONFIG": str(config), "CANDOR_DATA_DIR": str(folder / "data"),
           "CANDOR_LOG_LEVEL": "WARNING", "CANDOR_WORKER_CONCURRENCY": str(args.concurrency),
           "CANDOR_QUEUE_NAME": "outbox-bench"}
    if args.database_url:
        env["CANDOR_DATABASE_URL"] = args.database_url
    os.environ.update(env)
    app = create_app()
    state = get_state(app)
    migrate.upgrade(state)
    worker = subprocess.Popen([sys.executable, "-m", "candor.cli", "worker"], env=env,
                              stdout=(folder / "worker.log").open("ab"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        time.sleep(4)  # let the worker start and run its first sweep
        emitted: dict[str, float] = {}
        for n in range(args.events):
            with state.db.transaction() as session:
                event_id = emit(session, "data.erased", f"candidate:{100_000 + n}", {"n": n})[0]
                key = session.get(OutboxEvent, event_id).idempotency_key
            emitted[key] = time.time()  # committed: the work is now sent to the broker
            time.sleep(args.interval)
        deadline = time.monotonic() + 120
        while len(receiver.accepted) < args.events and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGTERM)  # to the main process, as an operator stops it
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        receiver.stop()
    latencies = sorted(receiver.acked_at[k] - emitted[k] for k in emitted if k in receiver.acked_at)
    if len(latencies) < args.events:
        print(f"only {len(latencies)} of {args.events} events acknowledged; see {folder / 'worker.log'}")
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"database: {state.db.engine.dialect.name}; events: {len(latencies)}; broker poll: {args.poll} s; "
          f"worker concurrency: {args.concurrency}")
    print(f"emit->ack latency  p50 {quantiles[49]:.3f} s  p95 {quantiles[94]:.3f} s  "
          f"max {latencies[-1]:.3f} s "
          f"(goal: p95 < 2 s); receiver rejected {receiver.rejected}, duplicates {receiver.duplicates}")


if __name__ == "__main__":
    main()
