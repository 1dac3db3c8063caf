"""Import throughput: rows per second of a dry run and of a real import of the same CSV, against the raw
``csv`` module reading that file (the floor no import can beat).

The file holds distinct, valid applicants (resident ids with correct check digits, mainland mobiles, unique
e-mail addresses), so every row goes through every check and, in the real run, through
``candor.recruiting.intake_applicant`` (candidate sealed in the vault, interview, invitation queued) in one
transaction. The database starts empty and migrated.

Run: .venv/bin/python bench/import_throughput.py [--rows 20000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "imports"))

from import_fixtures import write_large_csv  # noqa: E402

from candor.app import create_app  # noqa: E402
from candor.db import migrate  # noqa: E402
from candor.imports import ImportRequest, check_file, import_file  # noqa: E402
from candor.jobs.models import Job, JobStatus  # noqa: E402
from candor.orgs.models import Organization  # noqa: E402
from candor.state import get_state  # noqa: E402


def raw_csv_rows_per_second(path: Path) -> float:
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        count = sum(1 for _ in csv.reader(handle)) - 1
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", default="", help="Default: SQLite in a temporary folder.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="candor-bench-") as folder:
        root = Path(folder)
        app = create_app({"data_dir": root / "data", "testing": True,
                          "database_url": args.database_url or f"sqlite:///{root / 'bench.db'}"})
        state = get_state(app)
        migrate.upgrade(state)
        with state.db.transaction() as session:
            org = Organization(name="Bench", slug="bench", jurisdictions=["CN"])
            session.add(org)
            session.flush()
            job = Job(organization_id=org.id, title="工程师", location="CN", language="zh",
                      status=JobStatus.OPEN, external_ref="BENCH-1")
            session.add(job)
            session.flush()
            job_id = job.id
        path = write_large_csv(root / "applicants.csv", args.rows)
        request = ImportRequest(kind="candidates", path=path, job_id=job_id)

        raw = raw_csv_rows_per_second(path)
        started = time.perf_counter()
        dry = check_file(state, request)
        dry_seconds = time.perf_counter() - started
        started = time.perf_counter()
        real = import_file(state, request)
        real_seconds = time.perf_counter() - started
        assert dry.clean and real.outcome == "imported", (dry.examples, real.failure)

        print(f"{args.rows} rows, {state.db.engine.dialect.name}, {path.stat().st_size / 1e6:.1f} MB CSV")
        print(f"raw csv module     {raw:>10,.0f} rows/s")
        print(f"dry run            {args.rows / dry_seconds:>10,.0f} rows/s  ({dry_seconds:.1f} s; "
              f"raw csv is {raw * dry_seconds / args.rows:,.0f}x faster)")
        print(f"import (check+write){args.rows / real_seconds:>9,.0f} rows/s  ({real_seconds:.1f} s; "
              f"raw csv is {raw * real_seconds / args.rows:,.0f}x faster)")
        state.db.dispose()


if __name__ == "__main__":
    main()
