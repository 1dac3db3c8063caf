"""``candor ehr``: pull jobs and applicants from the configured HR-system connectors now."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from candor.audit.context import acting_as
from candor.recruiting.sync import sync
from candor.state import get_state


@click.group("ehr")
def ehr_group() -> None:
    """Exchange jobs, applicants and results with HR systems."""


@ehr_group.command("sync")
@click.option("--organization", "organization_id", type=int, required=True, help="Organisation to sync into.")
@click.option("--plugin", default=None, help="Only this connector plugin (e.g. successfactors).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def sync_command(organization_id: int, plugin: str | None, as_json: bool) -> None:
    """Pull what changed since the last sync; applicants are invited once their job has an approved set."""
    state = get_state(current_app)
    try:
        with acting_as("system:cli", via="cli:ehr sync"):
            reports = sync(state, organization_id=organization_id, plugin=plugin)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # a connector failing: say which kind of failure, nothing of the data
        raise click.ClickException(f"The sync failed and changed nothing: {str(exc)[:300]}") from None
    if not reports:
        raise click.ClickException("No EHR connector is configured; set plugin_settings.<plugin>.base_url.")
    if as_json:
        click.echo(json.dumps({name: report.to_dict() for name, report in reports.items()}, indent=2))
        return
    for name, report in reports.items():
        skipped = ", ".join(f"{reason}: {count}" for reason, count in report.skipped.items()) or "none"
        click.echo(f"{name}: {report.jobs} jobs, {report.applicants} applicants, "
                   f"{report.released} invitations released; skipped {skipped}")
