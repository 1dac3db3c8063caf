"""``candor backup`` and ``candor restore`` (see ``candor.ops.backup`` for what a backup holds)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from candor.ops.backup import BackupError, backup, restore
from candor.state import get_state


@click.command("backup")
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new (or empty) folder for the database snapshot, media and secrets.")
@click.option("--keys-to", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="A new folder, kept apart (another volume, other retention), for the key ring.")
@with_appcontext
def backup_command(folder: Path, keys_to: Path | None) -> None:
    """Back up the running platform: a consistent database snapshot, media, secrets, and the keys apart."""
    try:
        report = backup(get_state(current_app), folder, keys_to=keys_to)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backup written to {report.folder}: {report.database} snapshot (audit head {report.audit_head}), "
               f"{report.media_files} media files ({report.media_bytes} bytes) in {report.seconds:.1f} s.")
    if report.keys_folder is None:
        click.echo("Keys NOT included: back up the key folder apart (--keys-to); without it nothing personal "
                   "can be read after a restore.", err=True)
    else:
        click.echo(f"Keys written to {report.keys_folder}: keep them apart from the backup.")


@click.command("restore")
@click.option("--from", "folder", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder written by candor backup.")
@click.option("--keys-from", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="The key folder written with it (--keys-to).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def restore_command(folder: Path, keys_from: Path | None, as_json: bool) -> None:
    """Restore a backup into this installation's empty database and data folder, then verify the audit chain."""
    try:
        result = restore(get_state(current_app), folder, keys_from=keys_from)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        aside = ", ".join(result["set_aside"]) or "nothing"
        click.echo(f"Restored the {result['database']} database and {result['media_files']} media files "
                   f"(set aside: {aside}); {result['requeued_work']} units of work that were running are queued "
                   "again.")
        click.echo(f"Audit chain: {result['audit']['message']}")
        click.echo("Next: candor db upgrade (if this version is newer), then start the web app and workers.")
    if result["audit"]["status"] != "ok":
        sys.exit(1)
