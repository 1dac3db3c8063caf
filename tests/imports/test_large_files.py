"""A 100,000-row dry run: every row checked (duplicates included) with the memory of a 10,000-row one."""

from __future__ import annotations

import logging
import time
import tracemalloc

import pytest
from import_fixtures import write_large_csv

from candor.imports import ImportRequest, check_file
from candor.state import get_state


def _peak_of_dry_run(state, path, job) -> tuple[int, object, float]:
    # Statement logging left on by an earlier test would be kept in memory by pytest's log capture and
    # measured here; the importer's own memory is what this test is about.
    engine_log = logging.getLogger("sqlalchemy.engine")
    level = engine_log.level
    engine_log.setLevel(logging.WARNING)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        report = check_file(state, ImportRequest(kind="candidates", path=path, job_id=job), record=False)
        return tracemalloc.get_traced_memory()[1], report, time.perf_counter() - started
    finally:
        tracemalloc.stop()
        engine_log.setLevel(level)


@pytest.mark.candor_backends("sqlite")
@pytest.mark.timeout(600)
def test_memory_stays_flat_from_10k_to_100k_rows(candor_app, job, tmp_path):
    state = get_state(candor_app)
    small = write_large_csv(tmp_path / "10k.csv", 10_000)
    large = write_large_csv(tmp_path / "100k.csv", 100_000)
    _peak_of_dry_run(state, write_large_csv(tmp_path / "warm.csv", 600), job)  # lazy metadata, caches

    small_peak, small_report, _ = _peak_of_dry_run(state, small, job)
    large_peak, large_report, seconds = _peak_of_dry_run(state, large, job)

    assert small_report.rows_total == 10_000 and small_report.clean
    assert large_report.rows_total == 100_000 and large_report.clean, large_report.examples
    print(f"\npeak traced memory: 10k rows {small_peak / 1e6:.2f} MB, 100k rows {large_peak / 1e6:.2f} MB; "
          f"100k rows in {seconds:.1f} s (traced)")
    # Ten times the rows may not cost more than a fifth more memory: nothing grows with the row count.
    assert large_peak < small_peak * 1.2 + 256 * 1024
