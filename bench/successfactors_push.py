"""The SuccessFactors connector against the local OData server: write-back latency and pull throughput.

Each push is what the outbox does for one event: read the application's last idempotency key, then upsert the
result (two HTTP round trips, a fresh OAuth token once). Pulls read applications with their candidates in
pages of 1,000 following ``__next``. The server is the test suite's (``tests/support/sf_server.py``), in this
process, on 127.0.0.1.

Run: .venv/bin/python bench/successfactors_push.py [--events 500] [--applications 5000]
Goal (issue 8): event-to-EHR-acknowledged p95 under 2 s (this measures the connector's share of it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.sf_server import FakeSuccessFactors  # noqa: E402

from candor_plugins.successfactors import candor_declare  # noqa: E402
from candor_plugins.successfactors.connector import SuccessFactorsConnector  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--applications", type=int, default=5000)
    args = parser.parse_args()
    fake = FakeSuccessFactors(page_size=1000).start()
    for i in range(args.applications):
        fake.add_requisition(1 + i % 50, title="Engineer", description="Build things.")
        fake.add_application(1000 + i, candidate_id=50_000 + i, req_id=1 + i % 50, first="A", last=str(i),
                             email=f"a{i}@example.com")
    settings = {s.name: s.default for s in candor_declare().settings}
    settings.update(base_url=fake.base_url, company_id=fake.company_id, client_id=fake.client_id,
                    assertion=fake.assertion, status_advance="201")
    connector = SuccessFactorsConnector(settings)

    latencies = []
    for i in range(args.events):
        data = {"source": "successfactors", "application_ref": str(1000 + i), "score": 3.5,
                "recommendation": "advance", "status": "advance",
                "report_url": "https://candor.example/admin/interviews/1"}
        event = {"type": "result.ready", "data": data}
        started = time.perf_counter()
        connector.push_event(event, f"evt_{i}")
        latencies.append(time.perf_counter() - started)
    assert all(count == 1 for count in fake.writes_by_key.values())
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"push (read key + upsert): {args.events} events, p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")

    started = time.perf_counter()
    rows = sum(1 for _ in connector.pull_applicants(None))
    seconds = time.perf_counter() - started
    print(f"pull applicants with candidates: {rows} rows in {seconds:.2f} s, {rows / seconds:,.0f} rows/s")
    fake.stop()


if __name__ == "__main__":
    main()
