"""``candor import jobs|candidates FILE``: check a file (``--dry-run``) or import it, with a progress bar.

Exit codes: 0 the file is clean (and imported, without ``--dry-run``); 1 rows have anomalies or a row failed
to write (nothing was written); 2 the file, mapping or options are unusable.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from candor import audit
from candor.imports.mapping import MappingError, describe_fields, load_mapping
from candor.imports.readers import UnusableFile
from candor.imports.report import ImportReport
from candor.imports.rows import Anomaly
from candor.imports.runner import ImportOptionsError, ImportRequest, check_file, import_file, import_runs
from candor.state import get_state


@click.group("import")
def import_group() -> None:
    """Import jobs or candidates from CSV, Excel (.xlsx) or DBF files."""


def _options(command: Any) -> Any:
    decorators = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--mapping", type=click.Path(dir_okay=False, path_type=Path),
                     help="YAML or JSON file mapping the file's headers to fields "
                          "(see `candor import fields`)."),
        click.option("--organization", "organization_id", type=int,
                     help="Organisation id (default: the only one)."),
        click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing."),
        click.option("--encoding", help="Text encoding of a CSV or DBF file (default: detected), e.g. gbk."),
        click.option("--sheet", help="Worksheet of an .xlsx file (default: the first)."),
        click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write every anomaly and the summary to this file (JSON lines)."),
        click.option("--examples", default=20, show_default=True, help="Anomalies shown on screen."),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@import_group.command("jobs")
@_options
@with_appcontext
def import_jobs(**options: Any) -> None:
    """Import job requisitions (external id, title, location, description, requirements)."""
    _run("jobs", job_id=None, **options)


@import_group.command("candidates")
@_options
@click.option("--job", "job_id", type=int, help="The job every row applies to (else a job_ref column).")
@with_appcontext
def import_candidates(**options: Any) -> None:
    """Import applicants: each becomes a candidate with an interview for the job, and is invited."""
    _run("candidates", **options)


@import_group.command("fields")
@click.argument("kind", type=click.Choice(["jobs", "candidates"]))
def fields_command(kind: str) -> None:
    """The fields of an import and the headers recognised without a mapping file."""
    for spec in describe_fields(kind):
        mark = "required" if spec["required"] else "optional"
        click.echo(f"{spec['field']:<14} {mark:<9} {spec['description']}")
        click.echo(f"{'':<25}headers: {', '.join(spec['recognised'])}")


@import_group.command("runs")
@click.option("--organization", "organization_id", type=int)
@with_appcontext
def runs_command(organization_id: int | None) -> None:
    """Past imports: when, what, by whom and with what outcome."""
    with get_state(current_app).db.transaction() as session:
        for run in import_runs(session, organization_id):
            click.echo(f"{run.id:>5} {run.started_at:%Y-%m-%d %H:%M} {run.kind:<10} {run.outcome:<8} "
                       f"rows {run.rows_total} (new {run.rows_new}, known {run.rows_existing}, "
                       f"anomalies {run.rows_with_anomalies})  {run.file_format} {run.file_sha256[:12]}  "
                       f"{run.actor}")


def _run(kind: str, *, file: Path, mapping: Path | None, organization_id: int | None, job_id: int | None,
         dry_run: bool, encoding: str | None, sheet: str | None, report_path: Path | None, examples: int,
         as_json: bool) -> None:
    state = get_state(current_app)
    report_file = report_path.open("w", encoding="utf-8") if report_path else None

    def sink(anomaly: Anomaly) -> None:
        if report_file is not None:
            report_file.write(json.dumps(anomaly.to_dict(), ensure_ascii=False) + "\n")

    try:
        request = ImportRequest(kind=kind, path=file, organization_id=organization_id, job_id=job_id,
                                mapping=load_mapping(mapping) if mapping else None, encoding=encoding,
                                sheet=sheet)
        label = ("Checking " if dry_run else "Importing ") + kind
        with click.progressbar(length=max(file.stat().st_size, 1), label=label, file=sys.stderr) as bar, \
                audit.acting_as("system:cli", purpose="recruitment"):
            done = [0]

            def progress(position: int, total: int) -> None:
                scaled = position * bar.length // max(total, 1)
                if scaled > done[0]:
                    bar.update(scaled - done[0])
                    done[0] = scaled

            run = check_file if dry_run else import_file
            report = run(state, request, progress=progress, sink=sink, max_examples=examples)
    except (UnusableFile, MappingError, ImportOptionsError) as exc:
        click.echo(f"candor import: {exc}", err=True)
        sys.exit(2)
    finally:
        if report_file is not None:
            report_file.close()
    if report_path is not None:
        with report_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"summary": report.to_dict()}, ensure_ascii=False) + "\n")
    _show(report, as_json)
    sys.exit(0 if report.clean else 1)


def _show(report: ImportReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for line in report.lines():
        click.echo(line)
