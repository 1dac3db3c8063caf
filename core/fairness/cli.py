"""``candor audit bias`` (the NYC LL144 report of a job) and ``candor audit illinois`` (the §20 report)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from candor.fairness.metrics import DEFAULT_EXCLUSION_THRESHOLD


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    partial = output.with_name(output.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # aggregate, but still audit material
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    partial.replace(output)
    click.echo(f"Wrote {output}.", err=True)


@click.command("bias")
@click.option("--job", "job_id", required=True, type=int, help="The job whose tool output is audited.")
@click.option("--since", default=None, help="Interviews created from this ISO date or time (UTC if unzoned).")
@click.option("--until", default=None, help="Interviews created before this ISO date or time; default: now.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "html"]), default="json",
              show_default=True)
@click.option("--exclude-under", default=DEFAULT_EXCLUSION_THRESHOLD, show_default=True, type=float,
              help="Exclude categories under this share of the known data from impact ratios (0: none).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write; default: standard output.")
@with_appcontext
def bias_command(job_id: int, since: str | None, until: str | None, fmt: str, exclude_under: float,
                 output: Path | None) -> None:
    """The NYC Local Law 144 bias audit of a job: scoring and selection rates and impact ratios."""
    from candor.audit.context import acting_as
    from candor.audit.views import parse_time
    from candor.fairness.render import bias_csv, bias_html
    from candor.fairness.report import ReportError, build_bias_report
    from candor.fairness.views import vocabulary_for
    from candor.state import get_state

    try:
        start, end = parse_time(since, "--since"), parse_time(until, "--until")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    state = get_state(current_app)
    with acting_as("system:cli", via="cli audit bias"), state.db.transaction(immediate=True) as session:
        try:
            report = build_bias_report(session, vocabulary_for(state), job_id, since=start, until=end,
                                       threshold=exclude_under)
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
    text = {"json": lambda: json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n",
            "csv": lambda: bias_csv(report), "html": lambda: bias_html(report)}[fmt]()
    _write(text, output)


@click.command("illinois")
@click.option("--organization", "organization_id", required=True, type=int)
@click.option("--year", required=True, type=int, help="The year whose 30 November ends the 12-month period.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def illinois_command(organization_id: int, year: int, fmt: str, output: Path | None) -> None:
    """The Illinois §20 report: race/ethnicity of applicants advanced, not advanced and hired."""
    from candor.audit.context import acting_as
    from candor.fairness.render import illinois_csv
    from candor.fairness.report import ReportError, build_illinois_report
    from candor.fairness.views import vocabulary_for
    from candor.state import get_state

    state = get_state(current_app)
    with acting_as("system:cli", via="cli audit illinois"), state.db.transaction(immediate=True) as session:
        try:
            report = build_illinois_report(session, vocabulary_for(state), organization_id, year)
        except ReportError as exc:
            raise click.ClickException(str(exc)) from None
    _write(json.dumps(report.to_dict(), indent=2) + "\n" if fmt == "json" else illinois_csv(report), output)
