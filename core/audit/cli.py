"""``candor audit export`` and ``candor audit verify``.

``verify FILE`` loads no app, database or configuration: it runs ``candor.audit.verify`` on the bundle alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from candor.audit.verify import VerificationError, verify_bundle


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log: exports for auditors and verification."""


@audit_group.command("export")
@click.option("--since", default=None, help="ISO date or time (UTC unless zoned); default: the start.")
@click.option("--until", default=None, help="ISO date or time; default: now.")
@click.option("--kind", type=click.Choice(["all", "consent", "access"]), default="all", show_default=True)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The bundle file to write (a zip).")
@with_appcontext
def export_command(since: str | None, until: str | None, kind: str, output: Path) -> None:
    """Write a verifiable bundle of audit entries, with a fresh signed checkpoint."""
    from candor.audit.context import acting_as
    from candor.audit.export import ExportFilter, export_bundle
    from candor.audit.views import parse_time
    from candor.state import get_state

    try:
        wanted = ExportFilter(since=parse_time(since, "--since"), until=parse_time(until, "--until"),
                              kind=kind)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    partial = output.with_name(output.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle, acting_as("system:cli", via="cli audit export"):
        summary = export_bundle(get_state(current_app), handle, wanted)
    partial.replace(output)  # never leave a half-written bundle under the name asked for
    click.echo(f"Wrote {output}: entries {summary.first_seq}..{summary.last_seq} "
               f"({summary.included} included, {summary.omitted} omitted), "
               f"checkpoint {summary.checkpoint_hash}.")


@audit_group.command("verify")
@click.argument("bundle", required=False, type=click.Path(dir_okay=False, exists=True))
@click.option("--db", "live", is_flag=True, help="Verify the live database chain instead of a bundle.")
@click.pass_context
def verify_command(ctx: click.Context, bundle: str | None, live: bool) -> None:
    """Verify a bundle (needs nothing else) or, with --db, the live chain. Exits 1 on the first problem."""
    if live == (bundle is not None):
        raise click.UsageError("Give either a BUNDLE file or --db.")
    if live:
        from candor.audit.live import verify_database
        from candor.state import get_state

        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            report = verify_database(get_state(app))
        if not report.ok:
            click.echo(f"FAILED: {report.message}", err=True)
            sys.exit(1)
        click.echo(report.message)
        return
    assert bundle is not None
    try:
        result = verify_bundle(bundle)
    except VerificationError as exc:
        click.echo(f"FAILED: {exc}", err=True)
        sys.exit(1)
    click.echo(result.summary())


# The bias audit reports live with the fairness feature; they are audit commands to the operator.
from candor.fairness.cli import bias_command, illinois_command  # noqa: E402

audit_group.add_command(bias_command)
audit_group.add_command(illinois_command)
