"""An import from start to end: check every row (the dry run), then, for a real run of a clean file, write
every row in one transaction and record the run.

Owns the guarantee "nothing half-imported": rows are written only after the whole file checked clean, all in
one transaction, and the file must still have the hash it had when it was checked; any failure rolls back
every row and records a ``failed`` run naming the row. Reading streams in batches, so a dry run of 100,000
rows takes the memory of one batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.imports.checks import (
    ExistingRecords,
    SeenKeys,
    batched,
    candidate_duplicates,
    job_duplicates,
    jobs_by_ref,
)
from candor.imports.mapping import resolve_columns
from candor.imports.models import ImportOutcome, ImportRun
from candor.imports.readers import TableFile, open_table
from candor.imports.report import ImportReport
from candor.imports.rows import Anomaly, CandidateRow, JobRow, candidate_row, job_row
from candor.imports.writer import RowRefused, write_candidate, write_job
from candor.jobs.models import Job, JobStatus
from candor.orgs.models import Organization
from candor.state import CandorState

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


class ImportOptionsError(Exception):
    """The import cannot start: wrong options (organisation, job). Exit code 2 on the command line."""


@dataclass(frozen=True)
class ImportRequest:
    kind: str  # "jobs" or "candidates"
    path: Path
    organization_id: int | None = None
    job_id: int | None = None
    mapping: Mapping[str, str | None] | None = None
    encoding: str | None = None
    sheet: str | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(state: CandorState, request: ImportRequest, *, progress: Progress | None = None,
               sink: Callable[[Anomaly], None] | None = None, max_examples: int = 20,
               record: bool = True) -> ImportReport:
    """The dry run: read and check every row, write nothing but the record of the run."""
    report = _check(state, request, progress=progress, sink=sink, max_examples=max_examples, dry_run=True)
    if record:
        _record(state, request, report, ImportOutcome.DRY_RUN)
    return report


def import_file(state: CandorState, request: ImportRequest, *, progress: Progress | None = None,
                sink: Callable[[Anomaly], None] | None = None, max_examples: int = 20) -> ImportReport:
    """Check the file; when every row is clean, write all of them in one transaction, else write none."""
    report = _check(state, request, progress=progress, sink=sink, max_examples=max_examples, dry_run=False)
    if not report.clean:
        report.failure = (f"{report.rows_with_anomalies} row(s) have anomalies; fix them in the file "
                          "(see the report) and import it again.")
        report.outcome = ImportOutcome.REFUSED
        _record(state, request, report, ImportOutcome.REFUSED)
        return report
    try:
        with state.db.transaction(immediate=True) as session, \
                audit.acting_as(_actor(), purpose="recruitment"):
            organization_id, job_id = _scope(session, request)
            with open_table(request.path, encoding=report.encoding or request.encoding,
                            sheet=request.sheet) as table:
                columns = resolve_columns(table.headers, request.kind, request.mapping,
                                          not_required=_given(request))
                written = _write_rows(state, session, request, table, columns, organization_id, job_id,
                                      progress)
            if written != report.rows_total:
                raise _RowFailed(None, "the file changed after it was checked; check it again")
            if file_sha256(request.path) != report.file_sha256:
                raise _RowFailed(None, "the file changed while it was imported; import it again")
            run = _run_row(request, report, ImportOutcome.IMPORTED, organization_id, job_id)
            session.add(run)
            session.flush()
            audit.record(session, f"admin.import_{request.kind}", f"import_run:{run.id}",
                         purpose="recruitment", details={"rows": report.rows_total, "new": report.rows_new,
                                                         "existing": report.rows_existing})
            report.run_id = run.id
    except _RowFailed as failed:
        report.outcome = ImportOutcome.FAILED
        report.failed_row = failed.row
        report.failure = (f"row {failed.row}: {failed.reason}" if failed.row else failed.reason) + \
            "; every row was rolled back."
        _record(state, request, report, ImportOutcome.FAILED)
        return report
    report.outcome = ImportOutcome.IMPORTED
    return report


class _RowFailed(Exception):
    def __init__(self, row: int | None, reason: str) -> None:
        super().__init__(reason)
        self.row = row
        self.reason = reason


def _given(request: ImportRequest) -> tuple[str, ...]:
    return ("job_ref",) if request.job_id is not None else ()


def _actor() -> str:
    actor = audit.current_context().actor
    return "system:import" if actor in ("system:unattributed", "anonymous") else actor


def _scope(session: Session, request: ImportRequest) -> tuple[int, int | None]:
    """The organisation and job the rows belong to, from the options (or the only organisation there is)."""
    job_id = request.job_id
    organization_id = request.organization_id
    if job_id is not None:
        job = session.get(Job, job_id)
        if job is None:
            raise ImportOptionsError(f"There is no job {job_id}; give the id of an existing job with --job.")
        if job.status == JobStatus.CLOSED:
            raise ImportOptionsError(f"Job {job_id} is closed; reopen it before importing applicants to it.")
        if organization_id is not None and organization_id != job.organization_id:
            raise ImportOptionsError(f"Job {job_id} belongs to organisation {job.organization_id}, not "
                               f"{organization_id}.")
        return job.organization_id, job_id
    if organization_id is None:
        ids = session.scalars(select(Organization.id).limit(2)).all()
        if len(ids) != 1:
            raise ImportOptionsError("Say which organisation the rows belong to with --organization ID"
                               + (" (there is none yet)." if not ids else "."))
        organization_id = ids[0]
    elif session.get(Organization, organization_id) is None:
        raise ImportOptionsError(f"There is no organisation {organization_id}.")
    return organization_id, None


def _check(state: CandorState, request: ImportRequest, *, progress: Progress | None,
           sink: Callable[[Anomaly], None] | None, max_examples: int, dry_run: bool) -> ImportReport:
    sha256 = file_sha256(request.path)
    with open_table(request.path, encoding=request.encoding, sheet=request.sheet) as table:
        columns = resolve_columns(table.headers, request.kind, request.mapping, not_required=_given(request))
        report = ImportReport(kind=request.kind, file_format=table.format, encoding=table.encoding,
                              file_sha256=sha256, dry_run=dry_run, max_examples=max_examples, sink=sink,
                              columns={name: table.headers[index] for name, index in columns.items()})
        seen = SeenKeys()
        try:
            with state.db.transaction() as session:
                organization_id, job_id = _scope(session, request)
                existing = ExistingRecords(state, session, organization_id)
                for batch in batched(_tracked(table, progress)):
                    if request.kind == "jobs":
                        _check_jobs(batch, columns, seen, existing, report)
                    else:
                        _check_candidates(batch, columns, seen, existing, job_id, report)
        finally:
            seen.close()
    return report


def _tracked(table: TableFile, progress: Progress | None) -> Iterator[tuple[int, list[Any]]]:
    for count, item in enumerate(table.rows(), start=1):
        if progress is not None and count % 200 == 0:
            progress(table.bytes_read(), table.bytes_total)
        yield item
    if progress is not None:
        progress(table.bytes_total, table.bytes_total)


def _check_jobs(batch: list[Any], columns: dict[str, int], seen: SeenKeys, existing: ExistingRecords,
                report: ImportReport) -> None:
    for number, cells in batch:
        row = job_row(number, cells, columns)
        anomalies = row.anomalies + job_duplicates(seen, row)
        report.add("existing" if row.external_ref in existing.jobs else "new", anomalies)


def _check_candidates(batch: list[Any], columns: dict[str, int], seen: SeenKeys, existing: ExistingRecords,
                      job_id: int | None, report: ImportReport) -> None:
    rows = [candidate_row(number, cells, columns) for number, cells in batch]
    for row in rows:
        job_key = _job_of(row, job_id, existing)
        row.anomalies.extend(candidate_duplicates(seen, row, str(job_key)) if job_key else [])
    verdicts = existing.check_candidates([row for row in rows if row.email])
    for row in rows:
        status, anomalies = verdicts.get(row.row, ("new", []))
        report.add(status, row.anomalies + anomalies)


def _job_of(row: CandidateRow, job_id: int | None, existing: ExistingRecords) -> int | None:
    if job_id is not None:
        return job_id
    if row.job_ref is None:
        row.anomalies.append(Anomaly(row.row, "job_ref", "missing_value", "job_ref is empty (or give --job)"))
        return None
    found = existing.jobs.get(row.job_ref)
    if found is None:
        row.anomalies.append(Anomaly(row.row, "job_ref", "unknown_job",
                                     "job_ref matches no job of this organisation; import the jobs first"))
    return found


def _write_rows(state: CandorState, session: Session, request: ImportRequest, table: TableFile,
                columns: dict[str, int], organization_id: int, job_id: int | None,
                progress: Progress | None) -> int:
    jobs: dict[str, int] = {}
    if request.kind == "candidates" and job_id is None:
        jobs = jobs_by_ref(session, organization_id)
    written = 0
    for number, cells in _tracked(table, progress):
        row: JobRow | CandidateRow
        row = job_row(number, cells, columns) if request.kind == "jobs" \
            else candidate_row(number, cells, columns)
        if row.anomalies:
            raise _RowFailed(number, "the row changed after it was checked; check the file again")
        try:
            if isinstance(row, JobRow):
                write_job(session, organization_id, row)
            else:
                target = job_id if job_id is not None else jobs.get(row.job_ref or "")
                if target is None:
                    raise _RowFailed(number, "its job no longer exists")
                write_candidate(state, session, target, row)
        except RowRefused as refused:
            raise _RowFailed(number, str(refused)) from None
        except SQLAlchemyError as exc:
            # The class only: database messages can quote the values of the failed statement.
            cause = type(getattr(exc, "orig", None) or exc).__name__
            raise _RowFailed(number, f"the database refused the row ({cause})") from None
        written += 1
    return written


def _run_row(request: ImportRequest, report: ImportReport, outcome: ImportOutcome,
             organization_id: int | None, job_id: int | None) -> ImportRun:
    return ImportRun(kind=request.kind, organization_id=organization_id, job_id=job_id,
                     file_sha256=report.file_sha256, file_format=report.file_format, encoding=report.encoding,
                     outcome=outcome, rows_total=report.rows_total, rows_new=report.rows_new,
                     rows_existing=report.rows_existing, rows_with_anomalies=report.rows_with_anomalies,
                     anomaly_counts=dict(report.anomaly_counts), failed_row=report.failed_row, actor=_actor(),
                     finished_at=utcnow())


def _record(state: CandorState, request: ImportRequest, report: ImportReport, outcome: ImportOutcome) -> None:
    """Record a run that wrote no rows (dry run, refused, failed) in its own short transaction."""
    with state.db.transaction() as session:
        organization_id, job_id = _scope(session, request)
        run = _run_row(request, report, outcome, organization_id, job_id)
        session.add(run)
        session.flush()
        report.run_id = run.id


def import_runs(session: Session, organization_id: int | None = None) -> list[ImportRun]:
    query = select(ImportRun).order_by(ImportRun.id.desc())
    if organization_id is not None:
        query = query.where(ImportRun.organization_id == organization_id)
    return list(session.scalars(query))

