"""``candor records generate``: the record of processing and DPIA / PIPIA draft, on stdout or into a file."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from candor.records.render import render
from candor.records.store import current
from candor.state import get_state


@click.group("records")
def records_group() -> None:
    """Records of processing (GDPR Art. 30) and the DPIA / PIPIA draft (GDPR Art. 35, PIPL Art. 55)."""


@records_group.command("generate")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "html"]), default="md", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (mode 0600) instead of standard output.",
)
@with_appcontext
def generate(fmt: str, output: Path | None) -> None:
    """Build the records from the enabled plugins, the policy packs and the security measures in force."""
    record, version, new = current(get_state(current_app))
    text = render(record, fmt)
    if output is None:
        click.echo(text)
    else:
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
    click.echo(
        f"version {version} ({'new' if new else 'unchanged'}), fingerprint {record['fingerprint']}", err=True
    )
